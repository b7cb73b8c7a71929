#!/usr/bin/python3
"""Reference values from scikit-learn 1.2 for Tessera's estimator tests.

Run with the system Python (Debian python3-sklearn 1.2.1):

    /usr/bin/python3 estimators/scripts/make_fixtures.py

Writes JSON under estimators/test/fixtures/. Floats are written with repr, which round-trips
exactly, so the tests compare against the very doubles scikit-learn produced. Every case feeds
the same blocks, in order, to partial_fit with shuffle=False (or calls fit with shuffle=False) and
records coef_, intercept_, t_ (and n_iter_) after each call, then decision values and
probabilities on held-out rows.

BLAS kernels: scikit-learn folds the lazily averaged weights back with BLAS daxpy
(`aw += a * w`) whenever the weight scale is reset. OpenBLAS's kernels for AVX2/AVX-512 CPUs fuse
that multiply-add (FMA), which rounds once instead of twice; with the cancellation inside the
average that shows up at ~1e-8 relative in the 'wscale-reset' + averaging cases. We pin OpenBLAS
to its Nehalem (SSE, no FMA) kernels so the fixtures are the same on every x86 machine and equal
what IEEE multiply-then-add gives, as JavaScript computes it. Nothing else in these cases goes
through BLAS except predict's matrix product, where kernel choice changes results by ~1e-16.
"""
import itertools
import json
import os
import warnings

os.environ.setdefault("OPENBLAS_CORETYPE", "Nehalem")  # before numpy loads OpenBLAS (see above)

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
    Perceptron,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    log_loss,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler

warnings.simplefilter("ignore", ConvergenceWarning)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")
BLOCK_ROWS = (40, 50, 30)
N_FEATURES = 5
N_TEST = 12


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def tolist(a):
    return np.asarray(a, dtype=np.float64).ravel().tolist()


def make_datasets():
    rng = np.random.RandomState(20240611)
    n = sum(BLOCK_ROWS)
    X = rng.randn(n + N_TEST, N_FEATURES)
    X[:, 1] *= 3.0
    X[:, 3] += 2.0
    w = np.array([1.5, -0.7, 0.0, 2.0, -1.0])
    score = X @ w + 0.5 * rng.randn(n + N_TEST)
    y_bin = (score > np.median(score)).astype(np.float64)
    y_multi = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3])).astype(np.float64)
    y_multi_labels = np.array([3.0, 7.0, 11.0])[y_multi.astype(int)]
    y_reg = X @ w + 0.3 * rng.randn(n + N_TEST) + 1.0
    return {
        "X": X,
        "binary": y_bin,
        "multiclass": y_multi,
        "multiclass_labels": y_multi_labels,
        "regression": y_reg,
        "sample_weight": rng.uniform(0.2, 3.0, n),
    }


def block_slices():
    out, start = [], 0
    for r in BLOCK_ROWS:
        out.append((start, start + r))
        start += r
    return out


def snapshot(est):
    return {
        "coef": tolist(est.coef_),
        "intercept": tolist(est.intercept_),
        "t": float(est.t_),
        "nIter": float(est.n_iter_),
    }


def run_case(cls, params, data, target, mode, name, est_name, extra=None):
    extra = extra or {}
    X = data["X"]
    y = data[target]
    n = sum(BLOCK_ROWS)
    Xtest = X[n:]
    est = cls(**params)
    steps = []
    sw = data["sample_weight"] if extra.get("sample_weight") else None
    if mode == "partial_fit":
        classes = np.unique(y) if target != "regression" else None
        for (a, b) in block_slices():
            kw = {}
            if classes is not None:
                kw["classes"] = classes
            if sw is not None:
                kw["sample_weight"] = sw[a:b]
            est.partial_fit(X[a:b], y[a:b], **kw)
            steps.append(snapshot(est))
    else:
        kw = {}
        if sw is not None:
            kw["sample_weight"] = sw[:n]
        est.fit(X[:n], y[:n], **kw)
        steps.append(snapshot(est))
    case = {
        "name": name,
        "estimator": est_name,
        "params": {camel(k): v for k, v in params.items()},
        "target": target,
        "mode": mode,
        "sampleWeight": bool(sw is not None),
        "steps": steps,
    }
    if hasattr(est, "decision_function"):
        case["decision"] = tolist(est.decision_function(Xtest))
    case["predict"] = tolist(est.predict(Xtest))
    if hasattr(est, "predict_proba") and getattr(est, "loss", None) in ("log_loss", "modified_huber"):
        case["proba"] = tolist(est.predict_proba(Xtest))
    return case


CLF_LOSSES = [
    "hinge",
    "log_loss",
    "modified_huber",
    "squared_hinge",
    "perceptron",
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
]
REG_LOSSES = ["squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive"]
PENALTIES = ["l2", "l1", "elasticnet", None]
LEARNING_RATES = ["optimal", "constant", "invscaling", "adaptive"]


def sgd_cases(data):
    cases = []
    # Every loss x penalty x learning rate, with and without averaging, binary and multi-class.
    for loss, penalty, lr, average, target in itertools.product(
        CLF_LOSSES, PENALTIES, LEARNING_RATES, (False, True), ("binary", "multiclass")
    ):
        params = dict(loss=loss, penalty=penalty, learning_rate=lr, eta0=0.01, alpha=0.001,
                      l1_ratio=0.3, average=average, shuffle=False)
        name = f"clf/{loss}/{penalty}/{lr}/avg={average}/{target}"
        cases.append(run_case(SGDClassifier, params, data, target, "partial_fit", name, "SGDClassifier"))
    # Defaults-like settings and the corners of the kernel.
    specials = [
        ("clf/default", dict(shuffle=False), "binary", {}),
        ("clf/default/labels", dict(shuffle=False), "multiclass_labels", {}),
        ("clf/average=60/binary", dict(average=60, shuffle=False), "binary", {}),
        ("clf/average=60/multiclass", dict(average=60, shuffle=False), "multiclass", {}),
        ("clf/average=60/log/multiclass", dict(loss="log_loss", average=60, shuffle=False), "multiclass", {}),
        # eta * alpha close to 1: wscale falls under 1e-9 and is folded into the weights.
        ("clf/wscale-reset", dict(learning_rate="constant", eta0=0.5, alpha=1.5, shuffle=False), "binary", {}),
        ("clf/wscale-reset/avg", dict(learning_rate="constant", eta0=0.5, alpha=1.5, average=True, shuffle=False), "binary", {}),
        ("clf/wscale-reset/avg/multi", dict(learning_rate="constant", eta0=0.5, alpha=1.5, average=5, shuffle=False), "multiclass", {}),
        # eta * alpha > 1: the L2 step sets the weights to zero.
        ("clf/weights-zeroed", dict(learning_rate="constant", eta0=2.0, alpha=0.8, shuffle=False), "binary", {}),
        ("clf/elasticnet/strong", dict(penalty="elasticnet", l1_ratio=0.7, alpha=0.05, shuffle=False), "multiclass", {}),
        ("clf/l1/strong/avg", dict(penalty="l1", alpha=0.02, average=True, shuffle=False), "binary", {}),
        ("clf/huge-dloss-clip", dict(loss="squared_error", learning_rate="constant", eta0=1e-3, shuffle=False), "binary", {}),
        ("clf/no-intercept", dict(fit_intercept=False, shuffle=False), "multiclass", {}),
        ("clf/invscaling/powerT", dict(learning_rate="invscaling", eta0=0.1, power_t=0.7, shuffle=False), "binary", {}),
        ("clf/epsilon", dict(loss="huber", epsilon=0.5, shuffle=False), "binary", {}),
        ("clf/class_weight/binary", dict(class_weight={0: 0.5, 1: 3.0}, shuffle=False), "binary", {}),
        ("clf/class_weight/multi", dict(class_weight={0: 2.0, 2: 0.25}, shuffle=False), "multiclass", {}),
        ("clf/sample_weight/binary", dict(shuffle=False), "binary", {"sample_weight": True}),
        ("clf/sample_weight/multi/log", dict(loss="log_loss", shuffle=False), "multiclass", {"sample_weight": True}),
        ("clf/sample_weight+class_weight/avg", dict(class_weight={1: 2.0}, average=True, shuffle=False), "binary", {"sample_weight": True}),
    ]
    for name, params, target, extra in specials:
        cases.append(run_case(SGDClassifier, params, data, target, "partial_fit", name, "SGDClassifier", extra))
    # fit(): several epochs; tol decides when to stop, 'adaptive' divides eta by 5.
    fit_specials = [
        ("fit/hinge", dict(shuffle=False, max_iter=20), "binary", {}),
        ("fit/hinge/tol=None", dict(shuffle=False, max_iter=7, tol=None), "binary", {}),
        ("fit/log/multi", dict(loss="log_loss", shuffle=False, max_iter=30), "multiclass", {}),
        ("fit/adaptive", dict(learning_rate="adaptive", eta0=0.1, shuffle=False, max_iter=60, tol=1e-1, n_iter_no_change=2), "binary", {}),
        ("fit/adaptive/multi/avg", dict(learning_rate="adaptive", eta0=0.1, shuffle=False, max_iter=40, n_iter_no_change=3, average=True), "multiclass", {}),
        ("fit/balanced", dict(class_weight="balanced", shuffle=False, max_iter=15), "multiclass", {}),
        ("fit/balanced/sample_weight", dict(class_weight="balanced", shuffle=False, max_iter=15), "binary", {"sample_weight": True}),
        ("fit/modified_huber/l1/avg", dict(loss="modified_huber", penalty="l1", average=10, shuffle=False, max_iter=25), "binary", {}),
    ]
    for name, params, target, extra in fit_specials:
        cases.append(run_case(SGDClassifier, params, data, target, "fit", name, "SGDClassifier", extra))

    for loss, penalty, lr, average in itertools.product(REG_LOSSES, PENALTIES, LEARNING_RATES, (False, True)):
        params = dict(loss=loss, penalty=penalty, learning_rate=lr, eta0=0.01, alpha=0.001, l1_ratio=0.3,
                      average=average, shuffle=False)
        name = f"reg/{loss}/{penalty}/{lr}/avg={average}"
        cases.append(run_case(SGDRegressor, params, data, "regression", "partial_fit", name, "SGDRegressor"))
    reg_specials = [
        ("reg/default", dict(shuffle=False), "partial_fit", {}),
        ("reg/average=60", dict(average=60, shuffle=False), "partial_fit", {}),
        ("reg/sample_weight", dict(shuffle=False), "partial_fit", {"sample_weight": True}),
        ("reg/optimal/strong", dict(learning_rate="optimal", alpha=0.01, shuffle=False), "partial_fit", {}),
        ("reg/fit", dict(shuffle=False, max_iter=50), "fit", {}),
        ("reg/fit/adaptive/avg", dict(learning_rate="adaptive", eta0=0.05, average=True, shuffle=False, max_iter=80, n_iter_no_change=2), "fit", {}),
    ]
    for name, params, mode, extra in reg_specials:
        cases.append(run_case(SGDRegressor, params, data, "regression", mode, name, "SGDRegressor", extra))

    for penalty, target in itertools.product(PENALTIES, ("binary", "multiclass")):
        params = dict(penalty=penalty, alpha=0.01, shuffle=False)
        cases.append(run_case(Perceptron, params, data, target, "partial_fit", f"perceptron/{penalty}/{target}", "Perceptron"))
    cases.append(run_case(Perceptron, dict(shuffle=False, eta0=0.3, max_iter=12), data, "multiclass", "fit", "perceptron/fit", "Perceptron"))

    for loss, average, target, C in itertools.product(("hinge", "squared_hinge"), (False, True), ("binary", "multiclass"), (1.0, 0.05)):
        params = dict(loss=loss, average=average, C=C, shuffle=False)
        cases.append(run_case(PassiveAggressiveClassifier, params, data, target, "partial_fit",
                              f"pa-clf/{loss}/avg={average}/{target}/C={C}", "PassiveAggressiveClassifier"))
    cases.append(run_case(PassiveAggressiveClassifier, dict(shuffle=False, max_iter=10, class_weight={1: 0.3}), data, "binary", "fit",
                          "pa-clf/fit", "PassiveAggressiveClassifier"))
    for loss, average, C in itertools.product(("epsilon_insensitive", "squared_epsilon_insensitive"), (False, True), (1.0, 0.05)):
        params = dict(loss=loss, average=average, C=C, epsilon=0.2, shuffle=False)
        cases.append(run_case(PassiveAggressiveRegressor, params, data, "regression", "partial_fit",
                              f"pa-reg/{loss}/avg={average}/C={C}", "PassiveAggressiveRegressor"))
    cases.append(run_case(PassiveAggressiveRegressor, dict(shuffle=False, max_iter=10), data, "regression", "fit",
                          "pa-reg/fit", "PassiveAggressiveRegressor"))
    return cases


def scaler_cases():
    rng = np.random.RandomState(7)
    blocks_rows = (60, 45, 80)
    n = sum(blocks_rows)
    X = np.empty((n, 6))
    X[:, 0] = 1e6 + 3 * rng.randn(n)  # large mean, small spread
    X[:, 1] = 42.0  # constant
    X[:, 2] = rng.randn(n)
    X[:, 3] = -1e-3 * rng.rand(n)  # tiny negative values
    X[:, 4] = 0.0  # all zero
    X[:, 5] = 1.0 + 1e-4 * rng.randn(n)  # small spread around 1
    Xtest = X[: 10] + 0.5
    out = {"X": X.tolist(), "blocks": list(blocks_rows), "Xtest": Xtest.tolist(), "cases": []}
    sl = [(0, 60), (60, 105), (105, n)]
    sw = rng.uniform(0.5, 2.0, n)
    for name, est, weighted in [
        ("StandardScaler", StandardScaler(), False),
        ("StandardScaler/weighted", StandardScaler(), True),
        ("StandardScaler/withMean=false", StandardScaler(with_mean=False), False),
        ("StandardScaler/withStd=false", StandardScaler(with_std=False), False),
        ("MinMaxScaler", MinMaxScaler(), False),
        ("MinMaxScaler/range", MinMaxScaler(feature_range=(-2, 3)), False),
        ("MaxAbsScaler", MaxAbsScaler(), False),
    ]:
        steps = []
        for a, b in sl:
            if weighted:
                est.partial_fit(X[a:b], sample_weight=sw[a:b])
            else:
                est.partial_fit(X[a:b])
            st = {}
            for attr in ("mean_", "var_", "scale_", "min_", "data_min_", "data_max_", "data_range_", "max_abs_"):
                v = getattr(est, attr, None)
                if v is not None:
                    st[camel(attr.rstrip("_")) + "_"] = tolist(v)
            st["nSamplesSeen_"] = float(np.asarray(est.n_samples_seen_).ravel()[0])
            steps.append(st)
        params = {camel(k): (list(v) if isinstance(v, tuple) else v) for k, v in est.get_params().items() if k != "copy"}
        case = {
            "name": name,
            "estimator": name.split("/")[0],
            "params": params,
            "weighted": weighted,
            "sampleWeight": sw.tolist() if weighted else None,
            "steps": steps,
            "transform": tolist(est.transform(Xtest)),
            "inverse": tolist(est.inverse_transform(Xtest)),
        }
        out["cases"].append(case)
    # numpy's own statistics of the whole data, the reference the scalers must match.
    out["numpy"] = {"mean": tolist(X.mean(axis=0)), "var": tolist(X.var(axis=0))}
    return out


def metric_cases():
    rng = np.random.RandomState(3)
    n = 60
    yb = rng.randint(0, 2, n).astype(float)
    scores = np.round(rng.randn(n) + yb, 1)  # rounded: ties
    pb = 1 / (1 + np.exp(-scores))
    ym = rng.randint(0, 3, n).astype(float)
    pm = rng.dirichlet([1, 1, 1], n)
    ypred_m = rng.randint(0, 3, n).astype(float)
    yr = rng.randn(n)
    yr_pred = yr + 0.3 * rng.randn(n)
    w = rng.uniform(0.1, 2.0, n)
    out = {
        "yb": yb.tolist(), "scores": scores.tolist(), "pb": pb.tolist(),
        "ym": ym.tolist(), "pm": pm.tolist(), "ypredM": ypred_m.tolist(),
        "yr": yr.tolist(), "yrPred": yr_pred.tolist(), "w": w.tolist(),
        "results": {
            "accuracy": accuracy_score(ym, ypred_m),
            "accuracyWeighted": accuracy_score(ym, ypred_m, sample_weight=w),
            "accuracyCount": float(accuracy_score(ym, ypred_m, normalize=False)),
            "logLossBinary": log_loss(yb, pb),
            "logLossBinaryWeighted": log_loss(yb, pb, sample_weight=w),
            "logLossMulti": log_loss(ym, pm),
            "mse": mean_squared_error(yr, yr_pred),
            "mseWeighted": mean_squared_error(yr, yr_pred, sample_weight=w),
            "rmse": mean_squared_error(yr, yr_pred, squared=False),
            "r2": r2_score(yr, yr_pred),
            "r2Weighted": r2_score(yr, yr_pred, sample_weight=w),
            "confusion": tolist(confusion_matrix(ym, ypred_m)),
            "confusionWeighted": tolist(confusion_matrix(ym, ypred_m, sample_weight=w)),
            "confusionNormTrue": tolist(confusion_matrix(ym, ypred_m, normalize="true")),
            "confusionNormPred": tolist(confusion_matrix(ym, ypred_m, normalize="pred")),
            "confusionNormAll": tolist(confusion_matrix(ym, ypred_m, normalize="all")),
            "confusionLabels": tolist(confusion_matrix(ym, ypred_m, labels=[2, 0])),
            "rocAuc": roc_auc_score(yb, scores),
            "rocAucWeighted": roc_auc_score(yb, scores, sample_weight=w),
            "rocAucOvr": roc_auc_score(ym, pm, multi_class="ovr"),
        },
    }
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    data = make_datasets()
    n = sum(BLOCK_ROWS)
    datasets = {
        "sklearnVersion": sklearn.__version__,
        "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"),
        "blockRows": list(BLOCK_ROWS),
        "nTest": N_TEST,
        "X": data["X"].tolist(),
        "binary": data["binary"].tolist(),
        "multiclass": data["multiclass"].tolist(),
        "multiclass_labels": data["multiclass_labels"].tolist(),
        "regression": data["regression"].tolist(),
        "sample_weight": data["sample_weight"].tolist(),
    }
    assert len(datasets["X"]) == n + N_TEST
    files = {
        "sgd_data.json": datasets,
        "sgd_cases.json": {"sklearnVersion": sklearn.__version__, "cases": sgd_cases(data)},
        "scalers.json": scaler_cases(),
        "metrics.json": metric_cases(),
    }
    for fname, obj in files.items():
        path = os.path.join(OUT, fname)
        with open(path, "w") as f:
            json.dump(obj, f, separators=(",", ":"), allow_nan=False)
        print(f"wrote {path} ({os.path.getsize(path) / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
