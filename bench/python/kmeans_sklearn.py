"""scikit-learn on the `kmeans-full` workload: KMeans(algorithm='lloyd', n_init=1) from the given
centers over one in-memory block.

usage: kmeans_sklearn.py DIR K MAX_ITER TOL [THREADS]
DIR holds X.npy and init.npy (written by bench/src/workloads/kmeans_full.ts). THREADS: 'default'
(scikit-learn's OpenMP loops on every core) or a number (threadpoolctl limits OpenMP and BLAS to
it). One untimed warm-up fit on the first 5000 rows, then one measured fit; prints one JSON record
(design.md section 5) with the centers and n_iter_, so the workload can check that both engines
computed the same thing."""
import json
import os
import platform
import resource
import sys
import time
import warnings

try:
    import numpy as np
    import sklearn
    from sklearn.cluster import KMeans
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"scikit-learn/numpy is not installed ({e}); apt-get install python3-sklearn python3-numpy"}))
    sys.exit(0)

warnings.simplefilter("ignore")


def openmp_threads():
    """Threads of scikit-learn's OpenMP loops (its k-means kernels run there)."""
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    return _openmp_effective_n_threads()


def main():
    d, k, max_iter, tol = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    threads = sys.argv[5] if len(sys.argv) > 5 else "default"
    if threads != "default":
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(limits=int(threads))  # noqa: F841 (kept for the whole run)
        os.environ["OMP_NUM_THREADS"] = threads
    X = np.load(os.path.join(d, "X.npy"))
    init = np.load(os.path.join(d, "init.npy"))
    KMeans(n_clusters=k, init=init, n_init=1, max_iter=max_iter, tol=tol, algorithm="lloyd").fit(X[:5000])  # warm-up

    km = KMeans(n_clusters=k, init=init, n_init=1, max_iter=max_iter, tol=tol, algorithm="lloyd")
    t0 = time.perf_counter()
    km.fit(X)
    t1 = time.perf_counter()
    print(json.dumps({
        "workload": "kmeans-full", "engine": "scikit-learn",
        "seconds": {"fit": t1 - t0, "total": t1 - t0},
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": openmp_threads() if threads == "default" else int(threads),
        "nIter": int(km.n_iter_),
        "inertia": float(km.inertia_),
        "centers": km.cluster_centers_.ravel().tolist(),
        "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
    }))


main()
