"""scikit-learn on the `mlp` workload: one MLPClassifier.partial_fit epoch (scikit-learn's
defaults: one hidden layer of H relu units, adam, minibatches of 200) over one in-memory block,
then predict_proba and predict over it.

usage: mlp.py DIR shuffle|no-shuffle H [THREADS]
DIR holds X.npy, y.npy and the initial weights coef0/1.npy, intercept0/1.npy (written by
bench/src/workloads/mlp.ts). Without shuffling, the network starts from those weights (handed to
scikit-learn through `_init_coef`, the only place its initialisation draws), so both engines run
the same computation; with shuffling it draws its own (random_state=0). One untimed warm-up call,
then one measured run; prints one JSON record (design.md section 5) with the weights. THREADS:
'default' (numpy's BLAS on every core) or a number (threadpoolctl limits BLAS to it)."""
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
    from sklearn.neural_network import MLPClassifier
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"scikit-learn/numpy is not installed ({e}); apt-get install python3-sklearn python3-numpy"}))
    sys.exit(0)

warnings.simplefilter("ignore")


def blas_threads():
    """Threads of the BLAS numpy uses (the matrix products run there)."""
    try:
        from threadpoolctl import threadpool_info
        return max([m["num_threads"] for m in threadpool_info() if m.get("user_api") == "blas"] or [1])
    except ImportError:
        return 1


def main():
    d, mode, hidden = sys.argv[1], sys.argv[2], int(sys.argv[3])
    threads = sys.argv[4] if len(sys.argv) > 4 else "default"
    if threads != "default":
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(limits=int(threads))  # kept for the whole run
    shuffle = mode == "shuffle"
    X = np.load(os.path.join(d, "X.npy"))
    y = np.load(os.path.join(d, "y.npy"))
    init = [(np.load(os.path.join(d, f"coef{l}.npy")), np.load(os.path.join(d, f"intercept{l}.npy"))) for l in range(2)]

    class Given(MLPClassifier):
        """Starts from the workload's weights instead of drawing them."""

        def _init_coef(self, fan_in, fan_out, dtype):
            coef, intercept = self.given.pop(0)
            return coef.copy(), intercept.copy()

    def make():
        if shuffle:
            return MLPClassifier(hidden_layer_sizes=(hidden,), shuffle=True, random_state=0)
        clf = Given(hidden_layer_sizes=(hidden,), shuffle=False, random_state=0)
        clf.given = list(init)
        return clf

    make().partial_fit(X[:2000], y[:2000], classes=[0.0, 1.0])  # warm-up

    clf = make()
    t0 = time.perf_counter()
    clf.partial_fit(X, y, classes=[0.0, 1.0])
    t1 = time.perf_counter()
    clf.predict_proba(X)
    t2 = time.perf_counter()
    pred = clf.predict(X)
    t3 = time.perf_counter()
    seconds = {"partialFit": t1 - t0, "predictProba": t2 - t1, "predict": t3 - t2}
    seconds["total"] = sum(seconds.values())
    print(json.dumps({
        "workload": "mlp", "engine": "scikit-learn",
        "seconds": seconds,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": blas_threads(),
        "accuracy": float(np.mean(pred == y)),
        "loss": float(clf.loss_),
        "coefs": [c.ravel().tolist() for c in clf.coefs_] + [b.tolist() for b in clf.intercepts_],
        "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
    }))


main()
