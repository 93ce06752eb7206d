"""The end of a validation epoch: its decisions from the service, then applied without it.

A toy epoch (deterministic, about one positive in eight) of an overconfident binary model's logits
goes once to POST /v1/calibration (temperature scaling, one T) and, calibrated, to POST /v1/thresholds
(the threshold that maximises F1 over a grid of 19); the temperature T and the threshold t are then
applied in plain Python, as a deployed model would: the positive class where sigmoid(z / T) >= t.

Standard library only. BASE_URL (default http://localhost:8080) names the service.
"""
import json
import math
import os
import urllib.request

BASE_URL = os.environ.get("BASE_URL", "http://localhost:8080")


def post(path, body):
    """POSTs a JSON body and answers the JSON answer (a 4xx raises HTTPError; its body is problem+json)."""
    request = urllib.request.Request(BASE_URL + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def sigmoid(z):
    """1 / (1 + exp(-z)), without overflow at large |z|."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def validation_epoch(batches=4, rows=64, seed=2027):
    """Batches of (logits, labels) of an overconfident model, about one positive in eight; the same on
    every machine (a linear congruential generator, not the random module)."""
    state = seed

    def uniform():
        nonlocal state
        state = (1103515245 * state + 12345) % 2**31
        return state / 2**31

    for _ in range(batches):
        labels = [1 if uniform() < 0.125 else 0 for _ in range(rows)]
        # Some evidence for the positive class, scaled by 8: confident beyond what it knows.
        logits = [round(8.0 * (2.0 * uniform() - 1.6 + 0.9 * y), 4) for y in labels]
        yield logits, labels


def main():
    logits, labels = [], []
    for batch_logits, batch_labels in validation_epoch():
        # ... the model's forward pass on the batch, its loss ...
        logits += batch_logits
        labels += batch_labels

    # 1. Temperature scaling over the epoch's logits: one T, p = sigmoid(z / T).
    calibration = post("/v1/calibration", {"preds": logits, "labels": labels, "input": "logits", "method": "temperature"})
    temperature = calibration["temperature"]
    probs = [sigmoid(z / temperature) for z in logits]

    # 2. The threshold on the calibrated probabilities that maximises F1 (decisions p >= t).
    grid = [k / 20 for k in range(1, 20)]
    tuned = post("/v1/thresholds", {"preds": probs, "labels": labels, "input": "probs", "objective": "f1_score", "thresholds": grid})
    threshold = tuned["threshold"]

    # 3. Both applied in plain code, without the service.
    decisions = [1 if sigmoid(z / temperature) >= threshold else 0 for z in logits]
    tp = sum(1 for d, y in zip(decisions, labels) if d and y)
    fp = sum(1 for d, y in zip(decisions, labels) if d and not y)
    fn = sum(1 for d, y in zip(decisions, labels) if not d and y)
    print(f"temperature: {temperature!r}")
    print(f"log loss before, after: {calibration['before']['log_loss']!r}, {calibration['after']['log_loss']!r}")
    print(f"threshold: {threshold!r} (F1 {tuned['objective']!r})")
    print(f"plain code: {sum(decisions)} of {len(decisions)} rows positive, F1 {2 * tp / (2 * tp + fp + fn)!r}")
    print(f"positive rows: {[i for i, d in enumerate(decisions) if d]}")


if __name__ == "__main__":
    main()
