"""report: runs only when the best validation accuracy reaches the `threshold` param (the pipeline's `when`)
and prints a short report naming the best model. Env: BEST_MODEL, BEST_ACCURACY, THRESHOLD, METRICS (as for
evaluate), RUN_ID.
"""
import os

from common import env_metrics, fail


def env_float(name):
    raw = os.environ.get(name, "")
    try:
        return float(raw)
    except ValueError:
        fail(f"environment variable {name}={raw!r} is not a number")


best_model = os.environ.get("BEST_MODEL", "")
best_accuracy, threshold = env_float("BEST_ACCURACY"), env_float("THRESHOLD")
rows = {row["model"]: row for row in env_metrics()}
if best_model not in rows:
    fail(f"BEST_MODEL={best_model!r} is not among the trained models {', '.join(rows)}")
best = rows[best_model]
runners_up = sorted((r for r in rows.values() if r is not best), key=lambda r: -r["val_accuracy"])

print(f"report for run {os.environ.get('RUN_ID', '?')}")
print(f"  best model:          {best_model} ({best['title']})")
print(f"  validation accuracy: {best_accuracy:.4f} (threshold {threshold:.4f}, margin {best_accuracy - threshold:+.4f})")
print(f"  test accuracy / F1:  {best['test_accuracy']:.4f} / {best['test_f1']:.4f}")
print(f"  hyperparameters:     {best.get('hyperparameters', {})}")
if runners_up:
    print("  runners-up:          " + ", ".join(f"{r['model']} {r['val_accuracy']:.4f}" for r in runners_up))
