"""scikit-learn on the `glm` workload: LogisticRegression(solver='lbfgs') or Ridge over one
in-memory block.

usage: glm_sklearn.py DIR MODEL TOL MAX_ITER C_OR_ALPHA [THREADS]
DIR holds X.npy and y.npy (written by bench/src/workloads/glm.ts); MODEL is 'logistic' or 'ridge'.
THREADS: 'default' (numpy's BLAS on every core: X @ w and X.T @ g inside each L-BFGS evaluation,
the Gram matrix for Ridge) or a number (threadpoolctl limits BLAS and OpenMP to it). One untimed
warm-up fit on the first 5000 rows, then one measured fit; prints one JSON record (design.md
section 5) with the coefficients, so the workload can check that both engines found the same
optimum."""
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
    from sklearn.linear_model import LogisticRegression, Ridge
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"scikit-learn/numpy is not installed ({e}); apt-get install python3-sklearn python3-numpy"}))
    sys.exit(0)

warnings.simplefilter("ignore")


def blas_threads():
    try:
        from threadpoolctl import threadpool_info
        return max((p.get("num_threads", 1) for p in threadpool_info()), default=1)
    except ImportError:
        return os.cpu_count() or 1


def main():
    d, model, tol, max_iter, c = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    threads = sys.argv[6] if len(sys.argv) > 6 else "default"
    if threads != "default":
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(limits=int(threads))  # noqa: F841 (kept for the whole run)
    X = np.load(os.path.join(d, "X.npy"))
    y = np.load(os.path.join(d, "y.npy"))

    def make():
        if model == "logistic":
            return LogisticRegression(solver="lbfgs", tol=tol, max_iter=max_iter, C=c)
        return Ridge(alpha=c)

    make().fit(X[:5000], y[:5000])  # warm-up
    est = make()
    t0 = time.perf_counter()
    est.fit(X, y)
    t1 = time.perf_counter()
    n_iter = getattr(est, "n_iter_", None)
    print(json.dumps({
        "workload": "glm", "engine": "scikit-learn",
        "model": model,
        "seconds": {"fit": t1 - t0, "total": t1 - t0},
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": blas_threads() if threads == "default" else int(threads),
        "nIter": None if n_iter is None else int(np.max(n_iter)),
        "coef": np.ravel(est.coef_).tolist(),
        "intercept": np.ravel(est.intercept_).tolist(),
        "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
    }))


main()
