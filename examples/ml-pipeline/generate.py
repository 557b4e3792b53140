"""generate: a synthetic binary classification set, written to data/X.npy and data/y.npy.

Like scikit-learn's make_classification: each class is a mixture of Gaussian clusters in the informative
features (so the boundary is not linear), plus redundant features (linear mixes of the informative ones), pure
noise features and a few flipped labels. Deterministic for a given SEED.
Env: SEED (7), N_SAMPLES (2000), N_FEATURES (10).
"""
import numpy as np

from common import env_int, fail, save_json, save_npy

seed = env_int("SEED", 7)
n = env_int("N_SAMPLES", 2000)
d = env_int("N_FEATURES", 10)
if n < 100 or d < 6:
    fail(f"need N_SAMPLES >= 100 and N_FEATURES >= 6, got {n} and {d}")

rng = np.random.default_rng(seed)
informative, redundant = 4, 2
noise = d - informative - redundant
clusters_per_class = 3
flip = 0.03

# Cluster centres on the vertices of a hypercube, as make_classification does.
vertices = rng.permutation(2**informative)[: 2 * clusters_per_class]
centres = np.array([[(v >> bit) & 1 for bit in range(informative)] for v in vertices], dtype=float) * 2.0 - 1.0
labels = np.repeat([0, 1], clusters_per_class)

cluster = rng.integers(0, len(centres), size=n)
x_inf = centres[cluster] + rng.normal(size=(n, informative)) @ rng.normal(scale=0.6, size=(informative, informative))
x_red = x_inf @ rng.normal(size=(informative, redundant))
x_noise = rng.normal(size=(n, noise))
X = np.hstack([x_inf, x_red, x_noise])[:, rng.permutation(d)]
y = labels[cluster]
flipped = rng.random(n) < flip
y = np.where(flipped, 1 - y, y).astype(np.int64)

save_npy("data/X.npy", X)
save_npy("data/y.npy", y)
save_json("data/meta.json", {"seed": seed, "samples": n, "features": d, "informative": informative,
                             "redundant": redundant, "noise": noise, "label_flip": flip})
print(f"generate: {n} samples x {d} features, class balance {y.mean():.3f}, {int(flipped.sum())} labels flipped")
