"""split: shuffles data/ into train (60%), validation (20%) and test (20%) sets under split/, standardised with
the training set's mean and deviation only (no leakage into validation or test). Env: SEED (7).
"""
import numpy as np

from common import env_int, load_npy, save_json, save_npy

seed = env_int("SEED", 7)
X = load_npy("data/X.npy")
y = load_npy("data/y.npy")

order = np.random.default_rng(seed + 1).permutation(len(y))
n_train, n_val = int(0.6 * len(y)), int(0.2 * len(y))
parts = {
    "train": order[:n_train],
    "val": order[n_train : n_train + n_val],
    "test": order[n_train + n_val :],
}
mean = X[parts["train"]].mean(axis=0)
std = X[parts["train"]].std(axis=0) + 1e-12
for name, idx in parts.items():
    save_npy(f"split/X_{name}.npy", (X[idx] - mean) / std)
    save_npy(f"split/y_{name}.npy", y[idx])
save_json("split/meta.json", {name: int(len(idx)) for name, idx in parts.items()})
print("split: " + ", ".join(f"{name} {len(idx)}" for name, idx in parts.items()))
