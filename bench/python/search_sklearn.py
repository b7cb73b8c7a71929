"""scikit-learn on the `search` workload's grid part: GridSearchCV(n_jobs=2) over a
StandardScaler -> SGDClassifier pipeline, a 3 x 4 grid (loss x alpha), k-fold CV (stratified, as
for any classifier), accuracy, refit.

usage: search_sklearn.py DIR FOLDS
DIR holds X.npy and y.npy (written by bench/src/workloads/search.ts). One untimed warm-up search on
a few rows (starts joblib's workers), then one measured search; prints one JSON record
(design.md section 5) with mean_test_score, so the workload can check that both engines computed
the same thing (SGD runs shuffle=False, max_iter=5, tol=None on both sides)."""
import json
import platform
import resource
import sys
import time
import os

try:
    import numpy as np
    import sklearn
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"scikit-learn/numpy is not installed ({e}); apt-get install python3-sklearn python3-numpy"}))
    sys.exit(0)

GRID = {"sgd__loss": ["hinge", "log_loss", "modified_huber"], "sgd__alpha": [1e-4, 1e-3, 1e-2, 1e-1]}


def search():
    pipe = Pipeline([("scaler", StandardScaler()), ("sgd", SGDClassifier(shuffle=False, max_iter=5, tol=None, random_state=0))])
    return GridSearchCV(pipe, GRID, cv=int(sys.argv[2]), scoring="accuracy", n_jobs=2)


def main():
    d = sys.argv[1]
    X = np.load(os.path.join(d, "X.npy"))
    y = np.load(os.path.join(d, "y.npy"))
    search().fit(X[:3000], y[:3000])  # warm-up: joblib's worker processes start here

    s = search()
    t0 = time.perf_counter()
    s.fit(X, y)
    total = time.perf_counter() - t0
    print(json.dumps({
        "workload": "search", "engine": "scikit-learn", "variant": "n_jobs=2",
        "seconds": {"search": total - s.refit_time_, "refit": s.refit_time_, "total": total},
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": 2,
        "bestParams": s.best_params_,
        "bestScore": float(s.best_score_),
        "meanTestScore": [float(v) for v in s.cv_results_["mean_test_score"]],
        "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
    }))


main()
