"""The tiny step stays lean: NumPy calls per XOR training step, counted (not timed).

Every array the step touches (inputs, targets, parameters, gradients, optimizer state) is a
view of an ndarray subclass that counts each ufunc call (any method: `add`, `add.reduce`, the
operators) and each NumPy function dispatched on it (`np.vdot`, ...), then computes with plain
ndarrays: the step's arithmetic is unchanged. A profile hook counts the C methods of NumPy
objects the step calls itself (`reshape`, `astype`, ...). The bounds are the counts of the
arithmetic each step needs today: every call is one pass whose result enters the gradient or the
loss, so one more call is a regression this test catches.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import numpy as np
import pytest

from tuinn.nn import Network, make_optimizer

XOR = {
    "layers": [
        {"type": "dense", "units": 4, "activation": "tanh"},
        {"type": "dense", "units": 1, "activation": "sigmoid"},
    ],
    "loss": "binary_cross_entropy",
}


class Counted(np.ndarray):
    """An ndarray that records every ufunc and NumPy function called on it in `Counted.calls`."""

    calls: Counter[str] = Counter()

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        Counted.calls[f"{ufunc.__name__}.{method}"] += 1
        plain = [a.view(np.ndarray) if isinstance(a, Counted) else a for a in inputs]
        outs = kwargs.get("out")
        if outs is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, Counted) else o for o in outs)
        result = getattr(ufunc, method)(*plain, **kwargs)
        if outs is not None:
            return outs[0] if len(outs) == 1 else outs
        return result.view(Counted) if isinstance(result, np.ndarray) else result

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        Counted.calls[func.__name__] += 1
        return super().__array_function__(func, types, args, kwargs)


#: the methods the counting itself calls (views back to plain arrays, NumPy's own dispatch)
COUNTING_OWN = frozenset({"view", "__array_function__"})


def counted(a: np.ndarray) -> np.ndarray:
    return a.view(Counted)


def xor_step(optimizer: str, **options: float) -> Any:
    """One training step of the XOR preset's net (as the Trainer runs it) on counted arrays."""
    net = Network.from_spec(XOR, (2,), seed=0)
    for layer in net.layers:
        for arrays in (layer.parameters, layer.gradients):
            for key in arrays:
                arrays[key] = counted(arrays[key])
    net.params = {name: counted(p) for name, p in net.params.items()}
    net.grads = {name: counted(g) for name, g in net.grads.items()}
    params, grads = {"all": counted(net.flat_params)}, {"all": counted(net.flat_grads)}
    opt = make_optimizer(optimizer, 0.5, **options)
    x = counted(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float))
    y = counted(np.array([[0], [1], [1], [0]], float))

    def step() -> None:
        net.loss_and_grads(x, y)
        opt.step(params, grads)

    step()  # the first step makes the optimizer's state
    return step


def numpy_calls(step: Any) -> Counter[str]:
    """The NumPy calls one run of `step` makes: ufuncs and functions on its arrays, and C methods of NumPy objects."""
    Counted.calls.clear()
    methods: Counter[str] = Counter()

    def hook(frame: Any, event: str, arg: Any) -> None:
        owner = getattr(arg, "__self__", None)
        if event == "c_call" and isinstance(owner, np.ndarray) and arg.__name__ not in COUNTING_OWN:
            methods[f"ndarray.{arg.__name__}"] += 1

    sys.setprofile(hook)
    try:
        step()
    finally:
        sys.setprofile(None)
    return Counted.calls + methods


@pytest.mark.parametrize(
    "optimizer, options, bound",
    [
        # forward 5 (two matmuls, two bias adds, tanh), loss 3 (logaddexp, its sum, vdot), its gradient 6
        # (sigmoid as 0.5·tanh(z/2) + 0.5 in 4, minus y, times 1/N), backward 8 (three matmuls, two bias
        # sums, tanh' in 2, times the incoming gradient), update 2 (p -= lr·g): 24
        ("sgd", {}, 24),
        ("sgd", {"momentum": 0.9}, 26),  # the xor preset's optimizer: v = 0.9 v + g, p -= lr v
    ],
)
def test_an_xor_step_makes_no_more_numpy_calls_than_its_arithmetic_needs(optimizer, options, bound) -> None:
    calls = numpy_calls(xor_step(optimizer, **options))
    total = sum(calls.values())
    assert total <= bound, f"{total} NumPy calls a step (bound {bound}): {dict(calls)}"
    # the count sees the step: its matrix products and its updates are all there
    assert calls["matmul.__call__"] == 5 and calls["subtract.__call__"] >= 2
    assert total >= bound - 2


def test_the_count_sees_every_kind_of_call() -> None:
    a = counted(np.ones((2, 2)))

    def work() -> None:
        b = a * 2.0
        np.add.reduce(b, axis=0)
        np.vdot(a, b)
        b.reshape(4)

    assert numpy_calls(work) == Counter({"multiply.__call__": 1, "add.reduce": 1, "vdot": 1, "ndarray.reshape": 1})
