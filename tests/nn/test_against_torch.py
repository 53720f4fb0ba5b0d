"""The conventions a user comparing with PyTorch checks: SGD momentum with lr changes, max-pool ties."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.nn import make_optimizer
from tuinn.nn.layers import MaxPool2D

torch = pytest.importorskip("torch", reason="PyTorch (the oracle) is not installed")

LRS = [0.1, 0.1, 0.4, 0.4, 0.025, 0.025, 0.2, 0.05]  # what + and - do mid-run


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_sgd_momentum_follows_torch_when_the_learning_rate_changes(nesterov: bool) -> None:
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(5)
    grads = rng.standard_normal((len(LRS), 5))
    ours = p0.copy()
    opt = make_optimizer("sgd", LRS[0], momentum=0.9, nesterov=nesterov)
    theirs = torch.tensor(p0, requires_grad=True)
    torch_opt = torch.optim.SGD([theirs], lr=LRS[0], momentum=0.9, nesterov=nesterov)
    for lr, g in zip(LRS, grads):
        opt.lr = lr
        opt.step({"p": ours}, {"p": g})
        for group in torch_opt.param_groups:
            group["lr"] = lr
        theirs.grad = torch.tensor(g)
        torch_opt.step()
        assert np.allclose(ours, theirs.detach().numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    "pool, stride, shape", [(2, 2, (6, 6, 3)), (2, 2, (7, 5, 2)), (3, 2, (7, 7, 2)), (2, 1, (5, 5, 1))]
)
def test_max_pool_ties_go_where_torch_sends_them(pool, stride, shape) -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(0, 3, size=(4, *shape)).astype(np.float64)  # ties in most windows
    layer = MaxPool2D(pool, stride)
    layer.build(shape, rng, np.dtype(np.float64))
    y = layer.forward(x, True)
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy)
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)  # NCHW
    yt = torch.nn.functional.max_pool2d(xt, pool, stride)
    yt.backward(torch.tensor(dy.transpose(0, 3, 1, 2)))
    assert np.array_equal(y, yt.detach().numpy().transpose(0, 2, 3, 1))
    assert np.allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=0, atol=1e-12)
