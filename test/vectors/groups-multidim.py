# Makes test/vectors/groups-multidim.json: groups with inputs of extra dimensions (issue 26, gap 2).
# A group is a property of a sample: `groups` has one id per sample N of [N, ...] inputs, and every
# position of the sample belongs to it. Each expected group value is the reference computed on that
# group's samples alone ([N_g, ...], the rows of that group), the overall value on all of them, and
# fairlearn's MetricFrame summaries over the groups (group_min, group_max, difference = max - min,
# ratio = min / max). torchmetrics 1.9 functionals in float64 without weights (they take none);
# scikit-learn 1.9 on the pooled rows (each position a row) with per-element sample_weight; the
# fairness metrics with torchmetrics' group fairness functionals, which split [N, ...] preds by
# groups [N] themselves.
# Run: /work/.venv-ref/bin/python test/vectors/groups-multidim.py > test/vectors/groups-multidim.json
import json, math
import numpy as np, torch, sklearn, torchmetrics
import torchmetrics.functional.classification as F
from torchmetrics.functional.classification import demographic_parity, equal_opportunity
from sklearn.metrics import accuracy_score, f1_score, recall_score, precision_score, roc_auc_score, log_loss, confusion_matrix

torch.set_default_dtype(torch.float64)
torch.Tensor.float = lambda self, *args, **kwargs: self.double()
rng = np.random.default_rng(2626)
TOL = {"rel": 1e-12, "abs": 1e-12}
TM = f"torchmetrics {torchmetrics.__version__} (torch {torch.__version__}, float64) on each group's samples [N_g, ...]"
SK = f"scikit-learn {sklearn.__version__} on each group's pooled rows (one per position), per-element sample_weight"
cases = []


def v(x):
    if isinstance(x, torch.Tensor):
        x = x.tolist()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [v(e) for e in x]
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


# N = 8 samples in 3 groups (each group has samples; group 2 scored lower, a gap).
N = 8
groups = np.array([0, 1, 2, 0, 1, 2, 0, 1])
# Binary [N, M] = [8, 5]; multiclass [N, C, H, W] = [8, 3, 2, 2] (softmax rows); multilabel [N, L, M] = [8, 3, 4].
bt = (rng.random((N, 5)) > 0.55).astype(int)
bp = np.round(np.clip(0.35 * bt + 0.65 * rng.random((N, 5)) - 0.15 * (groups[:, None] == 2), 0.001, 0.999), 3)
mt = rng.integers(0, 3, (N, 2, 2))
# A clear signal in group 0, a weaker one in group 1, none in group 2: some samples match at every position.
ml = rng.normal(0, 1.2, (N, 3, 2, 2)) + np.array([4.0, 2.0, 0.0])[groups][:, None, None, None] * np.moveaxis(np.eye(3)[mt], -1, 1)
mp = np.exp(ml) / np.exp(ml).sum(1, keepdims=True)
lt = (rng.random((N, 3, 4)) > 0.5).astype(int)
lp = np.round(np.clip(0.3 * lt + 0.7 * rng.random((N, 3, 4)), 0.001, 0.999), 3)
# Per-element weights, shaped like the labels (multilabel: without the label axis).
bw = np.round(rng.uniform(0.2, 2, (N, 5)), 2)
mw = np.round(rng.uniform(0.2, 2, (N, 2, 2)), 2)


def summaries(values):
    defined = [x for x in values if x is not None]
    lo, hi = min(defined), max(defined)
    return {"group_min": lo, "group_max": hi, "difference": hi - lo, "ratio": None if hi == 0 else lo / hi}


def grouped(name, field, per_group_and_all, scalar=True):
    """The expected entry: overall, by_group and (scalar) the summaries."""
    overall = per_group_and_all(np.ones(N, dtype=bool))
    by = [per_group_and_all(groups == g) for g in range(3)]
    entry = {field: v(overall), "by_group": [{field: v(b)} for b in by]}
    if scalar:
        entry.update(summaries([v(b) for b in by]))
    return entry


def torch_case(task, name, fn, ours, kw, p, y, request, ignore=None, scalar=True, field=None):
    f = getattr(F, f"{task}_{fn}")
    extra = {} if ignore is None else {"ignore_index": ignore}

    def value(mask):
        return f(torch.tensor(p[mask]), torch.tensor(y[mask]), **kw, **extra)

    return {"name": name, "ours": {"name": fn if field is None else field, "by_group": True, **ours}, "key": fn if field is None else field, "entry": grouped(fn, field or fn, value, scalar)}


def add(name, request, entries, source):
    cases.append({
        "name": name,
        "endpoint": "/v1/metrics",
        "request": {**request, "metrics": [e["ours"] for e in entries]},
        "expected": {"metrics": {e["key"]: e["entry"] for e in entries}},
        "tolerance": TOL,
        "source": source,
    })


# 1. Binary [N, M], torchmetrics per group, and the fairness metrics (torchmetrics splits [N, M] by groups [N]).
req = {"task": "binary", "preds": bp.tolist(), "labels": bt.tolist(), "groups": groups.tolist()}
entries = [torch_case("binary", f"binary {fn}", fn, {}, {}, bp, bt, req) for fn in ["accuracy", "f1_score", "recall", "matthews_corrcoef", "auroc"]]
entries.append(torch_case("binary", "binary confusion_matrix", "confusion_matrix", {}, {}, bp, bt, req, scalar=False))
dp = demographic_parity(torch.tensor(bp), torch.tensor(groups), threshold=0.5)
eo = equal_opportunity(torch.tensor(bp), torch.tensor(bt), torch.tensor(groups), threshold=0.5)
for name, result in [("demographic_parity", dp), ("equal_opportunity", eo)]:
    (key, value), = result.items()
    _, lo, hi = key.split("_")
    entries.append({"ours": name, "key": name, "entry": {name: v(value), "min_group": int(lo), "max_group": int(hi)}})
add("binary [N, M] with groups [N]: threshold metrics, AUROC and the confusion matrix by group, demographic parity and equal opportunity", req, entries, TM + "; torchmetrics demographic_parity / equal_opportunity(preds [N, M], groups [N])")

# 2. Binary [N, M] with ignore_index: ignored positions leave their group too.
bt_ignored = bt.copy(); bt_ignored[0, :2] = -1; bt_ignored[4, 3] = -1; bt_ignored[5, 0] = -1
req = {"task": "binary", "preds": bp.tolist(), "labels": bt_ignored.tolist(), "groups": groups.tolist(), "ignore_index": -1}
entries = [torch_case("binary", f"binary {fn}", fn, {}, {}, bp, bt_ignored, req, ignore=-1) for fn in ["accuracy", "precision", "f1_score", "auroc"]]
eo = equal_opportunity(torch.tensor(bp), torch.tensor(bt_ignored), torch.tensor(groups), threshold=0.5, ignore_index=-1)
(key, value), = eo.items()
entries.append({"ours": "equal_opportunity", "key": "equal_opportunity", "entry": {"equal_opportunity": v(value), "min_group": int(key.split("_")[1]), "max_group": int(key.split("_")[2])}})
# group_rows: each group's kept positions.
for e in entries[:1]:
    e["entry"]["group_rows"] = [float(((bt_ignored[groups == g]) != -1).sum()) for g in range(3)]
add("binary [N, M] with groups [N] and ignore_index: ignored positions leave their group", req, entries, TM + "; torchmetrics equal_opportunity(ignore_index=-1)")

# 3. Multiclass [N, C, H, W] with labels [N, H, W]: macro and micro averages, AUROC, exact match (a sample matches when every position does).
req = {"preds": mp.tolist(), "labels": mt.tolist(), "groups": groups.tolist()}
entries = [
    torch_case("multiclass", "multiclass accuracy", "accuracy", {}, {"num_classes": 3}, mp, mt, req),
    torch_case("multiclass", "multiclass f1_score", "f1_score", {}, {"num_classes": 3}, mp, mt, req),
    torch_case("multiclass", "multiclass recall micro", "recall", {"average": "micro", "key": "recall_micro"}, {"num_classes": 3, "average": "micro"}, mp, mt, req, field="recall_micro"),
    torch_case("multiclass", "multiclass auroc", "auroc", {}, {"num_classes": 3}, mp, mt, req),
    torch_case("multiclass", "multiclass exact_match", "exact_match", {}, {"num_classes": 3}, mp, mt, req),
    torch_case("multiclass", "multiclass confusion_matrix", "confusion_matrix", {}, {"num_classes": 3}, mp, mt, req, scalar=False),
]
# The keyed entry answers under its metric's name; fix the one with a key.
for e in entries:
    if e["key"] == "recall_micro":
        e["ours"] = {"name": "recall", "average": "micro", "key": "recall_micro", "by_group": True}
        e["entry"] = {("recall" if k == "recall_micro" else k): val for k, val in e["entry"].items()}
        e["entry"]["by_group"] = [{"recall": b["recall_micro"]} for b in e["entry"]["by_group"]]
add("multiclass [N, C, H, W] with groups [N]: averages, AUROC, exact match and the confusion matrix by group", req, entries, TM)

# 4. Multiclass with ignore_index: exact match of samples with ignored positions, and the threshold family.
mt_ignored = mt.copy(); mt_ignored[0, 0, :] = -1; mt_ignored[2, 1, 1] = -1; mt_ignored[7, 0, 1] = -1
req = {"preds": mp.tolist(), "labels": mt_ignored.tolist(), "groups": groups.tolist(), "ignore_index": -1}
entries = [torch_case("multiclass", f"multiclass {fn}", fn, {}, {"num_classes": 3}, mp, mt_ignored, req, ignore=-1) for fn in ["accuracy", "jaccard_index", "exact_match"]]
add("multiclass [N, C, H, W] with groups [N] and ignore_index", req, entries, TM + " (ignore_index=-1; no sample wholly ignored)")

# 5. Multilabel [N, L, M] (each position a row of L labels).
req = {"task": "multilabel", "preds": lp.tolist(), "labels": lt.tolist(), "groups": groups.tolist()}
entries = [torch_case("multilabel", f"multilabel {fn}", fn, {}, {"num_labels": 3}, lp, lt, req) for fn in ["accuracy", "f1_score", "hamming_distance", "auroc"]]
add("multilabel [N, L, M] with groups [N]: every position of a sample in its group", req, entries, TM)


# 6. scikit-learn with per-element weights, on each group's pooled rows.
def pooled_binary(mask, p, y, w):
    return p[mask].reshape(-1), y[mask].reshape(-1), w[mask].reshape(-1)


def pooled_multiclass(mask, p, y, w):
    return np.moveaxis(p[mask], 1, -1).reshape(-1, 3), y[mask].reshape(-1), w[mask].reshape(-1)


def sk_entry(ours, key, field, fn, pool, p, y, w, ignore=None, scalar=True):
    def value(mask):
        pp, yy, ww = pool(mask, p, y, w)
        keep = yy != ignore if ignore is not None else np.ones(len(yy), dtype=bool)
        return fn(pp[keep], yy[keep], ww[keep])

    return {"ours": {**ours, "by_group": True}, "key": key, "entry": grouped(key, field, value, scalar)}


req = {"task": "binary", "preds": bp.tolist(), "labels": bt_ignored.tolist(), "groups": groups.tolist(), "ignore_index": -1, "sample_weight": bw.tolist()}
entries = [
    sk_entry({"name": "accuracy"}, "accuracy", "accuracy", lambda p, y, w: accuracy_score(y, p > 0.5, sample_weight=w), pooled_binary, bp, bt_ignored, bw, -1),
    sk_entry({"name": "f1_score"}, "f1_score", "f1_score", lambda p, y, w: f1_score(y, p > 0.5, sample_weight=w), pooled_binary, bp, bt_ignored, bw, -1),
    sk_entry({"name": "recall"}, "recall", "recall", lambda p, y, w: recall_score(y, p > 0.5, sample_weight=w), pooled_binary, bp, bt_ignored, bw, -1),
    sk_entry({"name": "auroc"}, "auroc", "auroc", lambda p, y, w: roc_auc_score(y, p, sample_weight=w), pooled_binary, bp, bt_ignored, bw, -1),
    sk_entry({"name": "log_loss"}, "log_loss", "log_loss", lambda p, y, w: log_loss(y, p, sample_weight=w, labels=[0, 1]), pooled_binary, bp, bt_ignored, bw, -1),
]
add("binary [N, M] with groups [N], per-element sample_weight and ignore_index (scikit-learn on each group's pooled rows)", req, entries, SK)

req = {"preds": mp.tolist(), "labels": mt.tolist(), "groups": groups.tolist(), "sample_weight": mw.tolist()}
entries = [
    sk_entry({"name": "f1_score", "average": "micro"}, "f1_score", "f1_score", lambda p, y, w: f1_score(y, p.argmax(1), average="micro", sample_weight=w), pooled_multiclass, mp, mt, mw),
    sk_entry({"name": "log_loss"}, "log_loss", "log_loss", lambda p, y, w: log_loss(y, p, sample_weight=w, labels=[0, 1, 2]), pooled_multiclass, mp, mt, mw),
    sk_entry({"name": "confusion_matrix"}, "confusion_matrix", "confusion_matrix", lambda p, y, w: confusion_matrix(y, p.argmax(1), sample_weight=w, labels=[0, 1, 2]), pooled_multiclass, mp, mt, mw, scalar=False),
]
add("multiclass [N, C, H, W] with groups [N] and per-element sample_weight (scikit-learn on each group's pooled rows)", req, entries, SK)

print(json.dumps({"generated_by": f"{TM}; {SK}; script: test/vectors/groups-multidim.py", "cases": cases}, indent=1))
