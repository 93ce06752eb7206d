"""Times the reference libraries on the data load/bench.ts wrote: one thread, median of runs.

Usage: python3 load/reference_bench.py DIR   (prints one JSON object of milliseconds)
"""
import json
import sys
import time

import numpy as np

d = sys.argv[1]
meta = json.load(open(f"{d}/meta.json"))


def median_ms(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


out = {}
try:
    import torch

    torch.set_num_threads(1)
    rows, classes = meta["focal"]
    logits = torch.from_numpy(np.fromfile(f"{d}/focal_logits.f64", dtype=np.float64).reshape(rows, classes))
    labels = torch.from_numpy(np.fromfile(f"{d}/focal_labels.i32", dtype=np.int32).astype(np.int64))
    alpha = torch.full((classes,), 0.75, dtype=torch.float64)
    alpha[0] = 0.25

    def focal():
        x = logits.clone().requires_grad_(True)
        logp = torch.log_softmax(x, dim=1).gather(1, labels.view(-1, 1)).view(-1)
        p = logp.exp()
        loss = (-alpha.gather(0, labels) * (1 - p) ** 2 * logp).mean()
        loss.backward()
        return x.grad

    out["torch_focal_ms"] = median_ms(focal, 7)
except ImportError:
    pass

try:
    from sklearn.metrics import roc_auc_score, roc_curve

    scores = np.fromfile(f"{d}/binary_scores.f64", dtype=np.float64)
    blabels = np.fromfile(f"{d}/binary_labels.i32", dtype=np.int32)
    out["sklearn_binary_ms"] = median_ms(lambda: roc_auc_score(blabels, scores), 7)
    # What exact threshold tuning is measured against: one roc_curve (its sort and cumulative counts).
    out["sklearn_roc_curve_ms"] = median_ms(lambda: roc_curve(blabels, scores), 7)
    bweights = np.fromfile(f"{d}/binary_weights.f64", dtype=np.float64)
    out["sklearn_weighted_binary_ms"] = median_ms(lambda: roc_auc_score(blabels, scores, sample_weight=bweights), 7)
    rows, classes = meta["multiclass"]
    probs = np.fromfile(f"{d}/mc_probs.f64", dtype=np.float64).reshape(rows, classes)
    mlabels = np.fromfile(f"{d}/mc_labels.i32", dtype=np.int32)
    out["sklearn_multiclass_ms"] = median_ms(lambda: roc_auc_score(mlabels, probs, multi_class="ovr"), 7)
except ImportError:
    pass

try:
    import torch
    from torchmetrics.functional import classification as tmf

    torch.set_num_threads(1)
    rows, classes = meta["threshold"]
    preds = torch.from_numpy(np.fromfile(f"{d}/threshold_probs.f64", dtype=np.float64).reshape(rows, classes))
    target = torch.from_numpy(np.fromfile(f"{d}/threshold_labels.i32", dtype=np.int32).astype(np.int64))
    # The fourteen of the sixteen that torchmetrics has, one functional call each, as users call them
    # (balanced accuracy and the geometric mean are scikit-learn / imbalanced-learn).
    calls = [
        lambda: tmf.multiclass_stat_scores(preds, target, num_classes=classes),
        lambda: tmf.multiclass_confusion_matrix(preds, target, num_classes=classes),
        lambda: tmf.multiclass_accuracy(preds, target, num_classes=classes),
        lambda: tmf.multiclass_precision(preds, target, num_classes=classes),
        lambda: tmf.multiclass_recall(preds, target, num_classes=classes),
        lambda: tmf.multiclass_specificity(preds, target, num_classes=classes),
        lambda: tmf.multiclass_negative_predictive_value(preds, target, num_classes=classes),
        lambda: tmf.multiclass_f1_score(preds, target, num_classes=classes),
        lambda: tmf.multiclass_fbeta_score(preds, target, beta=2.0, num_classes=classes),
        lambda: tmf.multiclass_jaccard_index(preds, target, num_classes=classes),
        lambda: tmf.multiclass_hamming_distance(preds, target, num_classes=classes),
        lambda: tmf.multiclass_exact_match(preds, target, num_classes=classes),
        lambda: tmf.multiclass_matthews_corrcoef(preds, target, num_classes=classes),
        lambda: tmf.multiclass_cohen_kappa(preds, target, num_classes=classes),
    ]
    out["torchmetrics_threshold_family_ms"] = median_ms(lambda: [call() for call in calls], 5)
    out["torchmetrics_stat_scores_ms"] = median_ms(calls[0], 7)
    out["torchmetrics_calibration_ms"] = median_ms(lambda: tmf.multiclass_calibration_error(preds, target, num_classes=classes, n_bins=15), 5)
except ImportError:
    pass

try:
    from sklearn.metrics import brier_score_loss, log_loss

    rows, classes = meta["threshold"]
    probs = np.fromfile(f"{d}/threshold_probs.f64", dtype=np.float64).reshape(rows, classes)
    labels = np.fromfile(f"{d}/threshold_labels.i32", dtype=np.int32)
    out["sklearn_log_loss_ms"] = median_ms(lambda: log_loss(labels, probs, labels=list(range(classes))), 5)
    onehot = np.eye(classes)[labels]
    try:  # scikit-learn >= 1.7 takes multiclass probabilities
        out["brier_ms"] = median_ms(lambda: brier_score_loss(labels, probs, labels=list(range(classes))), 5)
    except (TypeError, ValueError):
        out["brier_ms"] = median_ms(lambda: float(np.mean(np.sum((probs - onehot) ** 2, axis=1))), 5)
except ImportError:
    pass

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator
    from sklearn.isotonic import IsotonicRegression

    scores = np.fromfile(f"{d}/binary_scores.f64", dtype=np.float64)
    blabels = np.fromfile(f"{d}/binary_labels.i32", dtype=np.int32)
    out["sklearn_isotonic_ms"] = median_ms(lambda: IsotonicRegression(out_of_bounds="clip").fit(scores, blabels), 5)

    class Logits(ClassifierMixin, BaseEstimator):
        """A frozen model whose decision_function is its input: the logits themselves."""

        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

        def decision_function(self, X):
            return X

        def predict(self, X):
            return self.classes_[np.argmax(X, axis=1)]

    rows, classes = meta["multiclass"]
    logits = np.fromfile(f"{d}/mc_logits.f64", dtype=np.float64).reshape(rows, classes)
    mlabels = np.fromfile(f"{d}/mc_labels.i32", dtype=np.int32)
    frozen = FrozenEstimator(Logits().fit(logits, mlabels))
    out["sklearn_temperature_ms"] = median_ms(lambda: CalibratedClassifierCV(frozen, method="temperature").fit(logits, mlabels), 5)
except ImportError:
    pass

# GROUPS.md's reference: fairlearn's MetricFrame cannot be installed here, so each group's rows are
# masked out and passed to the library, one call per group (what MetricFrame does inside).
groups_file = f"{d}/groups.i32"
try:
    import torch
    from sklearn.metrics import roc_auc_score
    from torchmetrics.functional import classification as tmf

    torch.set_num_threads(1)
    g = np.fromfile(groups_file, dtype=np.int32)
    n_groups = meta["groups"]
    scores = np.fromfile(f"{d}/binary_scores.f64", dtype=np.float64)
    blabels = np.fromfile(f"{d}/binary_labels.i32", dtype=np.int32)
    out["sklearn_binary_by_group_ms"] = median_ms(lambda: [roc_auc_score(blabels[g == k], scores[g == k]) for k in range(n_groups)], 5)
    rows, classes = meta["threshold"]
    preds = torch.from_numpy(np.fromfile(f"{d}/threshold_probs.f64", dtype=np.float64).reshape(rows, classes))
    target = torch.from_numpy(np.fromfile(f"{d}/threshold_labels.i32", dtype=np.int32).astype(np.int64))
    tg = torch.from_numpy(g.astype(np.int64))

    def family_by_group():
        for k in range(n_groups):
            mask = tg == k
            p, t = preds[mask], target[mask]
            for call in (tmf.multiclass_stat_scores, tmf.multiclass_confusion_matrix, tmf.multiclass_accuracy, tmf.multiclass_precision,
                         tmf.multiclass_recall, tmf.multiclass_specificity, tmf.multiclass_negative_predictive_value, tmf.multiclass_f1_score,
                         tmf.multiclass_jaccard_index, tmf.multiclass_hamming_distance, tmf.multiclass_exact_match,
                         tmf.multiclass_matthews_corrcoef, tmf.multiclass_cohen_kappa):
                call(p, t, num_classes=classes)
            tmf.multiclass_fbeta_score(p, t, beta=2.0, num_classes=classes)

    out["torchmetrics_threshold_family_by_group_ms"] = median_ms(family_by_group, 3)
except (ImportError, FileNotFoundError):
    pass

print(json.dumps(out))
