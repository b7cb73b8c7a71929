"""The reference workload from a table with dask + scikit-learn (the `pipeline-tables` workload):
dd.read_csv → to_dask_array(lengths=True) → StandardScaler statistics → SGDClassifier.partial_fit
over the blocks in order → predictions written block by block as .npy files.

usage: dask_pipeline_csv.py FILE OUT_DIR [--format csv|parquet]

As a user writes it with Debian's packages (dask 2022.12 has no dask-ml here): the 20 feature
columns and the label `y` as one dask array (so a block's features and labels come from one read
of its rows; the categorical column is never asked for), the scaler's mean and variance by
dask.array (what dask-ml's StandardScaler.fit computes), the blocks of the standardized array fed
one by one to SGDClassifier(loss='hinge', random_state=2, shuffle=False).partial_fit — the next
block computed by dask meanwhile — as bench/python/pipeline.py does (dask-ml's Incremental without
shuffling blocks), then map_blocks(predict) saved per block. Every block trains, as Tessera's
program does; the accuracy is the predictions against the labels over every row, counted while
the predictions are written. CSV blocks are dask's default 64 MB, Tessera's default too.
`--format parquet` reads with dd.read_parquet, which needs pyarrow or fastparquet: without either
(Debian 12 packages neither) the run is reported as skipped, never faked.
Times count from the script's first line (the imports of dask, pandas and scikit-learn included;
the interpreter's own start-up, ~20 ms, is not). Prints one JSON record (design.md section 5)."""
import time

T_START = time.perf_counter()

import os  # noqa: E402
import sys  # noqa: E402

# This directory off the path: a module here must never shadow one of the standard library's.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

try:
    import numpy as np
    import dask
    import dask.dataframe as dd
    import pandas as pd
    import sklearn
    from sklearn.linear_model import SGDClassifier
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"{e}; apt-get install python3-numpy python3-dask python3-pandas python3-sklearn"}))
    sys.exit(0)

FEATURES = [f"x{j}" for j in range(20)]


def parquet_engine():
    for name in ("pyarrow", "fastparquet"):
        try:
            __import__(name)
            return name
        except ImportError:
            pass
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("out")
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    args = ap.parse_args()
    if args.format == "parquet" and parquet_engine() is None:
        print(json.dumps({"skipped": "dask.dataframe.read_parquet needs pyarrow or fastparquet, and neither is installed (Debian 12 packages neither)"}))
        return
    threads = os.cpu_count()
    dask.config.set(scheduler="threads", num_workers=threads)
    t_loaded = time.perf_counter()

    if args.format == "csv":
        df = dd.read_csv(args.file, blocksize=64_000_000)
    else:
        df = dd.read_parquet(args.file, engine=parquet_engine())
    # One array of features and label: a block's features and labels come from one read.
    table = df[FEATURES + ["y"]].to_dask_array(lengths=True)
    X, y = table[:, :20], table[:, 20]
    t0 = time.perf_counter()

    mean, var = dask.compute(X.mean(axis=0), X.var(axis=0))
    scale = np.sqrt(var)
    scale[scale == 0] = 1.0
    t1 = time.perf_counter()

    Xs = (X - mean) / scale
    nblocks = Xs.numblocks[0]
    clf = SGDClassifier(loss="hinge", random_state=2, shuffle=False)
    classes = np.array([0, 1])
    with ThreadPoolExecutor(1) as prefetch:
        nxt = prefetch.submit(dask.compute, Xs.blocks[0], y.blocks[0])
        for i in range(nblocks):
            xb, yb = nxt.result()
            if i + 1 < nblocks:
                nxt = prefetch.submit(dask.compute, Xs.blocks[i + 1], y.blocks[i + 1])
            clf.partial_fit(xb, yb, classes=classes)
    t2 = time.perf_counter()

    pred = Xs.map_blocks(lambda b: clf.predict(b).astype(np.float64), drop_axis=1, dtype=np.float64)
    tmp = args.out + ".tmp-dask"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)

    def save(block, i, yb):
        np.save(os.path.join(tmp, f"y-{i:05d}.npy"), block)
        return int((block == yb).sum())

    # Written beside and renamed into place.
    parts = [dask.delayed(save)(b, i, yb) for i, (b, yb) in enumerate(zip(pred.to_delayed(), y.to_delayed()))]
    correct = sum(dask.compute(*parts))
    shutil.rmtree(args.out, ignore_errors=True)
    os.rename(tmp, args.out)
    t3 = time.perf_counter()

    rows = int(X.shape[0])
    print(json.dumps({
        "workload": "pipeline-tables", "engine": "dask", "variant": args.format,
        "params": {"rows": rows, "cols": 20},
        "blocks": int(nblocks),
        "seconds": {"modules": t_loaded - T_START, "open": t0 - t_loaded, "scalerStats": t1 - t0, "fit": t2 - t1,
                    "predictWrite": t3 - t2, "total": t3 - T_START},
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": threads, "accuracy": correct / rows,
        "coef": clf.coef_.ravel().tolist(), "intercept": clf.intercept_.tolist(),
        "versions": {"python": platform.python_version(), "dask": dask.__version__, "pandas": pd.__version__,
                     "sklearn": sklearn.__version__, "numpy": np.__version__},
    }))


main()
