# Makes test/vectors/classification-report-text.json: scikit-learn 1.9's classification_report
# text (output_dict=False, digits=2), which POST /v1/metrics answers with Accept: text/plain.
# The requests are groups.json's classification_report cases plus two of our own: a report whose
# values are exact ties at two decimals (0.125, 0.375: Python rounds half to even), and a
# multiclass report of 11 classes (names still narrower than "weighted avg").
import json
import numpy as np, sklearn
from sklearn.metrics import classification_report

groups = json.load(open('test/reference/groups.json'))
requests = [(c['name'], c['request']) for c in groups['cases'] if c['request'].get('metrics') and 'groups' not in c['request']
            and any((m if isinstance(m, str) else m['name']) == 'classification_report' for m in c['request']['metrics'])]

# Ties: class 1 predicted 8 times, right once (precision 1/8); class 0 ...
tie_labels = [1] + [0] * 7 + [1] * 7 + [0] * 9
tie_preds = [0.9] * 8 + [0.1] * 16
requests.append(('binary, exact ties at two decimals (0.125 and 0.875 round half to even)', {'preds': tie_preds, 'labels': tie_labels, 'task': 'binary', 'metrics': ['classification_report']}))
rng = np.random.default_rng(26)
labels11 = rng.integers(0, 11, 60).tolist()
preds11 = [(y if rng.random() < 0.6 else int(rng.integers(0, 11))) for y in labels11]
requests.append(('multiclass of 11 classes, class indices', {'preds': preds11, 'labels': labels11, 'task': 'multiclass', 'num_classes': 11, 'metrics': ['classification_report']}))

cases = []
for name, request in requests:
    spec = request['metrics'][0]
    zd = 0 if isinstance(spec, str) else spec.get('zero_division', 0)
    zd = np.nan if zd == 'nan' else zd
    p = np.array(request['preds'], dtype=float)
    y = np.array(request['labels'])
    task = request['task']
    if task == 'binary':
        pred, labels = (p > 0.5).astype(int), [0, 1]
    elif task == 'multilabel':
        pred, labels = (p > 0.5).astype(int), list(range(y.shape[1]))
    else:
        pred = p.astype(int) if p.ndim == 1 else p.argmax(axis=1)
        labels = list(range(request['num_classes']))
    text = classification_report(y, pred, labels=labels, zero_division=zd, sample_weight=request.get('sample_weight'))
    cases.append({'name': name, 'endpoint': '/v1/metrics', 'request': request, 'expected': {'text': text}, 'tolerance': {'rel': 0, 'abs': 0},
                  'source': f'scikit-learn {sklearn.__version__} classification_report(labels={"range(%d)" % len(labels)}, zero_division={spec if isinstance(spec, str) else spec.get("zero_division", 0)}, digits=2)'})

json.dump({'generated_by': f'scikit-learn {sklearn.__version__}, numpy {np.__version__}; script: test/vectors/classification-report-text.py', 'cases': cases}, open('test/vectors/classification-report-text.json', 'w'), indent=1)
print(len(cases)); print(cases[-2]['expected']['text']); print(cases[-1]['expected']['text'])
