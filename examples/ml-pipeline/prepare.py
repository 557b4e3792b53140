"""prepare: generates and splits the synthetic data into one dataset directory (the `dataset` artifact:
X_train.npy, y_train.npy, X_val.npy, … and meta.json) and writes the output parameter `configs`, a JSON array
with one training config per model, `[{"model": "logreg"}, …]`, which the train task fans out over.
Env: SEED (7), N_SAMPLES (2000), N_FEATURES (10), MODELS (comma-separated, see models.MODELS),
DATASET_DIR (/data/dataset).
"""
import os

from common import env_int, fail, one_line_json, save_json, save_npy, write_output
from data import generate, split
from models import MODELS

seed = env_int("SEED", 7)
n = env_int("N_SAMPLES", 2000)
d = env_int("N_FEATURES", 10)
names = [name.strip() for name in os.environ.get("MODELS", ",".join(MODELS)).split(",") if name.strip()]
dataset = os.environ.get("DATASET_DIR", "/data/dataset")

if n < 100 or d < 6:
    fail(f"need N_SAMPLES >= 100 and N_FEATURES >= 6, got {n} and {d}")
unknown = [name for name in names if name not in MODELS]
duplicates = sorted({name for name in names if names.count(name) > 1})
if not names or unknown or duplicates:
    fail(f"MODELS must list distinct models among {', '.join(MODELS)}; got {names} "
         f"(unknown: {unknown}, repeated: {duplicates})")

X, y, meta = generate(seed, n, d)
sizes = {}
for part, (X_part, y_part) in split(X, y, seed).items():
    save_npy(dataset, f"X_{part}.npy", X_part)
    save_npy(dataset, f"y_{part}.npy", y_part)
    sizes[part] = int(len(y_part))
save_json(dataset, "meta.json", {**meta, "split": sizes})

configs = [{"model": name} for name in names]
write_output("configs", one_line_json(configs))
print(f"prepare: {n} samples x {d} features, class balance {y.mean():.3f}, {meta['labels_flipped']} labels flipped; "
      + ", ".join(f"{part} {size}" for part, size in sizes.items()))
print(f"prepare: {len(configs)} training configs: {', '.join(names)}")
