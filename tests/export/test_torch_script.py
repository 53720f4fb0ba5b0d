"""PyTorch export: the generated module, loaded with its weights, computes what tuinn's forward computes."""

from __future__ import annotations

import ast
import importlib.util
import sys

import numpy as np
import pytest

from tests.export.conftest import batch
from tuinn.export.torch_script import write_torch

TOLERANCE = 1e-5


def test_the_script_is_valid_python_and_the_weights_are_plain_arrays(named_network, tmp_path):
    name, net = named_network
    script, weights = write_torch(net, tmp_path / "net.py", name)
    ast.parse(script.read_text())
    with np.load(weights, allow_pickle=False) as arrays:
        assert sum(arrays[k].size for k in arrays.files) == net.parameter_count
        assert {arrays[k].dtype for k in arrays.files} <= {np.dtype(np.float32)}
    assert "import torch" in script.read_text() and name in script.read_text()


def test_pytorch_module_matches_forward(named_network, tmp_path):
    torch = pytest.importorskip(
        "torch", reason="torch is not installed (pip install torch to check the PyTorch export)"
    )
    name, net = named_network
    script, _ = write_torch(net, tmp_path / "exported_net.py", name)
    spec = importlib.util.spec_from_file_location(f"exported_{abs(hash(name))}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load()
    x = batch(net)
    image = len(net.input_shape) == 3
    with torch.no_grad():
        out = model(torch.from_numpy(x.transpose(0, 3, 1, 2).copy() if image else x)).numpy()
    if out.ndim == 4:  # a net that ends on a conv layer gives NCHW
        out = out.transpose(0, 2, 3, 1)
    want = net.forward(x.astype(net.dtype))
    np.testing.assert_allclose(out, want, atol=TOLERANCE, rtol=TOLERANCE)
    assert "exported_net" not in sys.modules
