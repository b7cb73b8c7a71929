"""scikit-learn on the `kmeans` workload: one MiniBatchKMeans.partial_fit (K clusters from the
given initial centers, compute_labels as by default) over one in-memory block, then predict and
transform over it.

usage: kmeans.py DIR K [THREADS]
DIR holds X.npy and init.npy (written by bench/src/workloads/kmeans.ts). THREADS: 'default'
(scikit-learn's OpenMP loops on every core) or a number (threadpoolctl limits OpenMP and BLAS to
it). One untimed warm-up call, then one measured run; prints one JSON record (design.md section 5)
with the centers, so the workload can check that both engines computed the same thing."""
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
    from sklearn.cluster import MiniBatchKMeans
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"scikit-learn/numpy is not installed ({e}); apt-get install python3-sklearn python3-numpy"}))
    sys.exit(0)

warnings.simplefilter("ignore")


def openmp_threads():
    """Threads of scikit-learn's OpenMP loops (its k-means kernels run there)."""
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    return _openmp_effective_n_threads()


def main():
    d, k = sys.argv[1], int(sys.argv[2])
    threads = sys.argv[3] if len(sys.argv) > 3 else "default"
    if threads != "default":
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(limits=int(threads))  # kept for the whole run
        os.environ["OMP_NUM_THREADS"] = threads
    X = np.load(os.path.join(d, "X.npy"))
    init = np.load(os.path.join(d, "init.npy"))
    MiniBatchKMeans(n_clusters=k, init=init, n_init=1, random_state=0).partial_fit(X[:5000])  # warm-up

    km = MiniBatchKMeans(n_clusters=k, init=init, n_init=1, random_state=0)
    t0 = time.perf_counter()
    km.partial_fit(X)
    t1 = time.perf_counter()
    km.predict(X)
    t2 = time.perf_counter()
    km.transform(X)
    t3 = time.perf_counter()
    seconds = {"partialFit": t1 - t0, "predict": t2 - t1, "transform": t3 - t2}
    seconds["total"] = sum(seconds.values())
    print(json.dumps({
        "workload": "kmeans", "engine": "scikit-learn",
        "seconds": seconds,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": openmp_threads() if threads == "default" else int(threads),
        "inertia": float(km.inertia_),
        "centers": km.cluster_centers_.ravel().tolist(),
        "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
    }))


main()
