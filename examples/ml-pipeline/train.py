"""train: fits one model (env MODEL, one of models.MODELS; the pipeline fills it from the foreach item) on the
dataset artifact at /data/in. Writes the output parameters `val_accuracy` (selection uses it) and `metrics`
(one line of JSON: train, validation and test accuracy, test F1, fit seconds, hyperparameters), and the model's
parameters as the `model` artifact (params.npz). The test set is scored here but never chooses anything.
Env: MODEL, SEED (7), MODEL_DIR (/data/model).
"""
import os

import numpy as np

from common import Timer, accuracy, env_int, f1, fail, load_input, one_line_json, save_npz, write_output
from models import MODELS

name = os.environ.get("MODEL", "")
if name not in MODELS:
    fail(f"MODEL must be one of {', '.join(MODELS)}; got {name!r}")
fit, predict, title = MODELS[name]
model_dir = os.environ.get("MODEL_DIR", "/data/model")

X_train, y_train = load_input("X_train.npy"), load_input("y_train.npy")
X_val, y_val = load_input("X_val.npy"), load_input("y_val.npy")
X_test, y_test = load_input("X_test.npy"), load_input("y_test.npy")
# A seed per model, not per item position: the same model trains the same way in any config list.
rng = np.random.default_rng(env_int("SEED", 7) + 100 + sorted(MODELS).index(name))

with Timer() as timer:
    params, hyper = fit(X_train, y_train, X_val, y_val, rng)
predicted_test = predict(params, X_test)
metrics = {
    "model": name,
    "title": title,
    "train_accuracy": accuracy(y_train, predict(params, X_train)),
    "val_accuracy": accuracy(y_val, predict(params, X_val)),
    "test_accuracy": accuracy(y_test, predicted_test),
    "test_f1": f1(y_test, predicted_test),
    "fit_seconds": timer.seconds,
    "hyperparameters": hyper,
}
save_npz(model_dir, "params.npz", **params)
write_output("val_accuracy", repr(metrics["val_accuracy"]))
write_output("metrics", one_line_json(metrics))
print(f"train {name}: train acc {metrics['train_accuracy']:.4f}, val acc {metrics['val_accuracy']:.4f} "
      f"({timer.seconds:.2f} s) {hyper}")
