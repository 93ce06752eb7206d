# Makes test/vectors/zero-division-nan.json: scikit-learn 1.9 with zero_division=np.nan.
import json, math
import numpy as np, sklearn
from sklearn.metrics import precision_score, recall_score, f1_score, fbeta_score, multilabel_confusion_matrix
from sklearn.metrics import jaccard_score as sk_jaccard
from sklearn.utils.extmath import _nanaverage


def jaccard_score(y_true, y_pred, *, average='binary', zero_division, sample_weight=None, labels=None):
    # scikit-learn's jaccard_score refuses zero_division=np.nan; this is its computation (the
    # multilabel confusion matrix, then _prf_divide's nan and _nanaverage) with nan allowed, as
    # precision_recall_fscore_support does it.
    assert np.isnan(zero_division)
    if average == 'binary':
        return jaccard_score(y_true, y_pred, average=None, zero_division=zero_division, sample_weight=sample_weight, labels=[1])[0]
    samplewise = average == 'samples'
    if labels is None and np.ndim(y_true) == 1:
        labels = sorted(set(y_true) | set(y_pred))
    mcm = multilabel_confusion_matrix(y_true, y_pred, sample_weight=sample_weight, labels=labels, samplewise=samplewise)
    num = mcm[:, 1, 1].astype(float); den = (mcm[:, 1, 1] + mcm[:, 0, 1] + mcm[:, 1, 0]).astype(float)
    if average == 'micro':
        num, den = np.array([num.sum()]), np.array([den.sum()])
    with np.errstate(invalid='ignore', divide='ignore'):
        j = np.where(den == 0, np.nan, num / np.where(den == 0, 1, den))
    # cross-check the defined values against scikit-learn's own jaccard_score
    ref = sk_jaccard(y_true, y_pred, average=None if average in ('macro', 'weighted', None) else average, zero_division=0, sample_weight=sample_weight, labels=labels)
    if average in ('macro', 'weighted', None):
        assert np.allclose(np.nan_to_num(j), ref)
    if average is None:
        return j
    weights = (mcm[:, 1, 1] + mcm[:, 1, 0]) if average == 'weighted' else sample_weight if average == 'samples' else None
    return _nanaverage(j, weights=weights)

def v(x):
    if np.ndim(x) == 0:
        x = float(x); return None if math.isnan(x) else x
    return [v(e) for e in x]

cases = []
def add(name, request, fn, y_true, y_pred, metric, sw=None, **kw):
    expected = {}
    avg = kw.pop('average')
    got = fn(y_true, y_pred, average=avg, zero_division=np.nan, sample_weight=sw, **kw)
    per = fn(y_true, y_pred, average=None, zero_division=np.nan, sample_weight=sw, **kw) if avg not in ('binary', 'samples') else None
    key = metric['name']
    exp = {key: v(got)}
    if per is not None and avg in ('macro', 'weighted', 'micro'):
        exp['per_class'] = v(per)
    if avg is None:
        exp = {key: None, 'per_class': v(got)}
    req = dict(request); req['metrics'] = [metric]
    if sw is not None: req['sample_weight'] = sw
    cases.append({"name": name, "endpoint": "/v1/metrics", "request": req, "expected": {"metrics": {key: exp}},
                  "tolerance": {"rel": 1e-12, "abs": 1e-15}, "source": f"scikit-learn {sklearn.__version__} {fn.__name__}(average={avg!r}, zero_division=np.nan)"})

# Multiclass, 4 classes given as class indices: class 2 never predicted (precision 0/0), class 3 absent from labels
# and never predicted (left out by scikit-learn's labels and by torchmetrics alike), class 1 predicted but never true (recall 0/0).
yt = [0, 0, 2, 2, 0, 2]
yp = [0, 1, 0, 0, 0, 1]
mc = {"task": "multiclass", "num_classes": 4, "preds": yp, "labels": yt}
L = [0, 1, 2]  # the classes that occur (scikit-learn's default labels)
for fn, name, extra in [(precision_score, 'precision', {}), (recall_score, 'recall', {}), (f1_score, 'f1_score', {}), (jaccard_score, 'jaccard_index', {})]:
    for avg in ['macro', 'weighted', 'micro']:
        got = fn(yt, yp, average=avg, zero_division=np.nan)
        per = fn(yt, yp, average=None, labels=[0, 1, 2, 3], zero_division=np.nan)
        cases.append({"name": f"multiclass {name} {avg}, zero_division nan", "endpoint": "/v1/metrics",
                      "request": {**mc, "metrics": [{"name": name, "average": avg, "zero_division": "nan"}]},
                      "expected": {"metrics": {name: {name: v(got), "per_class": v(per)}}},
                      "tolerance": {"rel": 1e-12, "abs": 1e-15},
                      "source": f"scikit-learn {sklearn.__version__} {fn.__name__}(average={avg!r}, zero_division=np.nan); per_class with labels=[0, 1, 2, 3]"})
# fbeta with beta 2
for avg in ['macro', 'weighted']:
    got = fbeta_score(yt, yp, beta=2, average=avg, zero_division=np.nan)
    per = fbeta_score(yt, yp, beta=2, average=None, labels=[0, 1, 2, 3], zero_division=np.nan)
    cases.append({"name": f"multiclass fbeta_score beta 2 {avg}, zero_division nan", "endpoint": "/v1/metrics",
                  "request": {**mc, "metrics": [{"name": "fbeta_score", "beta": 2, "average": avg, "zero_division": "nan"}]},
                  "expected": {"metrics": {"fbeta_score": {"fbeta_score": v(got), "per_class": v(per)}}},
                  "tolerance": {"rel": 1e-12, "abs": 1e-15}, "source": f"scikit-learn {sklearn.__version__} fbeta_score(beta=2, average={avg!r}, zero_division=np.nan)"})

# Multiclass weighted with sample weights
sw = [1.0, 2.0, 0.5, 3.0, 1.5, 1.0]
for fn, name in [(precision_score, 'precision'), (recall_score, 'recall'), (f1_score, 'f1_score')]:
    got = fn(yt, yp, average='weighted', zero_division=np.nan, sample_weight=sw)
    cases.append({"name": f"multiclass {name} weighted with sample_weight, zero_division nan", "endpoint": "/v1/metrics",
                  "request": {**mc, "sample_weight": sw, "metrics": [{"name": name, "average": "weighted", "zero_division": "nan"}]},
                  "expected": {"metrics": {name: {name: v(got)}}},
                  "tolerance": {"rel": 1e-12, "abs": 1e-15}, "source": f"scikit-learn {sklearn.__version__} {fn.__name__}(average='weighted', zero_division=np.nan, sample_weight=...)"})

# Binary: nothing predicted positive -> precision nan; recall defined.
bt = [1, 0, 1, 0]; bp = [0.1, 0.2, 0.4, 0.3]
bdec = [int(p > 0.5) for p in bp]
for fn, name in [(precision_score, 'precision'), (recall_score, 'recall'), (f1_score, 'f1_score'), (jaccard_score, 'jaccard_index')]:
    got = fn(bt, bdec, zero_division=np.nan)
    cases.append({"name": f"binary {name}, nothing predicted positive, zero_division nan", "endpoint": "/v1/metrics",
                  "request": {"task": "binary", "preds": bp, "labels": bt, "metrics": [{"name": name, "zero_division": "nan"}]},
                  "expected": {"metrics": {name: {name: v(got)}}},
                  "tolerance": {"rel": 1e-12, "abs": 1e-15}, "source": f"scikit-learn {sklearn.__version__} {fn.__name__}(average='binary', zero_division=np.nan) of p > 0.5"})
# Binary all negative and nothing predicted: every one nan
got = f1_score([0, 0], [0, 0], zero_division=np.nan)
cases.append({"name": "binary f1_score, no positives and nothing predicted, zero_division nan", "endpoint": "/v1/metrics",
              "request": {"task": "binary", "preds": [0.1, 0.2], "labels": [0, 0], "metrics": [{"name": "f1_score", "zero_division": "nan"}]},
              "expected": {"metrics": {"f1_score": {"f1_score": v(got)}}}, "tolerance": {"rel": 1e-12, "abs": 1e-15},
              "source": f"scikit-learn {sklearn.__version__} f1_score(average='binary', zero_division=np.nan)"})

# Multilabel, 4 labels: label 1 never predicted nor true (all nan), label 2 never true but predicted (recall nan, precision 0),
# label 3 true but never predicted (precision nan); row 3 has nothing true nor predicted (samples nan).
mp = [[0.9, 0.1, 0.8, 0.2], [0.2, 0.3, 0.1, 0.4], [0.7, 0.2, 0.6, 0.1], [0.1, 0.1, 0.2, 0.3], [0.6, 0.4, 0.3, 0.2]]
mt = [[1, 0, 0, 1], [1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1]]
md = (np.array(mp) > 0.5).astype(int)
msw = [1.0, 0.5, 2.0, 1.0, 3.0]
for fn, name in [(precision_score, 'precision'), (recall_score, 'recall'), (f1_score, 'f1_score'), (jaccard_score, 'jaccard_index')]:
    for avg in ['macro', 'weighted', 'micro', 'samples', None]:
        for w in [None, msw]:
            if w is not None and avg not in ('weighted', 'samples'):
                continue
            got = fn(mt, md, average=avg, zero_division=np.nan, sample_weight=w)
            a = 'none' if avg is None else avg
            exp = {name: None, "per_class": v(got)} if avg is None else {name: v(got)}
            if avg in ('macro', 'weighted', 'micro'):
                exp["per_class"] = v(fn(mt, md, average=None, zero_division=np.nan, sample_weight=w))
            req = {"task": "multilabel", "num_labels": 4, "preds": mp, "labels": mt, "metrics": [{"name": name, "average": a, "zero_division": "nan"}]}
            if w is not None: req["sample_weight"] = w
            cases.append({"name": f"multilabel {name} {a}{' with sample_weight' if w else ''}, zero_division nan", "endpoint": "/v1/metrics",
                          "request": req, "expected": {"metrics": {name: exp}}, "tolerance": {"rel": 1e-12, "abs": 1e-15},
                          "source": f"scikit-learn {sklearn.__version__} {fn.__name__}(average={avg!r}, zero_division=np.nan) of p > 0.5"})
# Multilabel weighted where the defined values all weigh 0: precision of a label predicted but never true.
wt = [[0, 0], [0, 1]]; wp = [[0.9, 0.1], [0.8, 0.2]]
wd = (np.array(wp) > 0.5).astype(int)
got = precision_score(wt, wd, average='weighted', zero_division=np.nan)
cases.append({"name": "multilabel precision weighted, defined values all weigh 0 (plain mean), zero_division nan", "endpoint": "/v1/metrics",
              "request": {"task": "multilabel", "num_labels": 2, "preds": wp, "labels": wt, "metrics": [{"name": "precision", "average": "weighted", "zero_division": "nan"}]},
              "expected": {"metrics": {"precision": {"precision": v(got), "per_class": v(precision_score(wt, wd, average=None, zero_division=np.nan))}}},
              "tolerance": {"rel": 1e-12, "abs": 1e-15}, "source": f"scikit-learn {sklearn.__version__} precision_score(average='weighted', zero_division=np.nan)"})

import warnings
json.dump({"generated_by": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; script: test/vectors/zero-division-nan.py", "cases": cases},
          open('/work/wt-fidelity-options/test/vectors/zero-division-nan.json', 'w'), indent=1)
print(len(cases))
for c in cases: print(c['name'], json.dumps(c['expected']))
