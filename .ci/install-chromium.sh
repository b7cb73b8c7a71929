#!/usr/bin/env bash
# Installs Debian's Chromium for the headless report test (packages/diagnostics/test/chromium.test.ts)
# when /usr/bin/chromium is missing. Idempotent and quiet; never fails the CI run: if Chromium
# cannot be installed it says why, and the test then skips with that reason.
set -u
if [ -x /usr/bin/chromium ]; then
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
  echo "install-chromium: /usr/bin/chromium is missing; installing Debian's chromium package..."
  if ! { DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
    why="apt-get failed: $(tail -n 3 "$log" | tr '\n' ' ')"
  fi
  rm -f "$log"
fi
if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: installed $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
else
  echo "install-chromium: Chromium is not available (${why:-unknown reason}); the headless report test will be skipped."
fi
exit 0
