"""The logistic page's defaults for an upload against scikit-learn, on scikit-learn's breast-cancer table.

scikit-learn is not a dependency of Logit Lab; give this script a Python that has it (a separate venv):

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn pandas
    .venv/bin/python bench/compare_sklearn.py /tmp/skvenv/bin/python

It exports the table (569 rows x 30 features; 1 = malignant) as CSV, trains it as the page would after an
upload (engine.data.upload.read_csv, ui.logistic_setup.upload_defaults: standardized, L-BFGS, λ = 1/n_train,
20 % held out, seed 0), then fits scikit-learn's LogisticRegression (StandardScaler fitted on the same
training rows; C = 1, its default, and C = 1/(λ·n_train), the page's λ) and scores both on the same
held-out rows. Prints accuracy, AUC and how far the held-out probabilities differ.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EXPORT = """
import sys
from sklearn.datasets import load_breast_cancer
f = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "malignant"})
f["malignant"] = 1 - f["malignant"]  # scikit-learn codes malignant as 0
f.to_csv(sys.argv[1], index=False)
"""

FIT = """
import json, sys
import numpy as np, pandas as pd, sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
frame = pd.read_csv(sys.argv[1])
s = json.load(open(sys.argv[2]))
X, y = frame.iloc[:, :-1].to_numpy(float), frame.iloc[:, -1].to_numpy(int)
train, test = np.array(s["train"]), np.array(s["test"])
scale = StandardScaler().fit(X[train])
out = {"version": sklearn.__version__}
for name, C in (("C = 1", 1.0), ("C = 1/(λ·n_train)", 1 / (s["l2"] * len(train)))):
    p = LogisticRegression(C=C, max_iter=10_000).fit(scale.transform(X[train]), y[train])
    p = p.predict_proba(scale.transform(X[test]))[:, 1]
    ours = np.array(s["p_test"])
    out[name] = {"accuracy": float(((p >= 0.5) == y[test]).mean()), "auc": float(roc_auc_score(y[test], p)),
                 "max_abs_dp": float(np.abs(p - ours).max()), "same_class": int(((p >= 0.5) == (ours >= 0.5)).sum())}
print(json.dumps(out))
"""


def main(sklearn_python: str) -> None:
    from engine.data import upload as datamod
    from engine.models import logistic, metrics
    from ui.logistic_setup import upload_defaults

    with tempfile.TemporaryDirectory() as tmp:
        csv, split = Path(tmp) / "breast_cancer.csv", Path(tmp) / "split.json"
        subprocess.run([sklearn_python, "-c", EXPORT, str(csv)], check=True)
        frame = datamod.read_csv(csv.read_bytes())
        columns = [str(c) for c in frame.columns]
        data = datamod.binary_data(frame, columns[:-1], columns[-1])
        settings = upload_defaults(len(frame))
        started = time.perf_counter()
        trained = logistic.fit_and_advise(data.X, data.y, settings)
        seconds = time.perf_counter() - started
        test = trained.split.test
        p = trained.fit.predict_proba(data.X[test])
        y = data.y[test]
        split.write_text(
            json.dumps(
                {"train": trained.split.train.tolist(), "test": test.tolist(), "l2": settings.l2, "p_test": p.tolist()}
            )
        )
        theirs = json.loads(
            subprocess.run(
                [sklearn_python, "-c", FIT, str(csv), str(split)], check=True, capture_output=True, text=True
            ).stdout
        )
    print(
        f"breast cancer: {len(frame)} rows x {len(columns) - 1} features; {len(trained.split.train)} train, "
        f"{len(test)} held out (seed {settings.seed}); page settings: {settings.optimizer}, λ = {settings.l2:g}, "
        f"standardize = {settings.standardize}"
    )
    ours_acc = float(((p >= 0.5) == (y == 1)).mean())
    print(f"Logit Lab           held-out accuracy {ours_acc:.4f}  AUC {metrics.roc_auc(y, p):.5f}  ({seconds:.2f} s)")
    for name in ("C = 1", "C = 1/(λ·n_train)"):
        r = theirs[name]
        print(
            f"scikit-learn {theirs['version']} {name:<18} accuracy {r['accuracy']:.4f}  AUC {r['auc']:.5f}  "
            f"same class {r['same_class']}/{len(test)}  max |Δp| {r['max_abs_dp']:.4f}"
        )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
