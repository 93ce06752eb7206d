# Makes test/vectors/multidim-global.json: every metric of the catalogue on inputs with extra
# dimensions ([N, ...] binary, [N, C, ...] multiclass, [N, L, ...] multilabel) with the default
# multidim_average "global", against torchmetrics 1.9's functionals in float64 (which pool the
# extra positions as rows), and scikit-learn 1.9 on the pooled rows for the metrics that follow it.
# Run: /work/.venv-ref/bin/python test/vectors/multidim-global.py > test/vectors/multidim-global.json
import json, math
import numpy as np, torch, sklearn, torchmetrics
import torchmetrics.functional.classification as F
from sklearn.metrics import balanced_accuracy_score, log_loss, brier_score_loss, coverage_error

torch.set_default_dtype(torch.float64)
torch.Tensor.float = lambda self, *args, **kwargs: self.double()
rng = np.random.default_rng(2524)
TOL = {"rel": 1e-12, "abs": 1e-12}
TM = f"torchmetrics {torchmetrics.__version__} (torch {torch.__version__}, float64)"
SK = f"scikit-learn {sklearn.__version__} on the pooled rows"
cases = []


def v(x):
    if isinstance(x, torch.Tensor):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [v(e) for e in x]
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


# Binary [N, M] = [4, 6]; multiclass [N, C, H, W] = [4, 3, 2, 3] (softmax rows); multilabel [N, L, M] = [4, 3, 5].
bp = np.round(rng.random((4, 6)), 3); bt = (rng.random((4, 6)) > 0.6).astype(int)
ml = rng.normal(0, 1.5, (4, 3, 2, 3)); mp = np.exp(ml) / np.exp(ml).sum(1, keepdims=True)
mt = rng.integers(0, 3, (4, 2, 3))
lp = np.round(rng.random((4, 3, 5)), 3); lt = (rng.random((4, 3, 5)) > 0.5).astype(int)
# Rounding multiclass rows would unnormalise them; keep 17 digits so JSON carries the exact doubles.
inputs = {
    "binary": ({"task": "binary", "preds": bp.tolist(), "labels": bt.tolist()}, bp, bt, {}),
    "multiclass": ({"preds": mp.tolist(), "labels": mt.tolist()}, mp, mt, {"num_classes": 3}),
    "multilabel": ({"task": "multilabel", "preds": lp.tolist(), "labels": lt.tolist()}, lp, lt, {"num_labels": 3}),
}

TORCH = [
    # (our name, torchmetrics functional suffix, our options, torchmetrics kwargs, tasks, value fields)
    ("confusion_matrix", "confusion_matrix", {}, {}, "bcl", "confusion_matrix"),
    ("accuracy", "accuracy", {}, {}, "bcl", None),
    ("precision", "precision", {}, {}, "bcl", None),
    ("recall", "recall", {}, {}, "bcl", None),
    ("specificity", "specificity", {}, {}, "bcl", None),
    ("negative_predictive_value", "negative_predictive_value", {}, {}, "bcl", None),
    ("f1_score", "f1_score", {}, {}, "bcl", None),
    ("fbeta_score", "fbeta_score", {"beta": 2}, {"beta": 2.0}, "bcl", None),
    ("jaccard_index", "jaccard_index", {}, {}, "bcl", None),
    ("hamming_distance", "hamming_distance", {}, {}, "bcl", None),
    ("exact_match", "exact_match", {}, {}, "cl", None),
    ("matthews_corrcoef", "matthews_corrcoef", {}, {}, "bcl", None),
    ("cohen_kappa", "cohen_kappa", {}, {}, "bc", None),
    ("calibration_error", "calibration_error", {}, {}, "bc", None),
    ("hinge_loss", "hinge_loss", {}, {}, "bc", None),
    ("precision_at_fixed_recall", "precision_at_fixed_recall", {"min_recall": 0.5}, {"min_recall": 0.5}, "b", None),
    ("recall_at_fixed_precision", "recall_at_fixed_precision", {"min_precision": 0.5}, {"min_precision": 0.5}, "b", None),
    ("sensitivity_at_specificity", "sensitivity_at_specificity", {"min_specificity": 0.5}, {"min_specificity": 0.5}, "b", None),
    ("specificity_at_sensitivity", "specificity_at_sensitivity", {"min_sensitivity": 0.5}, {"min_sensitivity": 0.5}, "b", None),
    ("eer", "eer", {}, {}, "b", None),
    ("logauc", "logauc", {}, {}, "bcl", None),
    ("auroc", "auroc", {}, {}, "bcl", None),
    ("average_precision", "average_precision", {}, {}, "bcl", None),
    ("ranking_average_precision", "ranking_average_precision", {}, {}, "l", None),
    ("ranking_loss", "ranking_loss", {}, {}, "l", None),
]
TASK = {"b": "binary", "c": "multiclass", "l": "multilabel"}

for name, fn, ours, kw, tasks, field in TORCH:
    for t in tasks:
        task = TASK[t]
        request, p, y, task_kw = inputs[task]
        f = getattr(F, f"{task}_{fn}")
        try:
            value = f(torch.tensor(p), torch.tensor(y), **task_kw, **kw)
        except Exception as error:  # noqa: BLE001 - a refusal is recorded, not a value
            print(f"# {name} {task}: torchmetrics refuses: {error}", file=__import__('sys').stderr)
            continue
        if isinstance(value, tuple):
            # No threshold reaches the bound: torchmetrics answers 0 at a placeholder threshold of
            # 1e6 (or NaN), the service null with a warning (as ../shared/reference/classification.json).
            value = None if math.isnan(float(value[1])) or float(value[1]) == 1e6 else value[0]
        cases.append({
            "name": f"{task} {name} global over extra dimensions",
            "endpoint": "/v1/metrics",
            "request": {**request, "metrics": [{"name": name, **ours}]},
            "expected": {"metrics": {name: {field or name: v(value)}}},
            "tolerance": TOL,
            "source": TM,
        })


def pooled_binary(p, y):
    return p.reshape(-1), y.reshape(-1)


def pooled_multiclass(p, y):
    c = p.shape[1]
    return np.moveaxis(p, 1, -1).reshape(-1, c), y.reshape(-1)


# Multiclass exact match with ignored positions (no sample wholly ignored: such a sample is left
# out by the service and counted as a match by torchmetrics, a documented difference).
mt_ignored = mt.copy(); mt_ignored[0, 0, :2] = -1; mt_ignored[2, 1, 1] = -1
cases.append({
    "name": "multiclass exact_match global over extra dimensions with ignore_index",
    "endpoint": "/v1/metrics",
    "request": {"preds": mp.tolist(), "labels": mt_ignored.tolist(), "ignore_index": -1, "metrics": ["exact_match"]},
    "expected": {"metrics": {"exact_match": {"exact_match": v(F.multiclass_exact_match(torch.tensor(mp), torch.tensor(mt_ignored), num_classes=3, ignore_index=-1))}}},
    "tolerance": TOL,
    "source": TM,
})

SKL = [
    ("coverage_error", "l", lambda p, y: coverage_error(y, p)),
    ("balanced_accuracy", "b", lambda p, y: balanced_accuracy_score(y, (p > 0.5).astype(int))),
    ("balanced_accuracy", "c", lambda p, y: balanced_accuracy_score(y, p.argmax(1))),
    ("log_loss", "b", lambda p, y: log_loss(y, p, labels=[0, 1])),
    ("log_loss", "c", lambda p, y: log_loss(y, p, labels=[0, 1, 2])),
    ("brier_score", "b", lambda p, y: brier_score_loss(y, p)),
]
for name, t, fn in SKL:
    task = TASK[t]
    request, p, y, _ = inputs[task]
    pp, yy = (pooled_binary if t == "b" else pooled_multiclass)(p, y)
    if t == "l":  # multilabel [N, L, M]: each position a row of L labels (torchmetrics' format)
        pp, yy = np.moveaxis(p, 1, -1).reshape(-1, p.shape[1]), np.moveaxis(y, 1, -1).reshape(-1, p.shape[1])
    cases.append({
        "name": f"{task} {name} global over extra dimensions (pooled rows)",
        "endpoint": "/v1/metrics",
        "request": {**request, "metrics": [name]},
        "expected": {"metrics": {name: {name: v(fn(pp, yy))}}},
        "tolerance": TOL,
        "source": SK,
    })

print(json.dumps({"generated_by": f"{TM}; scikit-learn {sklearn.__version__}; script: test/vectors/multidim-global.py", "cases": cases}, indent=1))
