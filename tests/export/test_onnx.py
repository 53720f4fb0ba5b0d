"""ONNX export: the checker accepts the model and it computes what tuinn's forward computes."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="the export extra (onnx) is not installed")

from onnx.reference import ReferenceEvaluator  # noqa: E402

from tests.export.conftest import batch  # noqa: E402
from tuinn.export.onnx import OPSET, to_onnx, write_onnx  # noqa: E402

TOLERANCE = 1e-5


def expected(net, x):
    return net.forward(x.astype(net.dtype)).astype(np.float64)


def test_model_passes_the_full_check_with_opset_17_and_a_dynamic_batch(named_network, tmp_path):
    name, net = named_network
    path = write_onnx(net, tmp_path / f"{name}.onnx", name)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert [o.version for o in model.opset_import] == [OPSET]
    (inp,) = model.graph.input
    dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    assert dims == ["batch", *net.input_shape]
    assert all(
        i.data_type == onnx.TensorProto.FLOAT for i in model.graph.initializer if i.data_type != onnx.TensorProto.INT64
    )


def test_reference_evaluator_matches_forward(named_network):
    name, net = named_network
    x = batch(net)
    (out,) = ReferenceEvaluator(to_onnx(net, name)).run(None, {"input": x})
    assert out.shape == (len(x), *net.output_shape)
    np.testing.assert_allclose(out, expected(net, x), atol=TOLERANCE, rtol=TOLERANCE)


def test_onnxruntime_matches_forward_on_batches_of_any_size(named_network):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    name, net = named_network
    session = ort.InferenceSession(to_onnx(net, name).SerializeToString(), providers=["CPUExecutionProvider"])
    for n in (1, 5, 33):
        x = batch(net, n)
        (out,) = session.run(None, {"input": x})
        np.testing.assert_allclose(out, expected(net, x), atol=TOLERANCE, rtol=TOLERANCE)


def test_without_the_transpose_before_flatten_a_cnn_would_be_wrong():
    """The NHWC -> NCHW round trip matters: flattening NCHW features feeds the dense layer the wrong order."""
    from tests.export.conftest import network

    net = network("digits-cnn")
    model = to_onnx(net, "digits-cnn")
    transposes = [n for n in model.graph.node if n.op_type == "Transpose"]
    back = [n for n in transposes if list(n.attribute[0].ints) == [0, 2, 3, 1]]
    assert len(back) == 1
    flatten = next(n for n in model.graph.node if n.op_type == "Flatten")
    flatten.input[0] = back[0].input[0]  # skip the transpose back
    x = batch(net)
    (out,) = ReferenceEvaluator(model).run(None, {"input": x})
    assert np.abs(out - expected(net, x)).max() > 1e-3
