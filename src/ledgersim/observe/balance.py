"""Template weights whose mixture hits target shares of NER labels.

Lines fall into classes (locale, kind of line, whether a PO or contract can
be quoted); each class may use some templates, and each template yields a
known number of mentions per label. Among all template mixes whose expected
label totals are proportional to the targets, we take the one closest (in
Kullback-Leibler divergence) to the templates' own weights: every template
stays in use, tilted by ``exp(theta . b_t)``, where ``b_t`` is the template's
excess of each label over its target share. ``theta`` minimises a smooth
convex function of five variables, solved once per partition.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

THETA_BOUND = 8.0  # keeps the tilt finite when a target cannot be reached exactly


def balanced_weights(
    class_sizes: np.ndarray,  # lines per class
    counts: list[np.ndarray],  # per class: (templates, labels) mentions per line
    natural: list[np.ndarray],  # per class: natural template weights (sum 1)
    target: np.ndarray,  # share per label (sum 1)
) -> list[np.ndarray]:
    """Per class, the probability of each of its templates."""
    excess = [a - target[None, :] * a.sum(axis=1, keepdims=True) for a in counts]
    logw = [np.log(np.maximum(w, 1e-300)) for w in natural]
    total = max(1.0, float(class_sizes.sum()))

    def tilted(theta: np.ndarray, c: int) -> np.ndarray:
        z = logw[c] + excess[c] @ theta
        p = np.exp(z - z.max())
        return p / p.sum()

    def dual(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = 0.0, np.zeros_like(theta)
        for c, size in enumerate(class_sizes):
            z = logw[c] + excess[c] @ theta
            m = z.max()
            value += size * (m + np.log(np.exp(z - m).sum()))
            grad += size * (tilted(theta, c) @ excess[c])
        return value / total, grad / total

    bounds = [(-THETA_BOUND, THETA_BOUND)] * len(target)
    res = minimize(dual, np.zeros(len(target)), jac=True, method="L-BFGS-B", bounds=bounds)
    return [tilted(res.x, c) for c in range(len(counts))]
