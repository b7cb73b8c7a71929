"""dask.dataframe on the `csv` workload: the means of the 18 numeric columns of a CSV file,
read with dd.read_csv (64 MB blocks, dask's default) on the threaded scheduler, every core.

usage: dask_csv.py FILE
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
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"dask.dataframe/pandas is not installed ({e}); apt-get install python3-dask python3-pandas"}))
    sys.exit(0)

NUMERIC = [f"x{j}" for j in range(16)] + ["n0", "n1"]


def main():
    path = sys.argv[1]
    threads = os.cpu_count()
    t0 = time.perf_counter()
    df = dd.read_csv(path, blocksize=64_000_000)
    means, rows = dask.compute(df[NUMERIC].mean(), df.shape[0], scheduler="threads", num_workers=threads)
    dt = time.perf_counter() - t0
    print(json.dumps({
        "workload": "csv", "engine": "dask", "variant": "threaded",
        "params": {"rows": int(rows), "cols": 20, "format": "csv"},
        "seconds": {"total": dt},
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": threads,
        "rows": int(rows),
        "rowsPerSecond": rows / dt,
        "means": [float(means[c]) for c in NUMERIC],
        "versions": {"python": platform.python_version(), "dask": dask.__version__, "pandas": pd.__version__},
    }))


main()
