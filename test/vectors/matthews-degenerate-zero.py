# Makes test/vectors/matthews-degenerate-zero.json: matthews_corrcoef with degenerate "zero"
# against scikit-learn's matthews_corrcoef on matrices with an empty marginal (where torchmetrics'
# epsilon rule answers otherwise, which torchmetrics' own value beside each case shows in `source`),
# and a regular matrix with sample_weight. Multilabel: scikit-learn has no multilabel MCC; the
# service's (torchmetrics') multilabel MCC is that of the labels' summed 2 x 2 matrices, i.e. of the
# flattened labels and decisions, which is what scikit-learn is given here.
import json
import numpy as np, sklearn, torch, torchmetrics
from sklearn.metrics import matthews_corrcoef
from torchmetrics.functional.classification import binary_matthews_corrcoef, multiclass_matthews_corrcoef, multilabel_matthews_corrcoef

cases = []
tol = {"rel": 1e-12, "abs": 1e-15}

def case(name, request, sk, tm):
    req = {**request, "metrics": [{"name": "matthews_corrcoef", "degenerate": "zero"}]}
    cases.append({"name": name, "endpoint": "/v1/metrics", "request": req, "expected": {"metrics": {"matthews_corrcoef": {"matthews_corrcoef": float(sk)}}},
                  "tolerance": tol, "source": f"scikit-learn {sklearn.__version__} matthews_corrcoef (torchmetrics {torchmetrics.__version__} answers {float(tm):.9g})"})

# Binary, every label and decision positive: torchmetrics 1 (all right), scikit-learn 0.
p = [0.9, 0.8, 0.7, 0.6]; y = [1, 1, 1, 1]
d = [int(v > 0.5) for v in p]
case("binary, every label and decision positive", {"task": "binary", "preds": p, "labels": y}, matthews_corrcoef(y, d), binary_matthews_corrcoef(torch.tensor(p, dtype=torch.float64), torch.tensor(y)))
# Binary, all-negative labels, some decisions positive: torchmetrics' epsilon formula, scikit-learn 0.
# (torchmetrics' value here from its stock float32 run, the arithmetic its rule runs in.)
p = [0.902, 0.3324, 0.1432, 0.3317, 0.1794, 0.4514, 0.5618, 0.3432, 0.9002, 0.903, 0.2185, 0.8973, 0.9769, 0.2677, 0.0642, 0.8062, 0.8316, 0.3337, 0.9484, 0.3893]; y = [0] * 20
d = [int(v > 0.5) for v in p]
case("binary, all-negative labels, some decided positive", {"task": "binary", "preds": p, "labels": y}, matthews_corrcoef(y, d), binary_matthews_corrcoef(torch.tensor(p), torch.tensor(y)))
# Binary, every decision wrong and one class in the labels: torchmetrics -1, scikit-learn 0.
p = [0.1, 0.2, 0.3]; y = [1, 1, 1]
d = [int(v > 0.5) for v in p]
case("binary, every label positive and every decision negative", {"task": "binary", "preds": p, "labels": y}, matthews_corrcoef(y, d), binary_matthews_corrcoef(torch.tensor(p, dtype=torch.float64), torch.tensor(y)))
# Binary with sample_weight, every decision right, labels of one class.
p = [0.9, 0.8, 0.7]; y = [1, 1, 1]; w = [0.5, 2.0, 1.0]
d = [int(v > 0.5) for v in p]
case("binary with sample_weight, every label and decision positive", {"task": "binary", "preds": p, "labels": y, "sample_weight": w},
     matthews_corrcoef(y, d, sample_weight=w), binary_matthews_corrcoef(torch.tensor(p, dtype=torch.float64), torch.tensor(y)))
# Multiclass with two classes, one predicted class only.
yt = [0, 1, 0, 1, 1]; yp = [1, 1, 1, 1, 1]
case("multiclass of two classes, one class predicted", {"task": "multiclass", "num_classes": 2, "preds": yp, "labels": yt},
     matthews_corrcoef(yt, yp), multiclass_matthews_corrcoef(torch.tensor(yp), torch.tensor(yt), num_classes=2))
# Multilabel whose every entry is right and positive.
mp = [[0.9, 0.8], [0.7, 0.6]]; my = [[1, 1], [1, 1]]
md = (np.array(mp) > 0.5).astype(int)
case("multilabel, every entry positive and decided positive (flattened)", {"task": "multilabel", "num_labels": 2, "preds": mp, "labels": my},
     matthews_corrcoef(np.ravel(my), np.ravel(md)), multilabel_matthews_corrcoef(torch.tensor(mp, dtype=torch.float64), torch.tensor(my), num_labels=2))

# A regular matrix with sample_weight: the same formula under either rule.
p = [0.8051, 0.5635, 0.7659, 0.4749, 0.5691, 0.1003, 0.1064, 0.2867, 0.8733, 0.0837]; y = [0, 0, 1, 0, 1, 0, 0, 1, 0, 0]
w = [1.0, 0.5, 2.0, 1.5, 1.0, 3.0, 0.25, 1.0, 2.0, 0.75]
d = [int(v > 0.5) for v in p]
case("binary with sample_weight, a regular matrix", {"task": "binary", "preds": p, "labels": y, "sample_weight": w},
     matthews_corrcoef(y, d, sample_weight=w), matthews_corrcoef(y, d, sample_weight=w))

json.dump({"generated_by": f"scikit-learn {sklearn.__version__}, torchmetrics {torchmetrics.__version__}; script: test/vectors/matthews-degenerate-zero.py", "cases": cases},
          open("test/vectors/matthews-degenerate-zero.json", "w"), indent=1)
for c in cases: print(c["name"], c["expected"]["metrics"], c["source"])
