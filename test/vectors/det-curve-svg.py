# Makes test/vectors/det-curve-svg.json: what scikit-learn 1.9's DetCurveDisplay plots for
# groups.json's det_curve requests (the SVG of POST /v1/det-curve with Accept: image/svg+xml):
# the line's points x = norm.ppf(fpr), y = norm.ppf(fnr) after its clip to [eps, 1 - eps], and
# the axes: ticks at norm.ppf([0.001, ..., 0.999]) with their percent labels, limits [-3, 3].
# (DetCurveDisplay.plot's own computation, without matplotlib, which the venv lacks.)
import json
import numpy as np, scipy, sklearn
import scipy.stats
from sklearn.metrics import det_curve

groups = json.load(open('test/reference/groups.json'))
cases = []
for c in groups['cases']:
    if c['endpoint'] != '/v1/det-curve':
        continue
    r = c['request']
    fpr, fnr, _ = det_curve(r['labels'], r['preds'], sample_weight=r.get('sample_weight'), drop_intermediate=r.get('drop_intermediate', False))
    eps = np.finfo(fpr.dtype).eps
    x = scipy.stats.norm.ppf(fpr.clip(eps, 1 - eps))
    y = scipy.stats.norm.ppf(fnr.clip(eps, 1 - eps))
    cases.append({'name': c['name'], 'endpoint': '/v1/det-curve', 'request': r, 'expected': {'x': x.tolist(), 'y': y.tolist()},
                  'tolerance': {'rel': 0, 'abs': 1e-4}, 'source': f'scikit-learn {sklearn.__version__} det_curve, then DetCurveDisplay.plot: scipy {scipy.__version__} norm.ppf of the rates clipped to [eps, 1 - eps]'})

ticks = [0.001, 0.01, 0.05, 0.20, 0.5, 0.80, 0.95, 0.99, 0.999]
axes = {'tick_locations': scipy.stats.norm.ppf(ticks).tolist(),
        'tick_labels': ["{:.0%}".format(s) if (100 * s).is_integer() else "{:.1%}".format(s) for s in ticks],
        'limits': [-3, 3], 'xlabel': 'False Positive Rate', 'ylabel': 'False Negative Rate'}
json.dump({'generated_by': f'scikit-learn {sklearn.__version__}, scipy {scipy.__version__}; script: test/vectors/det-curve-svg.py', 'axes': axes, 'cases': cases},
          open('test/vectors/det-curve-svg.json', 'w'), indent=1)
print(len(cases), axes)
