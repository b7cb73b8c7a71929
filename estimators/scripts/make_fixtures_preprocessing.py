#!/usr/bin/python3
"""Reference values from scikit-learn 1.2 for Tessera's imputer and encoder tests.

Run with the system Python (Debian python3-sklearn 1.2.1):

    /usr/bin/python3 estimators/scripts/make_fixtures_preprocessing.py

Writes estimators/test/fixtures/imputer.json and encoders.json. NaN is written as null (JSON has no NaN); floats
with repr, which round-trips exactly.
"""
import json
import warnings
import os

import numpy as np
import sklearn

warnings.simplefilter("ignore", UserWarning)  # "unknown categories will be encoded as all zeros": the case under test
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import LabelEncoder, OneHotEncoder, OrdinalEncoder

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


def code_columns(rng, n):
    """Columns of codes: 5 values, 3 spread values, binary, constant, a few reals."""
    return np.column_stack(
        [
            rng.integers(0, 5, n),
            rng.choice([-2.0, 7.0, 100.0], n),
            rng.integers(0, 2, n),
            np.full(n, 5.0),
            rng.choice([0.5, 1.25, 3.0], n),
        ]
    ).astype(np.float64)


GIVEN = [[0, 1, 2, 3, 4, 6], [-2, 7, 100], [0, 1], [5, 8], [0.5, 1.25, 3.0]]


def encoder_cases():
    rng = np.random.default_rng(11)
    X = code_columns(rng, 40)
    T = code_columns(rng, 8)
    U = T.copy()
    U[1, 0] = 9.0  # unknown in column 0
    U[3, 3] = 8.0  # unknown to 'auto', known to GIVEN
    cases = []
    for categories in ("auto", GIVEN):
        for drop in (None, "first", "if_binary"):
            for handle in ("error", "ignore"):
                enc = OneHotEncoder(categories=categories, drop=drop, handle_unknown=handle, sparse_output=False).fit(X)
                Tx = U if handle == "ignore" else T
                drop_idx = None if enc.drop_idx_ is None else [-1.0 if v is None else float(v) for v in enc.drop_idx_]
                cases.append(
                    {
                        "encoder": "OneHotEncoder",
                        "params": {"categories": categories, "drop": drop, "handleUnknown": handle},
                        "X": plain(X),
                        "T": plain(Tx),
                        "categories": [plain(c) for c in enc.categories_],
                        "dropIdx": drop_idx,
                        "transformed": plain(enc.transform(Tx)),
                    }
                )
        for handle, unknown in (("error", None), ("use_encoded_value", -1), ("use_encoded_value", np.nan), ("use_encoded_value", 7)):
            enc = OrdinalEncoder(categories=categories, handle_unknown=handle, unknown_value=unknown).fit(X)
            Tx = T if handle == "error" else U
            cases.append(
                {
                    "encoder": "OrdinalEncoder",
                    "params": {
                        "categories": categories,
                        "handleUnknown": handle,
                        "unknownValue": None if unknown is None else ("NaN" if np.isnan(unknown) else unknown),
                    },
                    "X": plain(X),
                    "T": plain(Tx),
                    "categories": [plain(c) for c in enc.categories_],
                    "transformed": plain(enc.transform(Tx)),
                }
            )
    y = rng.choice([3.0, -1.0, 2.5, 10.0, 0.0], 30)
    le = LabelEncoder().fit(y)
    codes = rng.integers(0, len(le.classes_), 6)
    label = {
        "y": plain(y),
        "classes": plain(le.classes_),
        "transformed": plain(le.transform(y)),
        "codes": plain(codes),
        "inverse": plain(le.inverse_transform(codes)),
    }
    return {"cases": cases, "label": label}


def write(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump({"sklearn": sklearn.__version__, **obj}, f, separators=(",", ":"), allow_nan=False)


if __name__ == "__main__":
    write("imputer.json", {"cases": imputer_cases()})
    write("encoders.json", encoder_cases())
