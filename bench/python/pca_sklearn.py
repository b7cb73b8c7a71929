"""scikit-learn and dask on the `pca` workload (bench/src/workloads/pca.ts).

usage:
  pca_sklearn.py sklearn DIR K [THREADS]   scikit-learn's PCA(n_components=K) on DIR/X.npy in memory:
                                           svd_solver='full' (LAPACK) and 'auto' (randomized at this
                                           shape); THREADS 'default' (BLAS on every core) or a number
                                           (threadpoolctl limits BLAS/OpenMP to it)
  pca_sklearn.py dask DIR K                dask.array.linalg.svd (tsqr) of X − mean over the dataset
                                           directory DIR (npy-chunks-v1) read with dask, dask's
                                           threaded scheduler on every core

One untimed warm-up on the first 5000 rows, then one measured fit per record; prints one JSON
record per solver (design.md section 5) with the singular values and (scikit-learn) components,
so the workload can check that every engine computed the same thing."""
import json
import os
import platform
import resource
import sys
import time

try:
    import numpy as np
    import sklearn
    from sklearn.decomposition import PCA
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"scikit-learn/numpy is not installed ({e}); apt-get install python3-sklearn python3-numpy"}))
    sys.exit(0)


def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_sklearn(d, k, threads):
    if threads != "default":
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(limits=int(threads))  # noqa: F841 (kept for the whole run)
    X = np.load(os.path.join(d, "X.npy"))
    for solver in ["full", "auto"]:
        PCA(n_components=k, svd_solver=solver, random_state=0).fit(X[:5000])  # warm-up
        p = PCA(n_components=k, svd_solver=solver, random_state=0)
        t0 = time.perf_counter()
        p.fit(X)
        t1 = time.perf_counter()
        print(json.dumps({
            "workload": "pca", "engine": "scikit-learn", "solver": p._fit_svd_solver,
            "seconds": {"fit": t1 - t0, "total": t1 - t0},
            "peakRssMB": rss(),
            "threads": (os.cpu_count() if threads == "default" else int(threads)),
            "singularValues": p.singular_values_.tolist(),
            "components": p.components_.ravel().tolist(),
            "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
        }), flush=True)


def load_x(d, dask, da):
    """X of a dataset directory as a dask array: one np.load per .npy file (as bench/python/pipeline.py reads it)."""
    with open(os.path.join(d, "manifest.json")) as f:
        m = json.load(f)
    load = dask.delayed(np.load, pure=True)
    return da.concatenate([da.from_delayed(load(os.path.join(d, f)), shape=(n, m["cols"]), dtype=m["dtype_X"])
                           for f, n in zip(m["x_files"], m["chunk_sizes"])], axis=0)


def run_dask(d, k):
    try:
        import dask
        import dask.array as da
    except ImportError as e:
        print(json.dumps({"skipped": f"dask is not installed ({e}); apt-get install python3-dask"}))
        return
    X = load_x(d, dask, da).astype("float64")
    t0 = time.perf_counter()
    mean = X.mean(axis=0)
    u, s, v = da.linalg.svd(X - mean)  # tsqr: one column chunk, many row chunks
    s, v = dask.compute(s, v)
    t1 = time.perf_counter()
    print(json.dumps({
        "workload": "pca", "engine": "dask", "solver": "dask.array.linalg.svd (tsqr)",
        "seconds": {"fit": t1 - t0, "total": t1 - t0},
        "peakRssMB": rss(),
        "threads": os.cpu_count(),
        "singularValues": s[:k].tolist(),
        "versions": {"python": platform.python_version(), "dask": dask.__version__, "numpy": np.__version__},
    }), flush=True)


def main():
    mode, d, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "sklearn":
        run_sklearn(d, k, sys.argv[4] if len(sys.argv) > 4 else "default")
    elif mode == "dask":
        run_dask(d, k)
    else:
        raise SystemExit(f"unknown mode {mode!r}: sklearn or dask")


if __name__ == "__main__":
    main()
