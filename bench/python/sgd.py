"""scikit-learn on the `sgd` workload: one SGDClassifier.partial_fit epoch (hinge, l2, optimal)
over one in-memory block, then decision_function and predict over it.

usage: sgd.py DIR shuffle|no-shuffle
DIR holds X.npy and y.npy (written by bench/src/workloads/sgd.ts). One untimed warm-up call,
then one measured run; prints one JSON record (design.md section 5) with the coefficients, so
the workload can check that both engines computed the same thing when not shuffling."""
import json
import os
import platform
import resource
import sys
import time

try:
    import numpy as np
    import sklearn
    from sklearn.linear_model import SGDClassifier
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"scikit-learn/numpy is not installed ({e}); apt-get install python3-sklearn python3-numpy"}))
    sys.exit(0)


def main():
    d, mode = sys.argv[1], sys.argv[2]
    shuffle = mode == "shuffle"
    X = np.load(os.path.join(d, "X.npy"))
    y = np.load(os.path.join(d, "y.npy"))
    SGDClassifier(shuffle=shuffle, random_state=0).partial_fit(X[:1000], y[:1000], classes=[0.0, 1.0])  # warm-up

    clf = SGDClassifier(shuffle=shuffle, random_state=0)
    t0 = time.perf_counter()
    clf.partial_fit(X, y, classes=[0.0, 1.0])
    t1 = time.perf_counter()
    clf.decision_function(X)
    t2 = time.perf_counter()
    pred = clf.predict(X)
    t3 = time.perf_counter()
    seconds = {"partialFit": t1 - t0, "decisionFunction": t2 - t1, "predict": t3 - t2}
    seconds["total"] = sum(seconds.values())
    print(json.dumps({
        "workload": "sgd", "engine": "scikit-learn",
        "seconds": seconds,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": 1,
        "accuracy": float(np.mean(pred == y)),
        "coef": clf.coef_.ravel().tolist(),
        "intercept": float(clf.intercept_[0]),
        "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
    }))


main()
