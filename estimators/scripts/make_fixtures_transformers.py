#!/usr/bin/python3
"""Reference values from scikit-learn 1.2 for Tessera's RobustScaler, PolynomialFeatures and FunctionTransformer tests.

Run with the system Python (Debian python3-sklearn 1.2.1, numpy 1.24):

    /usr/bin/python3 estimators/scripts/make_fixtures_transformers.py

Writes estimators/test/fixtures/robust_scaler.json, polynomial_features.json and function_transformer.json. Floats
are written with repr, which round-trips exactly, so the tests can compare bit for bit.
"""
import json
import os

import numpy as np
import sklearn
from scipy import stats
from sklearn.preprocessing import FunctionTransformer, PolynomialFeatures, RobustScaler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")


def plain(a):
    a = np.asarray(a, dtype=np.float64)
    return [plain(r) for r in a] if a.ndim > 1 else [float(v) for v in a]


def robust_data(rng, n):
    """Ties (small integers), reals, a large offset with a small spread, a constant column, outliers."""
    X = np.column_stack(
        [
            rng.integers(-3, 4, n).astype(np.float64),
            rng.normal(0, 1, n),
            1e6 + rng.random(n) * 3,
            np.full(n, 2.5),
            rng.standard_cauchy(n),
        ]
    )
    return X


RANGES = [(25.0, 75.0), (10.0, 90.0), (0.0, 100.0), (33.3, 66.7), (5.0, 5.0), (1.0, 99.5)]


def robust_cases():
    rng = np.random.default_rng(5)
    data, cases = [], []
    for n in (1, 2, 3, 4, 7, 40, 41):
        X = robust_data(rng, n)
        T = robust_data(rng, 6)
        data.append({"X": plain(X), "T": plain(T)})
        for q in RANGES:
            for centering, scaling, unit in ((True, True, False), (True, True, True), (False, True, False), (True, False, False)):
                if unit and (q[0] == 0 or q[1] == 100 or q[0] == q[1]):
                    continue  # Tessera refuses these: scikit-learn divides by an infinite or zero normal range
                rs = RobustScaler(with_centering=centering, with_scaling=scaling, quantile_range=q, unit_variance=unit).fit(X)
                cases.append(
                    {
                        "params": {"withCentering": centering, "withScaling": scaling, "quantileRange": list(q), "unitVariance": unit},
                        "data": len(data) - 1,
                        "center": None if rs.center_ is None else plain(rs.center_),
                        "scale": None if rs.scale_ is None else plain(rs.scale_),
                        "adjust": float(stats.norm.ppf(q[1] / 100.0) - stats.norm.ppf(q[0] / 100.0)) if unit else None,
                        "transformed": plain(rs.transform(T)),
                    }
                )
    return {"data": data, "cases": cases}


def polynomial_cases():
    rng = np.random.default_rng(9)
    # Reals with every bit in use, so a product taken in another order would differ.
    data = [{"X": plain(rng.normal(0, 3, (5, d))), "T": plain(rng.normal(0, 3, (4, d)))} for d in (1, 2, 3, 4)]
    cases = []
    for k, dt in enumerate(data):
        for degree in (0, 1, 2, 3, 4, (0, 2), (1, 3), (2, 3), (3, 3), (2, 2), (0, 0)):
            for interaction in (False, True):
                for bias in (True, False):
                    if not bias and degree in (0, (0, 0)):
                        continue  # an empty output: refused by both
                    pf = PolynomialFeatures(degree=degree, interaction_only=interaction, include_bias=bias).fit(np.array(dt["X"]))
                    if pf.n_output_features_ == 0:
                        continue  # interactions of more features than there are: Tessera refuses the empty output
                    cases.append(
                        {
                            "params": {"degree": list(degree) if isinstance(degree, tuple) else degree, "interactionOnly": interaction, "includeBias": bias},
                            "data": k,
                            "nOutputFeatures": int(pf.n_output_features_),
                            "powers": pf.powers_.tolist(),
                            "names": pf.get_feature_names_out().tolist(),
                            "transformed": plain(pf.transform(np.array(dt["T"]))),
                        }
                    )
    return {"data": data, "cases": cases}


# The functions of estimators/test/function_kernels.mjs, in numpy (the same operations in the same order).
def affine(X, a, b):
    return X * a + b


def affine_inverse(X, a, b):
    return (X - b) / a


def append_squares(X, scale):
    return np.hstack([X, X * X * scale])


def function_cases():
    rng = np.random.default_rng(13)
    X = rng.normal(0, 3, (6, 3))
    T = rng.normal(0, 3, (4, 3))
    cases = []
    for name, func, kw, inv, inv_kw in (
        ("identity", None, None, None, None),
        ("affine", affine, {"a": 2.5, "b": -1.25}, affine_inverse, {"a": 2.5, "b": -1.25}),
        ("appendSquares", append_squares, {"scale": 0.5}, None, None),
    ):
        ft = FunctionTransformer(func=func, inverse_func=inv, kw_args=kw, inv_kw_args=inv_kw, validate=True, check_inverse=False).fit(X)
        out = ft.transform(T)
        cases.append(
            {
                "func": None if func is None else name,
                "inverseFunc": None if inv is None else "affineInverse",
                "kwArgs": kw,
                "invKwArgs": inv_kw,
                "transformed": plain(out),
                "inverse": plain(ft.inverse_transform(out)) if inv is not None or func is None else None,
            }
        )
    return {"X": plain(X), "T": plain(T), "cases": cases}


def write(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, **obj}, f, separators=(",", ":"), allow_nan=False)


if __name__ == "__main__":
    write("robust_scaler.json", robust_cases())
    write("polynomial_features.json", polynomial_cases())
    write("function_transformer.json", function_cases())
