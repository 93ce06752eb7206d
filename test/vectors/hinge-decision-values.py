# Makes test/vectors/hinge-decision-values.json: hinge_loss with scores "decision_values" against
# scikit-learn's hinge_loss(y_true, pred_decision) on raw decision values (binary and multiclass,
# with and without sample_weight) and, for one-vs-all, its binary hinge_loss per class. The default
# ("probabilities", torchmetrics) is held by test/reference/classification.json.
import json
import numpy as np, sklearn
from sklearn.metrics import hinge_loss

rng = np.random.default_rng(24)
cases = []
tol = {"rel": 1e-12, "abs": 1e-15}

def case(name, request, expected, source):
    cases.append({"name": name, "endpoint": "/v1/metrics", "request": request, "expected": {"metrics": {"hinge_loss": expected}}, "tolerance": tol, "source": source})

# Binary: an SVM-like decision function, margins on both sides of 1.
yb = rng.integers(0, 2, 24); yb[:2] = [0, 1]
sb = np.round(rng.normal(0, 1.5, 24) + (2 * yb - 1) * 0.8, 4)
wb = np.round(rng.uniform(0, 3, 24), 3)
for w in [None, wb]:
    got = hinge_loss(yb, sb, sample_weight=w)
    req = {"task": "binary", "input": "logits", "preds": sb.tolist(), "labels": yb.tolist(), "metrics": [{"name": "hinge_loss", "scores": "decision_values"}]}
    if w is not None: req["sample_weight"] = w.tolist()
    case(f"binary hinge_loss of decision values{' with sample_weight' if w is not None else ''}", req, {"hinge_loss": float(got)},
         f"scikit-learn {sklearn.__version__} hinge_loss(y_true, pred_decision{', sample_weight' if w is not None else ''})")
# Multiclass, 4 classes, every class present (scikit-learn reads C from the labels).
C = 4
ym = np.concatenate([np.arange(C), rng.integers(0, C, 26)])
sm = np.round(rng.normal(0, 2, (30, C)), 4)
sm[np.arange(30), ym] += 1.0
wm = np.round(rng.uniform(0, 2, 30), 3)
for w in [None, wm]:
    got = hinge_loss(ym, sm, labels=np.arange(C), sample_weight=w)
    req = {"task": "multiclass", "num_classes": C, "input": "logits", "preds": sm.tolist(), "labels": ym.tolist(), "metrics": [{"name": "hinge_loss", "scores": "decision_values"}]}
    if w is not None: req["sample_weight"] = w.tolist()
    case(f"multiclass hinge_loss of decision values (Crammer-Singer){' with sample_weight' if w is not None else ''}", req, {"hinge_loss": float(got)},
         f"scikit-learn {sklearn.__version__} hinge_loss(y_true, pred_decision, labels=range(4){', sample_weight' if w is not None else ''})")
# One-vs-all on decision values: torchmetrics' one-vs-all formula (its hinge per class) on the raw
# values, i.e. scikit-learn's binary hinge_loss of each class against the rest.
per = [float(hinge_loss((ym == c).astype(int), sm[:, c])) for c in range(C)]
case("multiclass hinge_loss one-vs-all of decision values: scikit-learn's binary hinge per class",
     {"task": "multiclass", "num_classes": C, "input": "logits", "preds": sm.tolist(), "labels": ym.tolist(), "metrics": [{"name": "hinge_loss", "scores": "decision_values", "multiclass_mode": "one-vs-all"}]},
     {"hinge_loss": None, "per_class": per}, f"scikit-learn {sklearn.__version__} hinge_loss(y == c, pred_decision[:, c]) per class")

json.dump({"generated_by": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; script: test/vectors/hinge-decision-values.py", "cases": cases},
          open("test/vectors/hinge-decision-values.json", "w"), indent=1)
for c in cases: print(c["name"], c["expected"])
