"""evaluate: the fan-in. Env METRICS is `{{ tasks.train.outputs.metrics }}`: a JSON array, in foreach item
order, of each train item's `metrics` (itself a JSON string). Picks the best model by validation accuracy
(ties: the earlier in the list, so list simpler models first), prints the evaluation table and writes the
output parameters `best_model` and `best_accuracy` (the best model's validation accuracy).
"""
from common import env_metrics, write_output

rows = env_metrics()
best_index = max(range(len(rows)), key=lambda i: (rows[i]["val_accuracy"], -i))
best = rows[best_index]

print(f"{'model':<8} {'train acc':>9} {'val acc':>8} {'test acc':>9} {'test F1':>8} {'fit s':>6}")
for i, r in enumerate(rows):
    mark = "  <- best" if i == best_index else ""
    print(f"{r['model']:<8} {r['train_accuracy']:>9.4f} {r['val_accuracy']:>8.4f} {r['test_accuracy']:>9.4f} "
          f"{r['test_f1']:>8.4f} {r['fit_seconds']:>6.2f}{mark}")
print(f"best by validation accuracy: {best['model']} ({best['title']}), test accuracy {best['test_accuracy']:.4f}")

write_output("best_model", best["model"])
write_output("best_accuracy", repr(best["val_accuracy"]))
