"""The reference workload with dask + scikit-learn, on a dataset directory (npy-chunks-v1).

usage: pipeline.py --data DIR --out DIR [--shuffle true|false] [--holdout K]

Phases, each timed:
  scalerStats   dask.array column mean and variance over the training blocks of X (what dask-ml's
                StandardScaler.fit does)
  fit           blocks of the standardized X fed one by one to SGDClassifier.partial_fit
                (hinge, random_state=2), the next block computed by dask meanwhile
  predictWrite  predictions of every block (map_blocks), written back as .npy files by dask
Prints one JSON record (design.md section 5)."""
import argparse
import json
import os
import platform
import resource
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor

try:
    import numpy as np
    import dask
    import dask.array as da
    import sklearn
    from sklearn.linear_model import SGDClassifier
except ImportError as e:
    print(json.dumps({"skipped": f"{e}; apt-get install python3-numpy python3-dask python3-sklearn"}))
    sys.exit(0)


def load_dataset(d):
    manifest_path = os.path.join(d, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            m = json.load(f)
        x_files, y_files, sizes, cols = m["x_files"], m["y_files"], m["chunk_sizes"], m["cols"]
        dtype_x, dtype_y = m["dtype_X"], m["dtype_y"]
    else:
        x_files = sorted(f for f in os.listdir(d) if f.startswith("X-") and f.endswith(".npy"))
        y_files = sorted(f for f in os.listdir(d) if f.startswith("y-") and f.endswith(".npy"))
        heads = [np.load(os.path.join(d, f), mmap_mode="r") for f in x_files]
        sizes, cols, dtype_x = [h.shape[0] for h in heads], heads[0].shape[1], heads[0].dtype
        dtype_y = np.load(os.path.join(d, y_files[0]), mmap_mode="r").dtype
    load = dask.delayed(np.load, pure=True)
    X = da.concatenate([da.from_delayed(load(os.path.join(d, f)), shape=(n, cols), dtype=dtype_x)
                        for f, n in zip(x_files, sizes)], axis=0)
    y = da.concatenate([da.from_delayed(load(os.path.join(d, f)), shape=(n,), dtype=dtype_y)
                        for f, n in zip(y_files, sizes)], axis=0)
    return X, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--shuffle", default="true")
    ap.add_argument("--holdout", type=int, default=None, help="held-out blocks at the end (default: 10%%, at least 1)")
    args = ap.parse_args()

    X, y = load_dataset(args.data)
    nblocks = X.numblocks[0]
    holdout = args.holdout if args.holdout is not None else max(1, nblocks // 10)
    train = nblocks - holdout
    threads = os.cpu_count()
    dask.config.set(scheduler="threads", num_workers=threads)

    train_rows = sum(X.chunks[0][:train])
    Xtrain = X[:train_rows]
    t0 = time.perf_counter()
    mean, var = dask.compute(Xtrain.mean(axis=0), Xtrain.var(axis=0))
    scale = np.sqrt(var)
    scale[scale == 0] = 1.0
    t1 = time.perf_counter()

    Xs = (X - mean) / scale
    clf = SGDClassifier(loss="hinge", random_state=2, shuffle=args.shuffle == "true")
    with ThreadPoolExecutor(1) as prefetch:
        nxt = prefetch.submit(dask.compute, Xs.blocks[0], y.blocks[0])
        for i in range(train):
            xb, yb = nxt.result()
            if i + 1 < train:
                nxt = prefetch.submit(dask.compute, Xs.blocks[i + 1], y.blocks[i + 1])
            clf.partial_fit(xb, yb, classes=np.array([0, 1]))
    t2 = time.perf_counter()

    pred = Xs.map_blocks(lambda b: clf.predict(b).astype(np.float64), drop_axis=1, dtype=np.float64)
    tmp = args.out + ".tmp-dask"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)

    def save(block, i, yb):
        np.save(os.path.join(tmp, f"y-{i:05d}.npy"), block)
        return int((block == yb).sum()) if i >= train else 0

    parts = [dask.delayed(save)(b, i, y.blocks[i]) for i, b in enumerate(pred.to_delayed())]
    correct = sum(dask.compute(*parts))
    shutil.rmtree(args.out, ignore_errors=True)
    os.rename(tmp, args.out)
    t3 = time.perf_counter()

    held_rows = sum(X.chunks[0][train:])
    print(json.dumps({
        "workload": "pipeline", "engine": "dask", "variant": "dask + scikit-learn",
        "params": {"rows": int(X.shape[0]), "cols": int(X.shape[1]), "chunkRows": int(X.chunks[0][0])},
        "seconds": {"scalerStats": t1 - t0, "fit": t2 - t1, "predictWrite": t3 - t2, "total": t3 - t0},
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": threads, "accuracy": correct / held_rows, "trainBlocks": train, "heldOutBlocks": holdout,
        "coef": clf.coef_.ravel().tolist(), "intercept": clf.intercept_.tolist(),
        "versions": {"python": platform.python_version(), "dask": dask.__version__, "sklearn": sklearn.__version__, "numpy": np.__version__},
    }))


main()
