"""Rosenblatt's perceptron: the rule by hand, AND learnt, XOR never separated."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.nn import Perceptron, make_optimizer

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND = np.array([[0.0], [0.0], [0.0], [1.0]])
XOR = np.array([[0.0], [1.0], [1.0], [0.0]])


def rule_step(net: Perceptron, x: np.ndarray, y: np.ndarray, lr: float) -> None:
    """One application of the rule: the 'gradient' the network returns, stepped by plain SGD."""
    net.loss_and_grads(x, y)
    make_optimizer("sgd", lr).step(net.params, net.grads)


def accuracy(net: Perceptron, y: np.ndarray) -> float:
    return float(np.mean(net.forward(X) == y))


def test_one_update_is_rosenblatts_rule_by_hand() -> None:
    net = Perceptron.create(2, seed=0)
    w, b = net.params["dense_1.W"], net.params["dense_1.b"]
    w[...] = [[0.4], [-0.7]]
    b[...] = [0.1]
    x, y, lr = np.array([[1.0, 1.0]]), np.array([[1.0]]), 0.25
    out = 1.0 if x[0] @ w[:, 0] + b[0] >= 0 else 0.0  # 0.4 - 0.7 + 0.1 < 0: wrong
    expected_w = w[:, 0] + lr * (y[0, 0] - out) * x[0]
    expected_b = b[0] + lr * (y[0, 0] - out)
    rule_step(net, x, y, lr)
    assert np.allclose(w[:, 0], expected_w) and np.allclose(b, expected_b)
    assert np.allclose(w[:, 0], [0.65, -0.45]) and np.allclose(b, [0.35])
    before = net.flat_params.copy()
    rule_step(net, x, y, lr)  # now classified right: the rule changes nothing
    assert np.array_equal(net.flat_params, before)


def test_learns_and_sample_by_sample() -> None:
    net = Perceptron.create(2, seed=0)
    assert net.layers[0].activation == "step" and not net.flat_params.any()
    for _ in range(20):
        for i in range(4):
            rule_step(net, X[i : i + 1], AND[i : i + 1], lr=0.5)
    assert accuracy(net, AND) == 1.0
    assert set(np.unique(net.forward(X))) == {0.0, 1.0}
    assert net.evaluate(X, AND)[0] == 0.0  # the error rate


@pytest.mark.parametrize("per_sample", [True, False])
def test_never_separates_xor(per_sample: bool) -> None:
    net = Perceptron.create(2, seed=0)
    best = 0.0
    for _ in range(500):
        if per_sample:
            for i in range(4):
                rule_step(net, X[i : i + 1], XOR[i : i + 1], lr=0.5)
        else:
            rule_step(net, X, XOR, lr=0.5)
        best = max(best, accuracy(net, XOR))
    assert best <= 0.75
