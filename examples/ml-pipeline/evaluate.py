"""evaluate MODEL...: the fan-in. Scores every trained model on the held-out test set, picks the best by
validation accuracy (ties: the simpler model, in the order given), writes report.json and prints a table.
"""
import sys

from common import accuracy, f1, fail, load_json, load_npy, load_npz, save_json
from models import MODELS

names = sys.argv[1:]
unknown = [n for n in names if n not in MODELS]
if not names or unknown:
    fail(f"usage: evaluate.py MODEL..., with MODEL in {', '.join(MODELS)}; unknown: {unknown}")

X_test, y_test = load_npy("split/X_test.npy"), load_npy("split/y_test.npy")
rows = []
for name in names:
    metrics = load_json(f"models/{name}/metrics.json")
    predicted = MODELS[name][1](load_npz(f"models/{name}/params.npz"), X_test)
    rows.append({**metrics, "test_accuracy": accuracy(y_test, predicted), "test_f1": f1(y_test, predicted)})

best = max(rows, key=lambda r: (r["val_accuracy"], -names.index(r["model"])))
report = {
    "best_model": best["model"],
    "selected_by": "val_accuracy",
    "test_samples": int(len(y_test)),
    "models": rows,
}
save_json("report.json", report)

print(f"{'model':<8} {'train acc':>9} {'val acc':>8} {'test acc':>9} {'test F1':>8} {'fit s':>6}")
for r in rows:
    mark = "  <- best" if r is best else ""
    print(f"{r['model']:<8} {r['train_accuracy']:>9.4f} {r['val_accuracy']:>8.4f} {r['test_accuracy']:>9.4f} "
          f"{r['test_f1']:>8.4f} {r['fit_seconds']:>6.2f}{mark}")
print(f"best by validation accuracy: {best['model']} ({best['title']}), test accuracy {best['test_accuracy']:.4f}")
