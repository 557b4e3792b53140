"""Helpers shared by the example's tasks: the per-run workspace, atomic file writes, exit codes, metrics.

Every task reads its inputs from and writes its outputs to $GANTRY_WORKSPACE (the run's shared folder). Writes
are atomic (temp file + rename) so a retried task never leaves a half-written file for the next one.
"""
import json
import os
import sys
import time

import numpy as np

# Exit code for a missing or malformed input: retrying cannot help, so the pipeline lists it as non-retryable.
EXIT_BAD_INPUT = 2

WORKSPACE = os.environ.get("GANTRY_WORKSPACE", "/workspace")


def path(*parts):
    return os.path.join(WORKSPACE, *parts)


def _atomic(target, write):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = f"{target}.tmp-{os.getpid()}"
    write(tmp)
    os.replace(tmp, target)


def save_npy(name, array):
    def write(tmp):
        with open(tmp, "wb") as f:
            np.save(f, array)

    _atomic(path(name), write)


def save_npz(name, **arrays):
    def write(tmp):
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    _atomic(path(name), write)


def save_json(name, obj):
    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2, sort_keys=True)
            f.write("\n")

    _atomic(path(name), write)


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def load_npy(name):
    try:
        return np.load(path(name))
    except (OSError, ValueError) as err:
        fail(f"cannot read {path(name)}: {err} (did the upstream task run?)")


def load_npz(name):
    try:
        with np.load(path(name)) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError) as err:
        fail(f"cannot read {path(name)}: {err} (did the upstream task run?)")


def load_json(name):
    try:
        with open(path(name)) as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        fail(f"cannot read {path(name)}: {err} (did the upstream task run?)")


def env_int(name, default):
    raw = os.environ.get(name, str(default))
    try:
        return int(raw)
    except ValueError:
        fail(f"environment variable {name}={raw!r} is not an integer")


def accuracy(y_true, y_pred):
    return float(np.mean(y_true == y_pred))


def f1(y_true, y_pred):
    tp = float(np.sum((y_pred == 1) & (y_true == 1)))
    fp = float(np.sum((y_pred == 1) & (y_true == 0)))
    fn = float(np.sum((y_pred == 0) & (y_true == 1)))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = round(time.perf_counter() - self.start, 3)
