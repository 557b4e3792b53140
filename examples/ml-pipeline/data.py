"""The synthetic data set, as pure functions of a seed (prepare.py writes what they return).

generate: like scikit-learn's make_classification, each class is a mixture of Gaussian clusters in the
informative features (so the boundary is not linear), plus redundant features (linear mixes of the informative
ones), pure noise features and a few flipped labels.
split: shuffles into train (60%), validation (20%) and test (20%), standardised with the training set's mean
and deviation only (no leakage into validation or test).
"""
import numpy as np

INFORMATIVE, REDUNDANT, CLUSTERS_PER_CLASS, LABEL_FLIP = 4, 2, 3, 0.03


def generate(seed, n, d):
    """(X, y, meta) for n samples of d features; the same seed gives the same data."""
    rng = np.random.default_rng(seed)
    noise = d - INFORMATIVE - REDUNDANT

    # Cluster centres on the vertices of a hypercube, as make_classification does.
    vertices = rng.permutation(2**INFORMATIVE)[: 2 * CLUSTERS_PER_CLASS]
    centres = np.array([[(v >> bit) & 1 for bit in range(INFORMATIVE)] for v in vertices], dtype=float) * 2.0 - 1.0
    labels = np.repeat([0, 1], CLUSTERS_PER_CLASS)

    cluster = rng.integers(0, len(centres), size=n)
    x_inf = centres[cluster] + rng.normal(size=(n, INFORMATIVE)) @ rng.normal(scale=0.6, size=(INFORMATIVE, INFORMATIVE))
    x_red = x_inf @ rng.normal(size=(INFORMATIVE, REDUNDANT))
    x_noise = rng.normal(size=(n, noise))
    X = np.hstack([x_inf, x_red, x_noise])[:, rng.permutation(d)]
    y = labels[cluster]
    flipped = rng.random(n) < LABEL_FLIP
    y = np.where(flipped, 1 - y, y).astype(np.int64)
    meta = {"seed": seed, "samples": n, "features": d, "informative": INFORMATIVE, "redundant": REDUNDANT,
            "noise": noise, "label_flip": LABEL_FLIP, "labels_flipped": int(flipped.sum())}
    return X, y, meta


def split(X, y, seed):
    """{"train" | "val" | "test": (X, y)}, standardised with the training set's statistics."""
    order = np.random.default_rng(seed + 1).permutation(len(y))
    n_train, n_val = int(0.6 * len(y)), int(0.2 * len(y))
    parts = {
        "train": order[:n_train],
        "val": order[n_train : n_train + n_val],
        "test": order[n_train + n_val :],
    }
    mean = X[parts["train"]].mean(axis=0)
    std = X[parts["train"]].std(axis=0) + 1e-12
    return {name: ((X[idx] - mean) / std, y[idx]) for name, idx in parts.items()}
