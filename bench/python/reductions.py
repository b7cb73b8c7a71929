"""dask.array on the `reductions` workload: column mean and variance of X over an npy-chunks-v1
dataset directory (manifest.json + X-00000.npy ...), threaded scheduler on every core.

usage: reductions.py DIR
Prints one JSON record (design.md section 5)."""
import json
import os
import platform
import resource
import sys
import time

try:
    import numpy as np
    import dask
    import dask.array as da
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"dask/numpy is not installed ({e}); apt-get install python3-dask python3-numpy"}))
    sys.exit(0)


def open_dataset(d):
    with open(os.path.join(d, "manifest.json")) as f:
        m = json.load(f)
    blocks = []
    for name, rows in zip(m["x_files"], m["chunk_sizes"]):
        path = os.path.join(d, name)
        blocks.append(da.from_delayed(dask.delayed(np.load)(path), shape=(rows, m["cols"]), dtype=np.dtype(m["dtype_X"])))
    return da.concatenate(blocks, axis=0), m


def main():
    d = sys.argv[1]
    threads = os.cpu_count()
    t0 = time.perf_counter()
    X, m = open_dataset(d)
    mean, var = dask.compute(X.mean(axis=0), X.var(axis=0), scheduler="threads", num_workers=threads)
    dt = time.perf_counter() - t0
    print(json.dumps({
        "workload": "reductions", "engine": "dask", "variant": "threaded",
        "params": {"rows": m["rows"], "cols": m["cols"], "chunkRows": m["chunk_sizes"][0], "dtype": m["dtype_X"]},
        "seconds": {"total": dt},
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": threads,
        "mean0": float(mean[0]), "var0": float(var[0]),
        "versions": {"python": platform.python_version(), "dask": dask.__version__, "numpy": np.__version__},
    }))


main()
