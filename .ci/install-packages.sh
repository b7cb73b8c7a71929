#!/usr/bin/env bash
# Installs the Debian packages the tests use as real reference parts, where missing (Chromium has
# its own script, install-chromium.sh, which its test also runs):
#   python3-numpy, python3-pandas,    fixtures and cross-checks written by numpy, pandas, dask and
#   python3-dask, python3-sklearn     scikit-learn (dtype readers, to_npy_stack, CSV, estimators)
#   redis-server                      the cluster tests' Redis (packages/distributed; each test
#                                     starts its own on a free port, never the system service)
# Idempotent and quiet; never fails the CI run: if a package cannot be installed it says why, and
# the tests that need it skip with that reason.
set -u
need=()
for mod in numpy:python3-numpy pandas:python3-pandas dask:python3-dask sklearn:python3-sklearn; do
  /usr/bin/python3 -c "import ${mod%%:*}" >/dev/null 2>&1 || need+=("${mod##*:}")
done
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
why=""
if ! command -v apt-get >/dev/null 2>&1; then
  why="apt-get is not available on this machine"
elif [ "$(id -u)" != "0" ] && ! command -v sudo >/dev/null 2>&1; then
  why="not root and no sudo: cannot run apt-get"
else
  SUDO=""
  [ "$(id -u)" != "0" ] && SUDO="sudo -n"
  log=$(mktemp)
  echo "install-packages: installing Debian's ${need[*]}..."
  if ! { DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
    why="apt-get failed: $(tail -n 3 "$log" | tr '\n' ' ')"
  fi
  rm -f "$log"
fi
if [ -n "$why" ]; then
  echo "install-packages: could not install ${need[*]} ($why); the tests that need them will be skipped."
else
  echo "install-packages: installed ${need[*]}"
fi
exit 0
