"""Reference values for issue 24 "Wrong numbers" (items 1-4): scikit-learn 1.9 log_loss,
torchmetrics 1.9 operating points, calibration error with the last bin closed at 1 (the rule of
torchmetrics #3510, cross-checked against scikit-learn calibration_curve), empty batches."""
import json, warnings, math
import numpy as np, torch, sklearn, torchmetrics
from sklearn.metrics import log_loss
from sklearn.calibration import calibration_curve
import torchmetrics.functional.classification as F

cases = []
TOL = {"rel": 1e-12, "abs": 1e-15}
def add(name, endpoint, request, expected, source, tol=TOL):
    cases.append({"name": name, "endpoint": endpoint, "request": request, "expected": expected, "tolerance": tol, "source": source})

def ll(y, p, **kw):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        v = log_loss(y, p, **kw)
    return v, any("do not sum to one" in str(x.message) for x in w)

# ---- 1. log_loss -------------------------------------------------------------------------
rng = np.random.default_rng(24)
mc = [
  ("issue example", [[0.5, 0.3, 0.1], [0.2, 0.2, 0.2]], [0, 1], None),
  ("rows summing to one", [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]], [0, 2, 1], None),
  ("rows above one, weighted", [[0.9, 0.5, 0.1], [0.4, 0.4, 0.4], [0.0, 1.0, 0.2]], [0, 2, 1], [1.0, 2.5, 0.5]),
  ("zero probability of the label (clipped to eps)", [[0.0, 0.6, 0.4], [0.5, 0.5, 0.0]], [0, 2], None),
]
for i in range(3):
    p = np.round(rng.random((7, 4)), 3).tolist(); y = rng.integers(0, 4, 7).tolist(); w = np.round(rng.random(7) * 3, 2).tolist()
    mc.append((f"random rows not summing to one {i}", p, y, w if i % 2 else None))
for name, p, y, w in mc:
    v, warned = ll(y, p, labels=list(range(len(p[0]))), sample_weight=w)
    req = {"task": "multiclass", "num_classes": len(p[0]), "input": "probs", "preds": p, "labels": y, "metrics": ["log_loss"]}
    if w: req["sample_weight"] = w
    add(f"log_loss multiclass: {name}" + (" (sklearn warns)" if warned else ""), "/v1/metrics", req, {"metrics": {"log_loss": {"log_loss": v}}}, f"scikit-learn {sklearn.__version__} log_loss")
# softmax of logits: sums to one
z = np.round(rng.normal(size=(5, 3)) * 3, 3); y = rng.integers(0, 3, 5)
pz = torch.softmax(torch.tensor(z, dtype=torch.float64), 1).numpy()
v, warned = ll(y, pz, labels=[0, 1, 2]); assert not warned
add("log_loss multiclass logits (softmax rows)", "/v1/metrics", {"task": "multiclass", "input": "logits", "preds": z.tolist(), "labels": y.tolist(), "metrics": ["log_loss"]}, {"metrics": {"log_loss": {"log_loss": v}}}, "scikit-learn log_loss of torch.softmax (float64)", {"rel": 1e-12, "abs": 1e-15})
# binary
pb = [0.0, 1.0, 0.3, 0.9, 0.55, 1e-20]; yb = [0, 1, 1, 0, 1, 1]; wb = [1, 2, 0.5, 1, 3, 1]
v, _ = ll(yb, pb, labels=[0, 1], sample_weight=wb)
add("log_loss binary weighted, probabilities at 0 and 1", "/v1/metrics", {"preds": pb, "labels": yb, "sample_weight": wb, "metrics": ["log_loss"]}, {"metrics": {"log_loss": {"log_loss": v}}}, "scikit-learn log_loss")
# multilabel: the mean over labels of each label's binary log loss (the service's convention)
pm = np.round(rng.random((6, 3)), 3); ym = rng.integers(0, 2, (6, 3)); wm = np.round(rng.random(6) * 2, 2)
per = [ll(ym[:, c], pm[:, c], labels=[0, 1], sample_weight=wm)[0] for c in range(3)]
add("log_loss multilabel weighted: mean over labels of sklearn's binary log_loss", "/v1/metrics", {"task": "multilabel", "preds": pm.tolist(), "labels": ym.tolist(), "sample_weight": wm.tolist(), "metrics": ["log_loss"]}, {"metrics": {"log_loss": {"log_loss": float(np.mean(per))}}}, "scikit-learn log_loss per label, averaged")
# one request agrees with itself: brier (sklearn multiclass brier_score_loss reads rows as sent too)
from sklearn.metrics import brier_score_loss
p, y = mc[0][1], mc[0][2]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    b = brier_score_loss(y, p, labels=[0, 1, 2])
add("brier_score and log_loss of the same rows not summing to one (sklearn warns)", "/v1/metrics", {"task": "multiclass", "input": "probs", "preds": p, "labels": y, "metrics": ["log_loss", "brier_score"]},
    {"metrics": {"log_loss": {"log_loss": ll(y, p, labels=[0, 1, 2])[0]}, "brier_score": {"brier_score": b}}}, "scikit-learn log_loss, brier_score_loss")

# ---- 2. calibration error, last bin closed at 1 -------------------------------------------
def ce(conf, acc, n, norm, w=None):
    conf = np.asarray(conf, float); acc = np.asarray(acc, float); w = np.ones_like(conf) if w is None else np.asarray(w, float)
    edges = torch.linspace(0, 1, n + 1, dtype=torch.float64).numpy()  # torchmetrics' edges for float64 confidences
    idx = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, n - 1)  # bucketize(right=True) - 1, last bin closed
    tot = w.sum(); out = []; counts = []
    for b in range(n):
        m = idx == b; k = w[m].sum(); counts.append(float(k))
        if k > 0: out.append((abs((w[m] * acc[m]).sum() / k - (w[m] * conf[m]).sum() / k), k / tot))
    if norm == "l1": return sum(g * s for g, s in out), counts
    if norm == "max": return max(g for g, _ in out), counts
    return math.sqrt(sum(g * g * s for g, s in out)), counts
def tm_binary(p, y, n, norm):
    return float(F.binary_calibration_error(torch.tensor(p, dtype=torch.float64), torch.tensor(y), n_bins=n, norm=norm))
cal = [
  ("issue example", [0.95, 1.0], [1, 0], 15),
  ("confidences of exactly 1 only", [1.0, 1.0, 1.0], [1, 0, 1], 15),
  ("1 and inner edges", [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 0.9], [0, 0, 1, 1, 0, 1, 0, 1], 5),
]
for name, p, y, n in cal:
    for norm in ["l1", "l2", "max"]:
        v, counts = ce(p, y, n, norm)
        add(f"calibration_error binary {norm}, n_bins {n}: {name}", "/v1/metrics", {"preds": p, "labels": y, "metrics": [{"name": "calibration_error", "n_bins": n, "norm": norm}]},
            {"metrics": {"calibration_error": {"calibration_error": v, "bins": {"count": counts}}}}, "torchmetrics 1.9 bucketize rule with the last bin closed at 1 (torchmetrics #3510), float64")
# saturated logits: sigma(40) == 1.0 in float64
zl = [40.0, 38.0, -3.0, 2.0]; yl = [1, 0, 0, 1]
pl = torch.sigmoid(torch.tensor(zl, dtype=torch.float64)).numpy(); assert pl[0] == 1.0 and pl[1] == 1.0
for norm in ["l1", "max"]:
    v, counts = ce(pl, yl, 15, norm)
    add(f"calibration_error binary saturated logits {norm}", "/v1/metrics", {"preds": zl, "labels": yl, "input": "logits", "metrics": [{"name": "calibration_error", "norm": norm}]},
        {"metrics": {"calibration_error": {"calibration_error": v, "bins": {"count": counts}}}}, "σ in float64, last bin closed at 1")
# multiclass: one-hot rows and saturated softmax
pm = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.1, 0.2, 0.7], [0.05, 0.9, 0.05], [0.0, 0.0, 1.0]]; ym = [0, 2, 2, 1, 2]
conf = np.max(pm, 1); acc = (np.argmax(pm, 1) == np.array(ym)).astype(float)
for norm in ["l1", "l2", "max"]:
    v, counts = ce(conf, acc, 10, norm)
    add(f"calibration_error multiclass one-hot rows {norm}", "/v1/metrics", {"task": "multiclass", "input": "probs", "preds": pm, "labels": ym, "metrics": [{"name": "calibration_error", "n_bins": 10, "norm": norm}]},
        {"metrics": {"calibration_error": {"calibration_error": v, "bins": {"count": counts}}}}, "torchmetrics 1.9 multiclass rule (top prob, argmax), last bin closed at 1")
zs = [[50.0, 0.0, -2.0], [0.0, 60.0, 1.0], [1.0, 2.0, 0.5]]; ys = [0, 0, 1]
ps = torch.softmax(torch.tensor(zs, dtype=torch.float64), 1).numpy(); assert ps[0, 0] == 1.0
conf = ps.max(1); acc = (ps.argmax(1) == np.array(ys)).astype(float); wts = [1.0, 2.0, 0.5]
v, counts = ce(conf, acc, 15, "l1", wts)
add("calibration_error multiclass saturated softmax, weighted", "/v1/metrics", {"task": "multiclass", "input": "logits", "preds": zs, "labels": ys, "sample_weight": wts, "metrics": ["calibration_error"]},
    {"metrics": {"calibration_error": {"calibration_error": v, "bins": {"count": counts}}}}, "softmax in float64, last bin closed at 1")
# cross-check with scikit-learn calibration_curve (uniform bins; no confidence on an inner edge)
rng2 = np.random.default_rng(3510)
pc = np.round(rng2.random(40), 3); pc[[3, 9, 17]] = 1.0; pc = np.where(np.isclose((pc * 10) % 1, 0), pc + 0.0005, pc); pc[[3, 9, 17]] = 1.0
yc = (rng2.random(40) < pc).astype(int)
prob_true, prob_pred = calibration_curve(yc, pc, n_bins=10, strategy="uniform")
counts = np.bincount(np.clip(np.searchsorted(np.linspace(0, 1, 11)[1:-1], pc), 0, 9), minlength=10)
sk = float(sum(abs(t - q) * k for t, q, k in zip(prob_true, prob_pred, counts[counts > 0])) / len(pc))
mine, _ = ce(pc, yc, 10, "l1"); assert abs(sk - mine) < 1e-12, (sk, mine)
add("calibration_error l1 equals the ECE of scikit-learn calibration_curve's bins (1.0 in the last bin)", "/v1/metrics", {"preds": pc.tolist(), "labels": yc.tolist(), "metrics": [{"name": "calibration_error", "n_bins": 10}]},
    {"metrics": {"calibration_error": {"calibration_error": sk}}}, f"scikit-learn {sklearn.__version__} calibration_curve(strategy='uniform'), weighted by bin counts")

# ---- 3. operating points without negatives ------------------------------------------------
def tmop(fn, p, y, m, **kw):
    v, t = fn(torch.tensor(p, dtype=torch.float64), torch.tensor(y), m, **kw)
    v, t = v.tolist(), t.tolist()
    return v, t
def clean(x):
    if isinstance(x, list): return [clean(e) for e in x]
    return None if x != x else x
ops = [("precision_at_fixed_recall", "min_recall", "binary_precision_at_fixed_recall", "multilabel_precision_at_fixed_recall"),
       ("recall_at_fixed_precision", "min_precision", "binary_recall_at_fixed_precision", "multilabel_recall_at_fixed_precision")]
for name, opt, bfn, mfn in ops:
    for th in [None, 5]:
        for p, y, m in [([0.9, 0.3], [1, 1], 0.5), ([0.2, 0.6, 0.6, 0.8], [1, 1, 1, 1], 0.8)]:
            v, t = tmop(getattr(F, bfn), p, y, m, thresholds=th)
            req = {"preds": p, "labels": y, "task": "binary", "metrics": [{"name": name, opt: m, **({"thresholds": th} if th else {})}]}
            add(f"{name} binary, positives only, {'binned 5' if th else 'exact'}, {p}", "/v1/metrics", req, {"metrics": {name: {name: v, "threshold": t}}}, f"torchmetrics {torchmetrics.__version__} {bfn} (float64)")
        pm = [[0.9, 0.2], [0.3, 0.7], [0.6, 0.4]]; ym = [[1, 0], [1, 1], [1, 0]]  # label 0: positives only
        v, t = tmop(lambda a, b, m, **kw: getattr(F, mfn)(a, b, 2, m, **kw), pm, ym, 0.5, thresholds=th)
        req = {"preds": pm, "labels": ym, "task": "multilabel", "metrics": [{"name": name, opt: 0.5, **({"thresholds": th} if th else {})}]}
        add(f"{name} multilabel, label 0 positives only, {'binned 5' if th else 'exact'}", "/v1/metrics", req, {"metrics": {name: {"per_class": clean(v), "thresholds": clean(t)}}}, f"torchmetrics {torchmetrics.__version__} {mfn} (float64)")

# ---- 4. empty batches: torchmetrics 1.9 raises on an empty tensor (#2279); the values it gives the
# same batch with every sample ignored (ignore_index) are the answer
ig = {}
pp = torch.tensor([0.3, 0.8], dtype=torch.float64); yy = torch.tensor([-1, -1])
for n in ["accuracy", "f1_score", "precision", "recall", "matthews_corrcoef"]:
    ig[n] = float(getattr(F, f"binary_{n}")(pp, yy, ignore_index=-1))
add("empty binary batch: threshold metrics as torchmetrics answers an all-ignored batch, ranking null", "/v1/metrics", {"preds": [], "labels": [], "metrics": list(ig) + ["auroc", "average_precision", "log_loss"]},
    {"metrics": {**{n: {n: v} for n, v in ig.items()}, "auroc": {"auroc": None}, "average_precision": {"average_precision": None}, "log_loss": {"log_loss": None}}}, f"torchmetrics {torchmetrics.__version__} binary_* with ignore_index dropping every sample")
PP = torch.tensor([[0.3, 0.3, 0.4]], dtype=torch.float64); YY = torch.tensor([-1])
mig = {n: float(getattr(F, f"multiclass_{n}")(PP, YY, 3, ignore_index=-1)) for n in ["accuracy", "f1_score", "recall"]}
add("empty multiclass batch (num_classes 3)", "/v1/metrics", {"preds": [], "labels": [], "task": "multiclass", "num_classes": 3, "metrics": list(mig) + ["auroc"]},
    {"metrics": {**{n: {n: v} for n, v in mig.items()}, "auroc": {"auroc": None, "per_class": [None, None, None]}}}, f"torchmetrics {torchmetrics.__version__} multiclass_* with every sample ignored")
add("empty batch on /v1/focal-loss: loss 0, count 0", "/v1/focal-loss", {"preds": [], "labels": []}, {"loss": 0, "count": 0}, "torchvision sigmoid_focal_loss of an empty tensor, mean over no elements answered 0 as for an all-ignored batch")
add("empty batch on /v1/score", "/v1/score", {"preds": [], "labels": [], "metrics": ["auroc", "f1_score"]}, {"loss": {"loss": 0, "count": 0}, "metrics": {"auroc": {"auroc": None}, "f1_score": {"f1_score": ig["f1_score"]}}}, "as above")
for url, field in [("/v1/auroc", "auroc"), ("/v1/average-precision", "average_precision"), ("/v1/roc", "fpr"), ("/v1/precision-recall-curve", "precision")]:
    add(f"empty batch on {url}", url, {"preds": [], "labels": []}, {field: None}, "undefined without samples (null), as an all-ignored batch")
    add(f"empty multilabel batch on {url} (num_labels 2)", url, {"preds": [], "labels": [], "task": "multilabel", "num_labels": 2}, {"per_class": [None, None]}, "undefined without samples (null), as an all-ignored batch")

json.dump({"generated_by": f"test/vectors/wrong-numbers.py (run with the reference venv): scikit-learn {sklearn.__version__}, torchmetrics {torchmetrics.__version__}, torch {torch.__version__}", "cases": cases}, open(__file__.replace(".py", ".json"), "w"), indent=1)
print(len(cases))
