"""Four small binary classifiers in plain numpy. Each model is a pair of functions:

    fit(X_train, y_train, X_val, y_val, rng) -> (params: dict of arrays, hyperparameters: dict)
    predict(params, X) -> labels in {0, 1}

Hyperparameters that need choosing (ridge's lambda, k for k-NN) are chosen on the validation set; the test set
is scored for the report but never chooses anything.
"""
import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _with_bias(X):
    return np.hstack([X, np.ones((len(X), 1))])


# Logistic regression, full-batch gradient descent on the L2-regularised log loss.
def fit_logreg(X, y, X_val, y_val, rng, epochs=600, lr=0.5, l2=1e-3):
    Xb = _with_bias(X)
    w = rng.normal(scale=0.01, size=Xb.shape[1])
    for _ in range(epochs):
        grad = Xb.T @ (_sigmoid(Xb @ w) - y) / len(y) + l2 * np.r_[w[:-1], 0.0]
        w -= lr * grad
    return {"w": w}, {"epochs": epochs, "learning_rate": lr, "l2": l2}


def predict_logreg(params, X):
    return (_with_bias(X) @ params["w"] > 0).astype(np.int64)


# Least-squares classifier on targets -1/+1, ridge-regularised, closed form; lambda picked on validation.
def fit_ridge(X, y, X_val, y_val, rng, lambdas=(0.01, 0.1, 1.0, 10.0, 100.0)):
    Xb, t = _with_bias(X), 2.0 * y - 1.0
    best = None
    for lam in lambdas:
        reg = lam * np.eye(Xb.shape[1])
        reg[-1, -1] = 0.0
        w = np.linalg.solve(Xb.T @ Xb + reg, Xb.T @ t)
        acc = float(np.mean(predict_ridge({"w": w}, X_val) == y_val))
        if best is None or acc > best[0]:
            best = (acc, lam, w)
    return {"w": best[2]}, {"lambda": best[1], "lambdas_tried": list(lambdas)}


def predict_ridge(params, X):
    return (_with_bias(X) @ params["w"] > 0).astype(np.int64)


# k-nearest neighbours (Euclidean, majority vote, ties to class 1); k picked on validation.
def _knn_votes(X_ref, y_ref, X, k):
    d2 = (X**2).sum(1)[:, None] - 2 * X @ X_ref.T + (X_ref**2).sum(1)[None, :]
    nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]
    return y_ref[nearest].mean(axis=1)


def fit_knn(X, y, X_val, y_val, rng, ks=(1, 3, 5, 9, 15, 25, 41)):
    best = None
    for k in ks:
        acc = float(np.mean((_knn_votes(X, y, X_val, k) >= 0.5) == y_val))
        if best is None or acc > best[0]:
            best = (acc, k)
    return {"X": X, "y": y, "k": np.array(best[1])}, {"k": best[1], "ks_tried": list(ks)}


def predict_knn(params, X):
    return (_knn_votes(params["X"], params["y"], X, int(params["k"])) >= 0.5).astype(np.int64)


# Two-layer perceptron (tanh hidden layer, sigmoid output), mini-batch SGD with momentum.
def fit_mlp(X, y, X_val, y_val, rng, hidden=32, epochs=150, batch=64, lr=0.05, momentum=0.9, l2=1e-4):
    p = {
        "W1": rng.normal(scale=1 / np.sqrt(X.shape[1]), size=(X.shape[1], hidden)),
        "b1": np.zeros(hidden),
        "W2": rng.normal(scale=1 / np.sqrt(hidden), size=hidden),
        "b2": np.zeros(1),
    }
    v = {key: np.zeros_like(val) for key, val in p.items()}
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            idx = order[start : start + batch]
            xb, yb = X[idx], y[idx]
            h = np.tanh(xb @ p["W1"] + p["b1"])
            out = _sigmoid(h @ p["W2"] + p["b2"])
            d_out = (out - yb) / len(idx)
            d_h = np.outer(d_out, p["W2"]) * (1 - h**2)
            grads = {
                "W2": h.T @ d_out + l2 * p["W2"],
                "b2": np.array([d_out.sum()]),
                "W1": xb.T @ d_h + l2 * p["W1"],
                "b1": d_h.sum(axis=0),
            }
            for key in p:
                v[key] = momentum * v[key] - lr * grads[key]
                p[key] += v[key]
    return p, {"hidden": hidden, "epochs": epochs, "batch": batch, "learning_rate": lr, "momentum": momentum, "l2": l2}


def predict_mlp(params, X):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return (h @ params["W2"] + params["b2"] > 0).astype(np.int64)


MODELS = {
    "logreg": (fit_logreg, predict_logreg, "logistic regression (gradient descent)"),
    "ridge": (fit_ridge, predict_ridge, "ridge least-squares classifier (closed form)"),
    "knn": (fit_knn, predict_knn, "k-nearest neighbours"),
    "mlp": (fit_mlp, predict_mlp, "2-layer MLP (SGD + momentum)"),
}
