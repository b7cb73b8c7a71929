#!/usr/bin/python3
"""Reference values from scikit-learn 1.2 for Tessera's imputer and encoder tests.

Run with the system Python (Debian python3-sklearn 1.2.1):

    /usr/bin/python3 estimators/scripts/make_fixtures_preprocessing.py

Writes estimators/test/fixtures/imputer.json. NaN is written as null (JSON has no NaN); floats
with repr, which round-trips exactly.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.impute import SimpleImputer

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")


def plain(a):
    """Arrays as nested lists with NaN as None."""
    a = np.asarray(a, dtype=np.float64)
    return [plain(r) for r in a] if a.ndim > 1 else [None if np.isnan(v) else float(v) for v in a]


def imputer_data(rng, n, d, marker):
    # Small integers (ties for the mode, even counts for the median) mixed with reals.
    X = rng.integers(-3, 4, size=(n, d)).astype(np.float64)
    X[:, 1] += rng.random(n).round(2)
    X[rng.random((n, d)) < 0.2] = marker
    X[:, 3] = marker  # a column with no value present
    return X


def imputer_cases():
    rng = np.random.default_rng(7)
    cases = []
    for marker in (np.nan, -1.0):
        X = imputer_data(rng, 41, 5, marker)
        T = imputer_data(rng, 9, 5, marker)
        for strategy in ("mean", "median", "most_frequent", "constant"):
            for keep in (False, True):
                fill = 7.5 if strategy == "constant" and keep else None
                imp = SimpleImputer(missing_values=marker, strategy=strategy, fill_value=fill, keep_empty_features=keep)
                imp.fit(X)
                cases.append(
                    {
                        "params": {
                            "strategy": strategy,
                            "missingValues": None if np.isnan(marker) else marker,
                            "fillValue": fill,
                            "keepEmptyFeatures": keep,
                        },
                        "X": plain(X),
                        "T": plain(T),
                        "statistics": plain(imp.statistics_),
                        "transformed": plain(imp.transform(T)),
                    }
                )
    return cases


def write(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump({"sklearn": sklearn.__version__, **obj}, f, separators=(",", ":"), allow_nan=False)


if __name__ == "__main__":
    write("imputer.json", {"cases": imputer_cases()})
