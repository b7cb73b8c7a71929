#!/usr/bin/python3
"""Reference values from scikit-learn 1.2 for the incremental estimators of issue 7: MLPClassifier,
MLPRegressor, MiniBatchKMeans, GaussianNB, MultinomialNB, BernoulliNB and IncrementalPCA.

Run with the system Python (Debian python3-sklearn 1.2.1):

    /usr/bin/python3 estimators/scripts/make_fixtures_incremental.py

Writes estimators/test/fixtures/incremental_*.json. Floats are written with repr, which
round-trips exactly. Every case feeds the same blocks, in order, to partial_fit and records the
learned attributes after each call, then the predictions on held-out rows.

Where scikit-learn draws from numpy's generator, the cases start from given values instead, so
that Tessera (which draws from its own seeded generator) can start from the same point:

- MLP: the initial weights are drawn here (Glorot-uniform bounds, as scikit-learn) and handed to
  scikit-learn through an `_init_coef` override — the only place its initialisation draws — and to
  Tessera as `coefsInit` / `interceptsInit`. shuffle=False, so batches are taken in row order.
- MiniBatchKMeans: `init` is an array of centers; the blobs are well separated and the initial
  centers sit near them, so every center keeps its share of points and no random reassignment
  happens (reassignment is the only other random draw of partial_fit).

The BLAS pin of make_fixtures.py applies here too (OPENBLAS_CORETYPE=Nehalem, so no FMA): nothing
in these cases depends on it beyond ~1e-16, but fixtures are then the same on every x86 machine.
"""
import json
import os
import warnings

os.environ.setdefault("OPENBLAS_CORETYPE", "Nehalem")  # before numpy loads OpenBLAS

import numpy as np
import sklearn
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import IncrementalPCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.naive_bayes import BernoulliNB, GaussianNB, MultinomialNB
from sklearn.neural_network import MLPClassifier, MLPRegressor

warnings.simplefilter("ignore", ConvergenceWarning)
warnings.simplefilter("ignore", FutureWarning)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")
BLOCK_ROWS = (40, 50, 30)
N_FEATURES = 5
N_TEST = 12


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def flat(a):
    return np.asarray(a, dtype=np.float64).ravel().tolist()


def slices():
    out, start = [], 0
    for r in BLOCK_ROWS:
        out.append((start, start + r))
        start += r
    return out


N = sum(BLOCK_ROWS)


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

def make_data():
    rng = np.random.RandomState(20241121)
    X = rng.randn(N + N_TEST, N_FEATURES)
    X[:, 1] *= 2.0
    X[:, 3] += 1.0
    w = np.array([1.2, -0.8, 0.3, 1.5, -1.0])
    score = X @ w + 0.5 * rng.randn(N + N_TEST)
    y_bin = (score > np.median(score)).astype(np.float64)
    y_multi = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3])).astype(np.float64)
    y_labels = np.array([3.0, 7.0, 11.0])[y_multi.astype(int)]
    y_reg = X @ w + 0.3 * rng.randn(N + N_TEST) + 1.0
    counts = rng.poisson(lam=np.array([1.0, 3.0, 0.5, 2.0, 4.0]), size=(N + N_TEST, N_FEATURES)).astype(np.float64)
    # Count data that depends on the class: shift class 1 and 2 rates.
    counts[y_multi == 1, 0] += rng.poisson(2.0, size=int(np.sum(y_multi == 1)))
    counts[y_multi == 2, 2] += rng.poisson(3.0, size=int(np.sum(y_multi == 2)))
    return {
        "X": X,
        "binary": y_bin,
        "multiclass": y_labels,
        "regression": y_reg,
        "counts": counts,
        "counts_y": y_multi,
        "sample_weight": rng.uniform(0.2, 3.0, N),
        "rng": rng,
    }


# ---------------------------------------------------------------------------------------------
# MLP
# ---------------------------------------------------------------------------------------------

class GivenInit:
    """Mixin: `_init_coef` returns the given weights layer by layer instead of drawing them."""

    given = None

    def _init_coef(self, fan_in, fan_out, dtype):
        coef, intercept = self.given.pop(0)
        assert coef.shape == (fan_in, fan_out), (coef.shape, fan_in, fan_out)
        return coef.astype(dtype, copy=True), intercept.astype(dtype, copy=True)


class GivenMLPClassifier(GivenInit, MLPClassifier):
    pass


class GivenMLPRegressor(GivenInit, MLPRegressor):
    pass


def glorot(rng, units, activation):
    factor = 2.0 if activation == "logistic" else 6.0
    out = []
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        out.append((rng.uniform(-bound, bound, (fan_in, fan_out)), rng.uniform(-bound, bound, fan_out)))
    return out


def mlp_snapshot(est):
    opt = est._optimizer
    return {
        "coefs": [flat(c) for c in est.coefs_],
        "intercepts": [flat(b) for b in est.intercepts_],
        "loss": float(est.loss_),
        "lossCurve": [float(v) for v in est.loss_curve_],
        "t": float(est.t_),
        "nIter": float(est.n_iter_),
        "bestLoss": None if est.best_loss_ is None else float(est.best_loss_),
        "noImprovementCount": float(est._no_improvement_count),
        "learningRate": float(opt.learning_rate),
    }


def mlp_case(name, kind, target, params, hidden, data, mode="partial_fit", sample_rng=None):
    X = data["X"]
    y = data[target]
    Xtest = X[N:]
    n_out = 1 if kind == "regressor" or len(np.unique(y)) == 2 else len(np.unique(y))
    units = [N_FEATURES] + list(hidden) + [n_out]
    init = glorot(sample_rng, units, params.get("activation", "relu"))
    cls = GivenMLPClassifier if kind == "classifier" else GivenMLPRegressor
    est = cls(hidden_layer_sizes=tuple(hidden), shuffle=False, random_state=0, **params)
    est.given = list(init)
    steps = []
    if mode == "partial_fit":
        for a, b in slices():
            if kind == "classifier":
                est.partial_fit(X[a:b], y[a:b], classes=np.unique(y))
            else:
                est.partial_fit(X[a:b], y[a:b])
            steps.append(mlp_snapshot(est))
    else:
        est.fit(X[:N], y[:N])
        steps.append(mlp_snapshot(est))
    case = {
        "name": name,
        "estimator": "MLPClassifier" if kind == "classifier" else "MLPRegressor",
        "mode": mode,
        "target": target,
        "params": {camel(k): v for k, v in params.items()},
        "hiddenLayerSizes": list(hidden),
        "coefsInit": [c.tolist() for c, _ in init],
        "interceptsInit": [b.tolist() for _, b in init],
        "steps": steps,
        "predict": flat(est.predict(Xtest)),
    }
    if kind == "classifier":
        case["proba"] = flat(est.predict_proba(Xtest))
        case["logProba"] = flat(est.predict_log_proba(Xtest))
    return case


def mlp_cases(data):
    rng = np.random.RandomState(7)
    cases = []
    base = {"batch_size": 16, "alpha": 1e-3}
    for kind, target in [("classifier", "binary"), ("classifier", "multiclass"), ("regressor", "regression")]:
        for activation in ["identity", "logistic", "tanh", "relu"]:
            for solver in ["sgd", "adam"]:
                params = {**base, "activation": activation, "solver": solver}
                if solver == "sgd":
                    params["learning_rate_init"] = 0.01 if kind == "regressor" else 0.05
                else:
                    params["learning_rate_init"] = 0.01
                hidden = (6,) if activation in ("identity", "logistic") else (6, 4)
                cases.append(mlp_case(f"{kind} {target} {activation} {solver}", kind, target, params, hidden, data, sample_rng=rng))
    # SGD schedules and momentum variants.
    variants = [
        ("sgd invscaling no-nesterov", {"learning_rate": "invscaling", "power_t": 0.3, "nesterovs_momentum": False, "momentum": 0.7}),
        ("sgd adaptive (triggers the ÷5)", {"learning_rate": "adaptive", "tol": 10.0, "n_iter_no_change": 1}),
        ("sgd no momentum", {"momentum": 0.0}),
    ]
    for label, extra in variants:
        params = {**base, "activation": "tanh", "solver": "sgd", "learning_rate_init": 0.05, **extra}
        cases.append(mlp_case(f"classifier multiclass {label}", "classifier", "multiclass", params, (5,), data, sample_rng=rng))
    cases.append(mlp_case("regressor adam betas auto batch", "regressor", "regression",
                          {"activation": "relu", "solver": "adam", "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6, "alpha": 0.01}, (8,), data, sample_rng=rng))
    cases.append(mlp_case("classifier binary no hidden layer", "classifier", "binary",
                          {"activation": "relu", "solver": "adam", "batch_size": 25}, (), data, sample_rng=rng))
    # fit: several epochs from given weights (no early stopping, no shuffling).
    cases.append(mlp_case("fit classifier multiclass adam", "classifier", "multiclass",
                          {"activation": "relu", "solver": "adam", "batch_size": 32, "max_iter": 7, "learning_rate_init": 0.01}, (6,), data, mode="fit", sample_rng=rng))
    cases.append(mlp_case("fit regressor sgd adaptive", "regressor", "regression",
                          {"activation": "tanh", "solver": "sgd", "learning_rate": "adaptive", "batch_size": 32, "max_iter": 12, "learning_rate_init": 0.01, "tol": 0.5, "n_iter_no_change": 2}, (5,), data, mode="fit", sample_rng=rng))
    return cases


# ---------------------------------------------------------------------------------------------
# MiniBatchKMeans
# ---------------------------------------------------------------------------------------------

def kmeans_cases():
    rng = np.random.RandomState(11)
    centers = np.array([[0.0, 0.0, 0.0, 0.0], [6.0, 6.0, 0.0, 0.0], [0.0, 6.0, 6.0, 0.0], [6.0, 0.0, 0.0, 6.0]])
    n = N + N_TEST
    labels = rng.randint(0, 4, n)
    X = centers[labels] + rng.randn(n, 4)
    sw = rng.uniform(0.5, 2.0, N)
    init = centers + 0.8 * rng.randn(4, 4)
    Xtest = X[N:]
    cases = []
    for name, params, weighted in [
        ("given centers", {"reassignment_ratio": 0.01}, False),
        ("given centers, sample weights", {"reassignment_ratio": 0.01}, True),
        ("given centers, no reassignment, batch 16", {"reassignment_ratio": 0.0, "batch_size": 16}, False),
    ]:
        est = MiniBatchKMeans(n_clusters=4, init=init, n_init=1, random_state=0, **params)
        steps = []
        for a, b in slices():
            est.partial_fit(X[a:b], sample_weight=sw[a:b] if weighted else None)
            steps.append({
                "clusterCenters": flat(est.cluster_centers_),
                "counts": flat(est._counts),
                "labels": flat(est.labels_),
                "inertia": float(est.inertia_),
                "nSteps": float(est.n_steps_),
            })
        cases.append({
            "name": name,
            "params": {camel(k): v for k, v in params.items()},
            "init": init.tolist(),
            "sampleWeight": weighted,
            "steps": steps,
            "predict": flat(est.predict(Xtest)),
            "transform": flat(est.transform(Xtest)),
            "score": float(est.score(Xtest)),
        })
    return {"X": X.tolist(), "sampleWeight": sw.tolist(), "cases": cases}


# ---------------------------------------------------------------------------------------------
# Naive Bayes
# ---------------------------------------------------------------------------------------------

def nb_snapshot(est, attrs):
    return {camel(a.rstrip("_")): flat(getattr(est, a)) for a in attrs}


def nb_cases(data):
    cases = []
    X = data["X"]
    counts = data["counts"]
    sw = data["sample_weight"]
    specs = [
        ("GaussianNB", GaussianNB, {}, "X", "multiclass", False),
        ("GaussianNB", GaussianNB, {}, "X", "binary", True),
        ("GaussianNB", GaussianNB, {"priors": [0.5, 0.2, 0.3], "var_smoothing": 1e-2}, "X", "multiclass", False),
        ("MultinomialNB", MultinomialNB, {}, "counts", "counts_y", False),
        ("MultinomialNB", MultinomialNB, {"alpha": 0.3, "fit_prior": False}, "counts", "counts_y", True),
        ("MultinomialNB", MultinomialNB, {"class_prior": [0.2, 0.5, 0.3], "alpha": 1e-12}, "counts", "counts_y", False),
        ("BernoulliNB", BernoulliNB, {}, "X", "multiclass", False),
        ("BernoulliNB", BernoulliNB, {"binarize": 1.5, "alpha": 0.5}, "counts", "counts_y", True),
        ("BernoulliNB", BernoulliNB, {"binarize": None, "fit_prior": False}, "binarized", "binary", False),
    ]
    attrs = {
        "GaussianNB": ["theta_", "var_", "class_count_", "class_prior_", "epsilon_"],
        "MultinomialNB": ["class_count_", "feature_count_", "feature_log_prob_", "class_log_prior_"],
        "BernoulliNB": ["class_count_", "feature_count_", "feature_log_prob_", "class_log_prior_"],
    }
    for est_name, cls, params, xkey, ykey, weighted in specs:
        Xd = (X > 0).astype(np.float64) if xkey == "binarized" else (counts if xkey == "counts" else X)
        y = data[ykey]
        est = cls(**params)
        steps = []
        for a, b in slices():
            kw = {"sample_weight": sw[a:b]} if weighted else {}
            est.partial_fit(Xd[a:b], y[a:b], classes=np.unique(y), **kw)
            steps.append(nb_snapshot(est, attrs[est_name]))
        Xtest = Xd[N:]
        # fit on all training rows at once, for the fit path.
        fitted = cls(**params).fit(Xd[:N], y[:N], **({"sample_weight": sw} if weighted else {}))
        cases.append({
            "name": f"{est_name} {json.dumps(params)} on {xkey}/{ykey}{' weighted' if weighted else ''}",
            "estimator": est_name,
            "params": {camel(k): v for k, v in params.items()},
            "x": xkey,
            "y": ykey,
            "sampleWeight": weighted,
            "steps": steps,
            "fit": nb_snapshot(fitted, attrs[est_name]),
            "predict": flat(est.predict(Xtest)),
            "proba": flat(est.predict_proba(Xtest)),
            "logProba": flat(est.predict_log_proba(Xtest)),
        })
    return cases


# ---------------------------------------------------------------------------------------------
# IncrementalPCA
# ---------------------------------------------------------------------------------------------

def pca_cases():
    rng = np.random.RandomState(3)
    d = 6
    n = N + N_TEST
    rot, _ = np.linalg.qr(rng.randn(d, d))
    X = (rng.randn(n, d) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.2])) @ rot + np.array([1.0, -2.0, 0.5, 3.0, 0.0, 10.0])
    Xtest = X[N:]
    attrs = ["components_", "explained_variance_", "explained_variance_ratio_", "singular_values_", "mean_", "var_"]
    cases = []
    for name, params, blocks in [
        ("3 components", {"n_components": 3}, BLOCK_ROWS),
        ("all components, whiten", {"whiten": True}, BLOCK_ROWS),
        ("first block narrower than the features", {"n_components": 3}, (4, 56, 60)),
        ("2 components, whiten, small blocks", {"n_components": 2, "whiten": True}, (10, 10, 10, 30, 60)),
    ]:
        est = IncrementalPCA(**params)
        steps = []
        start = 0
        for r in blocks:
            est.partial_fit(X[start:start + r])
            start += r
            snap = {camel(a.rstrip("_")): flat(getattr(est, a)) for a in attrs}
            snap["noiseVariance"] = float(est.noise_variance_)
            snap["nSamplesSeen"] = float(est.n_samples_seen_)
            steps.append(snap)
        Z = est.transform(Xtest)
        cases.append({
            "name": name,
            "params": {camel(k): v for k, v in params.items()},
            "blocks": list(blocks),
            "steps": steps,
            "transform": flat(Z),
            "inverseTransform": flat(est.inverse_transform(Z)),
        })
    fitted = IncrementalPCA(n_components=3, batch_size=25).fit(X[:N])
    fit_case = {camel(a.rstrip("_")): flat(getattr(fitted, a)) for a in attrs}
    fit_case["noiseVariance"] = float(fitted.noise_variance_)
    return {"X": X.tolist(), "cases": cases, "fit": {"params": {"nComponents": 3, "batchSize": 25}, "state": fit_case}}


def main():
    os.makedirs(OUT, exist_ok=True)
    data = make_data()
    meta = {"sklearn": sklearn.__version__, "numpy": np.__version__, "blockRows": list(BLOCK_ROWS), "nTest": N_TEST}
    common = {
        "X": data["X"].tolist(),
        "binary": data["binary"].tolist(),
        "multiclass": data["multiclass"].tolist(),
        "regression": data["regression"].tolist(),
        "counts": data["counts"].tolist(),
        "counts_y": data["counts_y"].tolist(),
        "sampleWeight": data["sample_weight"].tolist(),
    }
    files = {
        "incremental_data.json": {**meta, **common},
        "incremental_mlp.json": {**meta, "cases": mlp_cases(data)},
        "incremental_kmeans.json": {**meta, **kmeans_cases()},
        "incremental_nb.json": {**meta, "cases": nb_cases(data)},
        "incremental_pca.json": {**meta, **pca_cases()},
    }
    for name, payload in files.items():
        path = os.path.join(OUT, name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(payload, f, separators=(",", ":"))
        os.replace(tmp, path)
        print(f"{name}: {os.path.getsize(path)} bytes")


main()
