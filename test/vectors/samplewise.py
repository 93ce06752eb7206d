# Makes test/vectors/samplewise.json: multidim_average="samplewise" (and "global" on the same
# [N, ...] inputs) against torchmetrics 1.9's functionals in float64, and a weighted case against
# scikit-learn run by hand on each sample's elements (torchmetrics has no sample_weight).
# Run: /work/.venv-ref/bin/python test/vectors/samplewise.py > test/vectors/samplewise.json
import json, math
import numpy as np, torch, sklearn, torchmetrics
import torchmetrics.functional.classification as F
from sklearn.metrics import precision_score, f1_score, recall_score

torch.set_default_dtype(torch.float64)
# torchmetrics casts its integer counts with `.float()` (float32) before dividing: float64 throughout,
# as the service computes, so the values agree to 1e-12 rather than to float32's 1e-7.
torch.Tensor.float = lambda self, *args, **kwargs: self.double()
rng = np.random.default_rng(24)
TOL = {"rel": 1e-12, "abs": 1e-12}
TM = f"torchmetrics {torchmetrics.__version__} (torch {torch.__version__}, float64)"
cases = []


def v(x):
    if isinstance(x, torch.Tensor):
        x = x.tolist()
    if isinstance(x, list):
        return [v(e) for e in x]
    x = float(x)
    return None if math.isnan(x) else x


def r3(a):
    return np.round(a, 3).tolist()


# Binary [N, M] = [3, 5] probabilities, and [2, 2, 3] logits; sample 2 of the first has no positive label.
bp = rng.random((3, 5)); bt = (rng.random((3, 5)) > 0.5).astype(int); bt[2] = 0
bl = rng.normal(0, 2, (2, 2, 3)); btl = (rng.random((2, 2, 3)) > 0.5).astype(int)
# Multiclass scores [N, C, H, W] = [3, 4, 2, 2]: class 3 absent from sample 0's labels and predictions.
mp = rng.random((3, 4, 2, 2)); mp[0, 3] = 0.0; mt = rng.integers(0, 3, (3, 2, 2)); mt[1:] = rng.integers(0, 4, (2, 2, 2))
# Multiclass class indices [N, M] = [3, 4].
mi_p = rng.integers(0, 3, (3, 4)); mi_t = rng.integers(0, 3, (3, 4))
# Multilabel [N, L, M] = [3, 3, 4].
lp = rng.random((3, 3, 4)); lt = (rng.random((3, 3, 4)) > 0.5).astype(int); lt[1, 2] = 0

binary = {"task": "binary", "preds": r3(bp), "labels": bt.tolist()}
binary_logits = {"task": "binary", "preds": r3(bl), "labels": btl.tolist()}
multiclass = {"preds": r3(mp), "labels": mt.tolist()}  # task inferred: preds one rank above labels
indices = {"task": "multiclass", "num_classes": 3, "preds": mi_p.tolist(), "labels": mi_t.tolist()}
multilabel = {"task": "multilabel", "preds": r3(lp), "labels": lt.tolist()}
T = lambda a: torch.tensor(np.round(a, 3)) if np.asarray(a).dtype.kind == 'f' else torch.tensor(a)

RATES = {
    "accuracy": "accuracy", "precision": "precision", "recall": "recall", "specificity": "specificity",
    "negative_predictive_value": "negative_predictive_value", "f1_score": "f1_score", "hamming_distance": "hamming_distance",
}


def tm(task, name, preds, target, **kw):
    fn = getattr(F, f"{task}_{name}")
    return fn(T(preds), T(target), multidim_average="samplewise", **kw)


def stat_fields(res):
    res = res.tolist()
    # torchmetrics stacks [tp, fp, tn, fn, support] on the last axis: the service answers them by field.
    pick = lambda k: (lambda x: [pick(k)(e) for e in x] if isinstance(x[0], list) else x[k])
    return {f: pick(k)(res) for k, f in enumerate(["tp", "fp", "tn", "fn", "support"])}


def add(name, request, metric, expected, source=TM):
    req = dict(request); req["metrics"] = [metric]
    key = metric.get("key", metric["name"])
    cases.append({"name": name, "endpoint": "/v1/metrics", "request": req, "expected": {"metrics": {key: expected}}, "tolerance": TOL, "source": source})


def sw(metric, **opts):
    return {"name": metric, "multidim_average": "samplewise", **opts}


# Binary: every metric, probabilities and logits, ignore_index, zero_division.
for data, tag, (p, t) in [(binary, "probs", (bp, bt)), (binary_logits, "logits", (bl, btl))]:
    for name, fn in RATES.items():
        add(f"binary {tag} {name} samplewise", data, sw(name), {name: v(tm("binary", fn, p, t))})
    add(f"binary {tag} fbeta_score beta 2 samplewise", data, sw("fbeta_score", beta=2), {"fbeta_score": v(tm("binary", "fbeta_score", p, t, beta=2.0))})
    add(f"binary {tag} stat_scores samplewise", data, sw("stat_scores"), stat_fields(tm("binary", "stat_scores", p, t)))
bti = bt.copy(); bti[0, :2] = -1; bti[1, :] = -1  # sample 1 entirely ignored
for name in ["accuracy", "precision", "recall", "f1_score"]:
    add(f"binary {name} samplewise, ignore_index -1 (a sample wholly ignored)", {**binary, "labels": bti.tolist(), "ignore_index": -1}, sw(name),
        {name: v(tm("binary", name, bp, bti, ignore_index=-1))})
for zd in [0, 1]:
    for name in ["precision", "recall", "f1_score", "negative_predictive_value"]:
        add(f"binary {name} samplewise, zero_division {zd} (a sample without positives)", binary, sw(name, zero_division=zd),
            {name: v(tm("binary", name, bp, bt, zero_division=zd))})
add("binary threshold 0.3 recall samplewise", binary, sw("recall", threshold=0.3), {"recall": v(tm("binary", "recall", bp, bt, threshold=0.3))})

# Multiclass scores [N, C, H, W]: every metric, every average, top_k, ignore_index in and out of range.
for name, fn in RATES.items():
    for avg in ["micro", "macro", "weighted", "none"]:
        got = tm("multiclass", fn, mp, mt, num_classes=4, average=avg)
        exp = {name: None, "per_class": v(got)} if avg == "none" else {name: v(got)}
        if avg in ("macro", "weighted"):
            exp["per_class"] = v(tm("multiclass", fn, mp, mt, num_classes=4, average="none"))
        add(f"multiclass [N, C, H, W] {name} {avg} samplewise", multiclass, sw(name, average=avg), exp)
for avg in ["micro", "macro", "weighted", "none"]:
    got = tm("multiclass", "fbeta_score", mp, mt, num_classes=4, average=avg, beta=0.5)
    add(f"multiclass fbeta_score beta 0.5 {avg} samplewise", multiclass, sw("fbeta_score", beta=0.5, average=avg), {"fbeta_score": None, "per_class": v(got)} if avg == "none" else {"fbeta_score": v(got)})
    add(f"multiclass stat_scores {avg} samplewise", multiclass, sw("stat_scores", average=avg), stat_fields(tm("multiclass", "stat_scores", mp, mt, num_classes=4, average=avg)))
add("multiclass exact_match samplewise", multiclass, sw("exact_match"), {"exact_match": v(tm("multiclass", "exact_match", mp, mt, num_classes=4))})
for name in ["accuracy", "precision", "recall", "f1_score", "specificity"]:
    for avg in ["macro", "micro"]:
        add(f"multiclass {name} {avg} samplewise, top_k 2", multiclass, sw(name, average=avg, top_k=2), {name: v(tm("multiclass", name, mp, mt, num_classes=4, average=avg, top_k=2))})
for ignore in [-1, 1]:
    mti = mt.copy(); mti[0, 0, :] = ignore; mti[2, 1, 1] = ignore
    for name in ["accuracy", "precision", "recall", "f1_score", "exact_match"]:
        kw = {} if name == "exact_match" else {"average": "macro"}
        add(f"multiclass {name} samplewise, ignore_index {ignore}", {**multiclass, "labels": mti.tolist(), "ignore_index": ignore}, sw(name, **kw),
            {name: v(tm("multiclass", name, mp, mti, num_classes=4, ignore_index=ignore, **kw))})
    add(f"multiclass stat_scores none samplewise, ignore_index {ignore}", {**multiclass, "labels": mti.tolist(), "ignore_index": ignore}, sw("stat_scores", average="none"),
        stat_fields(tm("multiclass", "stat_scores", mp, mti, num_classes=4, ignore_index=ignore, average="none")))
for zd in [0, 1]:
    add(f"multiclass precision none samplewise, zero_division {zd}", multiclass, sw("precision", average="none", zero_division=zd),
        {"precision": None, "per_class": v(tm("multiclass", "precision", mp, mt, num_classes=4, average="none", zero_division=zd))})

# Multiclass class indices [N, M].
for name in ["accuracy", "precision", "f1_score", "hamming_distance"]:
    for avg in ["micro", "macro"]:
        add(f"multiclass class indices {name} {avg} samplewise", indices, sw(name, average=avg), {name: v(tm("multiclass", name, mi_p, mi_t, num_classes=3, average=avg))})
add("multiclass class indices exact_match samplewise", indices, sw("exact_match"), {"exact_match": v(tm("multiclass", "exact_match", mi_p, mi_t, num_classes=3))})

# Multilabel [N, L, M].
for name, fn in RATES.items():
    for avg in ["micro", "macro", "weighted", "none"]:
        got = tm("multilabel", fn, lp, lt, num_labels=3, average=avg)
        add(f"multilabel {name} {avg} samplewise", multilabel, sw(name, average=avg), {name: None, "per_class": v(got)} if avg == "none" else {name: v(got)})
for avg in ["micro", "macro", "none"]:
    add(f"multilabel stat_scores {avg} samplewise", multilabel, sw("stat_scores", average=avg), stat_fields(tm("multilabel", "stat_scores", lp, lt, num_labels=3, average=avg)))
add("multilabel exact_match samplewise", multilabel, sw("exact_match"), {"exact_match": v(tm("multilabel", "exact_match", lp, lt, num_labels=3))})
lti = lt.copy(); lti[0, :, 0] = -1; lti[2, 1, :] = -1
for name in ["precision", "f1_score", "exact_match"]:
    kw = {} if name == "exact_match" else {"average": "macro"}
    add(f"multilabel {name} samplewise, ignore_index -1", {**multilabel, "labels": lti.tolist(), "ignore_index": -1}, sw(name, **kw),
        {name: v(tm("multilabel", name, lp, lti, num_labels=3, ignore_index=-1, **kw))})
add("multilabel recall macro samplewise, zero_division 1", multilabel, sw("recall", average="macro", zero_division=1),
    {"recall": v(tm("multilabel", "recall", lp, lt, num_labels=3, average="macro", zero_division=1))})

# Global on the same [N, ...] inputs: torchmetrics flattens the extra dimensions.
for data, task, p, t, kw in [(binary, "binary", bp, bt, {}), (multiclass, "multiclass", mp, mt, {"num_classes": 4}), (multilabel, "multilabel", lp, lt, {"num_labels": 3})]:
    got = getattr(F, f"{task}_f1_score")(T(p), T(t), **kw)
    add(f"{task} [N, ...] f1_score global", data, {"name": "f1_score"}, {"f1_score": v(got)})

# Samplewise and global of one metric in one request: two compute groups, neither the other's.
both = dict(multiclass); both["metrics"] = [sw("f1_score"), {"name": "f1_score", "key": "f1_global"}]
cases.append({"name": "multiclass f1_score samplewise and global in one request", "endpoint": "/v1/metrics", "request": both,
              "expected": {"metrics": {"f1_score": {"f1_score": v(tm("multiclass", "f1_score", mp, mt, num_classes=4))},
                                        "f1_global": {"f1_score": v(F.multiclass_f1_score(T(mp), T(mt), num_classes=4))}}},
              "tolerance": TOL, "source": TM})

# sample_weight, per element (shaped like the labels; multilabel without the label axis): each
# sample's weighted metric by scikit-learn over that sample's elements alone.
bw = np.round(rng.uniform(0.5, 2.0, (3, 5)), 2)
add("binary precision samplewise, sample_weight [N, M]", {**binary, "sample_weight": bw.tolist()}, sw("precision"),
    {"precision": [precision_score(bt[n], bp[n].round(3) > 0.5, sample_weight=bw[n], zero_division=0) for n in range(3)]},
    f"scikit-learn {sklearn.__version__} precision_score per sample (its elements, their weights)")
mw = np.round(rng.uniform(0.5, 2.0, (3, 2, 2)), 2)
mpred = np.round(mp, 3).argmax(1)
add("multiclass f1_score macro samplewise, sample_weight [N, H, W]", {**multiclass, "sample_weight": mw.tolist()}, sw("f1_score", average="macro"),
    {"f1_score": [f1_score(mt[n].ravel(), mpred[n].ravel(), average="macro", sample_weight=mw[n].ravel()) for n in range(3)]},
    f"scikit-learn {sklearn.__version__} f1_score(average='macro') per sample (its present classes, as torchmetrics' macro leaves out the others)")
add("multiclass recall weighted samplewise, sample_weight [N, H, W]", {**multiclass, "sample_weight": mw.tolist()}, sw("recall", average="weighted"),
    {"recall": [recall_score(mt[n].ravel(), mpred[n].ravel(), average="weighted", sample_weight=mw[n].ravel(), zero_division=0) for n in range(3)]},
    f"scikit-learn {sklearn.__version__} recall_score(average='weighted') per sample")
lw = np.round(rng.uniform(0.5, 2.0, (3, 4)), 2)
lpred = (np.round(lp, 3) > 0.5).astype(int)
add("multilabel precision micro samplewise, sample_weight [N, M]", {**multilabel, "sample_weight": lw.tolist()}, sw("precision", average="micro"),
    {"precision": [precision_score(lt[n].T, lpred[n].T, average="micro", sample_weight=lw[n], zero_division=0) for n in range(3)]},
    f"scikit-learn {sklearn.__version__} precision_score(average='micro') per sample (rows: its positions, weighted)")

print(json.dumps({"generated_by": f"{TM}; scikit-learn {sklearn.__version__}; script: test/vectors/samplewise.py", "cases": cases}, indent=1))
