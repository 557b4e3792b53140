"""train MODEL: fits one model (see models.MODELS) on split/ and writes models/MODEL/params.npz and
models/MODEL/metrics.json (train and validation accuracy, chosen hyperparameters, fit time).
Env: SEED (7).
"""
import sys

import numpy as np

from common import Timer, accuracy, env_int, fail, load_npy, save_json, save_npz
from models import MODELS

if len(sys.argv) != 2 or sys.argv[1] not in MODELS:
    fail(f"usage: train.py MODEL, with MODEL one of {', '.join(MODELS)}; got {sys.argv[1:]}")
name = sys.argv[1]
fit, predict, title = MODELS[name]

X_train, y_train = load_npy("split/X_train.npy"), load_npy("split/y_train.npy")
X_val, y_val = load_npy("split/X_val.npy"), load_npy("split/y_val.npy")
rng = np.random.default_rng(env_int("SEED", 7) + 100 + sorted(MODELS).index(name))

with Timer() as timer:
    params, hyper = fit(X_train, y_train, X_val, y_val, rng)
metrics = {
    "model": name,
    "title": title,
    "train_accuracy": accuracy(y_train, predict(params, X_train)),
    "val_accuracy": accuracy(y_val, predict(params, X_val)),
    "fit_seconds": timer.seconds,
    "hyperparameters": hyper,
}
save_npz(f"models/{name}/params.npz", **params)
save_json(f"models/{name}/metrics.json", metrics)
print(f"train {name}: train acc {metrics['train_accuracy']:.4f}, val acc {metrics['val_accuracy']:.4f} "
      f"({timer.seconds:.2f} s) {hyper}")
