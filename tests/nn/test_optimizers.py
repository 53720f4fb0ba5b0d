"""Optimizers against steps computed here from the textbook formulas."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pytest

from tests.nn.optimizer_support import STEP_KINDS
from tuinn.nn import Network, make_optimizer
from tuinn.nn.optimizers import OPTIMIZERS

Array = np.ndarray
P0 = np.array([0.5, -1.0, 2.0])
GRADS = [np.array([0.1, -0.2, 0.3]), np.array([-0.4, 0.05, 0.3]), np.array([0.2, 0.2, -0.6])]
EPS = 1e-8


def sgd(p: Array, grads: list[Array], lrs: list[float]) -> Iterator[Array]:
    for g, lr in zip(grads, lrs):
        p = p - lr * g
        yield p


def momentum(
    p: Array, grads: list[Array], lrs: list[float], mu: float = 0.9, nesterov: bool = False
) -> Iterator[Array]:
    # the formulation of Sutskever et al. (2013) with the gradient at the current point:
    # b = mu b + g; step along b (heavy ball) or along g + mu b (Nesterov)
    b = np.zeros_like(p)
    for g, lr in zip(grads, lrs):
        b = mu * b + g
        p = p - lr * (g + mu * b if nesterov else b)
        yield p


def adagrad(p: Array, grads: list[Array], lrs: list[float]) -> Iterator[Array]:
    total = np.zeros_like(p)
    for g, lr in zip(grads, lrs):
        total = total + g**2
        p = p - lr * g / (np.sqrt(total) + EPS)
        yield p


def rmsprop(p: Array, grads: list[Array], lrs: list[float], rho: float = 0.9) -> Iterator[Array]:
    mean_square = np.zeros_like(p)
    for g, lr in zip(grads, lrs):
        mean_square = rho * mean_square + (1 - rho) * g**2
        p = p - lr * g / (np.sqrt(mean_square) + EPS)
        yield p


def adam(p: Array, grads: list[Array], lrs: list[float], b1: float = 0.9, b2: float = 0.999) -> Iterator[Array]:
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + EPS)
        yield p


CASES = {
    "sgd": (("sgd", {}), sgd),
    "momentum": (("sgd", {"momentum": 0.9}), momentum),
    "nesterov": (("sgd", {"momentum": 0.9, "nesterov": True}), lambda *a: momentum(*a, nesterov=True)),
    "adagrad": (("adagrad", {}), adagrad),
    "rmsprop": (("rmsprop", {}), rmsprop),
    "adam": (("adam", {}), adam),
}


def run(name: str, options: dict, lrs: list[float]) -> list[Array]:
    """The parameters after each step of the optimizer under test, lr set before each step."""
    opt = make_optimizer(name, lrs[0], **options)
    p = P0.copy()
    buffer = p
    seen = []
    for g, lr in zip(GRADS, lrs):
        opt.lr = lr
        opt.step({"p": p}, {"p": g.copy()})
        seen.append(p.copy())
    assert p is buffer  # updated in place
    return seen


@pytest.mark.parametrize("case", list(CASES))
def test_three_steps_match_the_textbook(case: str) -> None:
    (name, options), reference = CASES[case]
    lrs = [0.1, 0.1, 0.1]
    for got, want in zip(run(name, options, lrs), reference(P0, GRADS, lrs), strict=True):
        assert np.allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("case", list(CASES))
def test_changing_lr_between_steps(case: str) -> None:
    (name, options), reference = CASES[case]
    lrs = [0.1, 0.01, 0.5]
    got = run(name, options, lrs)
    assert np.allclose(got[-1], list(reference(P0, GRADS, lrs))[-1], rtol=1e-12, atol=0)
    assert not np.allclose(got[-1], list(reference(P0, GRADS, [0.1] * 3))[-1])


def test_state_is_per_parameter_name() -> None:
    opt = make_optimizer("adam", 0.1)
    a, b = P0.copy(), P0.copy()
    opt.step({"a": a, "b": b}, {"a": GRADS[0], "b": GRADS[1]})
    assert set(opt.state) == {"a", "b"}
    assert np.allclose(a, next(adam(P0, GRADS[:1], [0.1])), rtol=1e-12)
    assert np.allclose(b, next(adam(P0, GRADS[1:2], [0.1])), rtol=1e-12)


def test_switching_optimizer_keeps_the_weights() -> None:
    spec = {
        "layers": [{"type": "dense", "units": 3, "activation": "tanh"}, {"type": "dense", "units": 1}],
        "loss": "mse",
    }
    net = Network.from_spec(spec, (2,), seed=1)
    x, y = np.array([[0.0, 1.0], [1.0, 0.5]]), np.array([[1.0], [0.0]])
    params, grads = {"all": net.flat_params}, {"all": net.flat_grads}
    sgd_opt = make_optimizer("sgd", 0.1, momentum=0.9)
    for _ in range(3):
        net.loss_and_grads(x, y)
        sgd_opt.step(params, grads)
    trained = net.flat_params.copy()
    adam_opt = make_optimizer("adam", 0.01)  # a fresh optimizer: fresh state, same weights
    assert np.array_equal(net.flat_params, trained) and adam_opt.state == {}
    net.loss_and_grads(x, y)
    g = net.flat_grads.copy()
    adam_opt.step(params, grads)
    assert np.allclose(net.flat_params, next(adam(trained, [g], [0.01])), rtol=1e-12)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_parameters_stay_float32(name: str) -> None:
    p = P0.astype(np.float32)
    opt = make_optimizer(name, 0.1)
    for g in GRADS:
        opt.step({"p": p}, {"p": g.astype(np.float32)})
    assert p.dtype == np.float32
    assert all(s.dtype == np.float32 for slots in opt.state.values() for s in slots.values())


def test_bad_settings_are_refused() -> None:
    with pytest.raises(KeyError, match="'lbfgs'.*adam"):
        make_optimizer("lbfgs", 0.1)
    with pytest.raises(ValueError, match="learning rate"):
        make_optimizer("sgd", 0.0)
    with pytest.raises(ValueError, match="momentum"):
        make_optimizer("sgd", 0.1, momentum=1.0)


def test_describe_names_the_settings() -> None:
    assert make_optimizer("adam", 0.001).describe() == "adam(lr=0.001)"
    sgd_opt = make_optimizer("sgd", 0.1, momentum=0.9, nesterov=True)
    assert sgd_opt.describe() == "sgd(lr=0.1, momentum=0.9, nesterov)"


@pytest.mark.parametrize("name,options", STEP_KINDS, ids=str)
def test_the_last_update_is_what_the_step_subtracted_whatever_happens_before_it_is_read(
    name, options, monkeypatch
) -> None:
    from tuinn.nn.optimizers import Optimizer

    subtracted: list[np.ndarray] = []  # what each step subtracted, in full
    subtract, from_state = Optimizer._subtract, Optimizer._subtract_from_state

    def recorded(self, key, p, update, then=None):  # type: ignore[no-untyped-def]
        subtracted.append(update + then if then is not None else update.copy())
        subtract(self, key, p, update, then)

    def recorded_from_state(self, key, p, update):  # type: ignore[no-untyped-def]
        subtracted.append(update.copy())
        from_state(self, key, p, update)

    monkeypatch.setattr(Optimizer, "_subtract", recorded)
    monkeypatch.setattr(Optimizer, "_subtract_from_state", recorded_from_state)
    opt = make_optimizer(name, 0.05, **options)
    p, g = P0.copy(), np.zeros(3)
    for grad in GRADS:
        before = p.copy()
        g[...] = grad  # one gradient buffer, filled anew each step (as a network's flat_grads)
        opt.step({"w": p}, {"w": g})
    update = opt.last_update("w", p)
    assert update is not None and len(subtracted) == len(GRADS)
    np.testing.assert_array_equal(update, subtracted[-1])  # bit for bit
    np.testing.assert_allclose(update, before - p, rtol=1e-12, atol=1e-15)
    kept = update.copy()
    # a diverged step's gradient (computed, never applied) and new settings before the read
    g[...] = [1e6, -1e6, 1e6]
    opt.lr = 7.0
    for key, value in {"momentum": 0.5, "nesterov": not options.get("nesterov", False), "eps": 1e-3}.items():
        if hasattr(opt, key):
            setattr(opt, key, value)
    np.testing.assert_array_equal(opt.last_update("w", p), kept)
    assert opt.last_update("w", p.copy()) is None  # another array: not the one this step moved


@pytest.mark.parametrize("name,options", [("sgd", {"momentum": 0.9}), ("adam", {})], ids=str)
def test_an_update_the_state_holds_is_not_kept_by_the_step(name, options, monkeypatch) -> None:
    import weakref

    from tuinn.nn.optimizers import Optimizer

    made: list[weakref.ref[np.ndarray]] = []
    subtract = Optimizer._subtract_from_state

    def watched(self, key, p, update):  # type: ignore[no-untyped-def]
        made.append(weakref.ref(update))
        subtract(self, key, p, update)

    monkeypatch.setattr(Optimizer, "_subtract_from_state", watched)
    opt = make_optimizer(name, 0.05, **options)
    p = P0.copy()
    opt.step({"w": p}, {"w": GRADS[0].copy()})
    assert len(made) == 1 and made[0]() is None  # freed once subtracted: no array kept for the ratio
    assert opt.last_update("w", p) is not None
