"""dask.dataframe on the `parquet` workload: the means of the 18 numeric columns of a Parquet
file, read with dd.read_parquet on the threaded scheduler, every core. dask reads Parquet through
pyarrow or fastparquet; without either (Debian 12 packages neither) the run is reported as
skipped, never faked.

usage: dask_parquet.py FILE
Prints one JSON record (design.md section 5)."""
import os
import sys

# This directory off the path: a module here must never shadow one of the standard library's
# (a script named csv.py here once did, for every bench script whose imports reach `import csv`).
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

try:
    import dask
    import dask.dataframe as dd
    import pandas as pd
except ImportError as e:
    print(json.dumps({"skipped": f"dask.dataframe/pandas is not installed ({e}); apt-get install python3-dask python3-pandas"}))
    sys.exit(0)
engine = None
for name in ("pyarrow", "fastparquet"):
    try:
        __import__(name)
        engine = name
        break
    except ImportError:
        pass
if engine is None:
    print(json.dumps({"skipped": "dask.dataframe.read_parquet needs pyarrow or fastparquet, and neither is installed (Debian 12 packages neither)"}))
    sys.exit(0)

NUMERIC = [f"x{j}" for j in range(16)] + ["n0", "n1"]


def main():
    path = sys.argv[1]
    threads = os.cpu_count()
    t0 = time.perf_counter()
    df = dd.read_parquet(path, columns=NUMERIC, engine=engine)
    means, rows = dask.compute(df.mean(), df.shape[0], scheduler="threads", num_workers=threads)
    dt = time.perf_counter() - t0
    print(json.dumps({
        "workload": "parquet", "engine": "dask", "variant": f"threaded, {engine}",
        "params": {"rows": int(rows), "cols": 20, "format": "parquet"},
        "seconds": {"total": dt},
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": threads,
        "rows": int(rows),
        "rowsPerSecond": rows / dt,
        "means": [float(means[c]) for c in NUMERIC],
        "versions": {"python": platform.python_version(), "dask": dask.__version__, "pandas": pd.__version__},
    }))


main()
