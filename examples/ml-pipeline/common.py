"""Helpers shared by the example's tasks: where data comes from and goes to, exit codes, metrics.

Nothing is shared through a volume. A task reads its input artifact (a directory Gantry copies in before the
start, /data/in) and writes its output artifacts (directories Gantry keeps after a zero exit) and its output
parameters (one file per value under /gantry/outputs, read by Gantry after exit). The env variables below
only exist so the scripts can be run outside a container; the pipeline never sets them.
"""
import json
import os
import sys
import time

import numpy as np

# Exit code for a missing or malformed input: retrying cannot help, so the pipeline lists it as non-retryable.
EXIT_BAD_INPUT = 2

DATA_IN = os.environ.get("DATA_IN", "/data/in")
OUTPUTS_DIR = os.environ.get("OUTPUTS_DIR", "/gantry/outputs")


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def env_int(name, default):
    raw = os.environ.get(name, str(default))
    try:
        return int(raw)
    except ValueError:
        fail(f"environment variable {name}={raw!r} is not an integer")


def env_json(name):
    """The JSON value of a required environment variable (filled in by a `{{ … }}` template)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        fail(f"environment variable {name} is not set")
    try:
        return json.loads(raw)
    except ValueError as err:
        fail(f"environment variable {name} is not JSON: {err}; got {raw[:200]!r}")


METRIC_KEYS = ("model", "title", "train_accuracy", "val_accuracy", "test_accuracy", "test_f1", "fit_seconds")


def env_metrics(name="METRICS"):
    """The train items' metrics, in item order, from `{{ tasks.train.outputs.metrics }}`: a JSON array whose
    entries are the items' `metrics` values, each itself a JSON string."""
    entries = env_json(name)
    if not isinstance(entries, list) or not entries:
        fail(f"{name} must be a non-empty JSON array, got {str(entries)[:200]!r}")
    rows = []
    for position, entry in enumerate(entries):
        try:
            row = json.loads(entry) if isinstance(entry, str) else entry
        except ValueError as err:
            fail(f"{name}[{position}] is not JSON: {err}; got {entry[:200]!r}")
        missing = [key for key in METRIC_KEYS if not isinstance(row, dict) or key not in row]
        if missing:
            fail(f"{name}[{position}] lacks {', '.join(missing)}; got {str(entry)[:200]!r}")
        rows.append(row)
    return rows


def _atomic(target, write):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = f"{target}.tmp-{os.getpid()}"
    write(tmp)
    os.replace(tmp, target)


def save_npy(directory, name, array):
    def write(tmp):
        with open(tmp, "wb") as f:
            np.save(f, array)

    _atomic(os.path.join(directory, name), write)


def save_npz(directory, name, **arrays):
    def write(tmp):
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    _atomic(os.path.join(directory, name), write)


def save_json(directory, name, obj):
    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2, sort_keys=True)
            f.write("\n")

    _atomic(os.path.join(directory, name), write)


def load_input(name):
    """An array of the input artifact (the dataset directory at $DATA_IN)."""
    target = os.path.join(DATA_IN, name)
    try:
        return np.load(target)
    except (OSError, ValueError) as err:
        fail(f"cannot read {target}: {err} (is the dataset artifact mounted at {DATA_IN}?)")


def write_output(name, value):
    """An output parameter: Gantry reads /gantry/outputs/NAME after exit (UTF-8, trailing whitespace trimmed)."""

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(value)
            f.write("\n")

    _atomic(os.path.join(OUTPUTS_DIR, name), write)


def one_line_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


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
