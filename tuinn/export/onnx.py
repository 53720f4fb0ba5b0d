"""ONNX export: a tuinn Network as a float32 inference graph (opset 17) with its weights.

The graph takes tuinn's own layout, ``(batch, *input_shape)`` (NHWC for images), and
returns what `Network.forward` returns (probabilities for the classification losses).
Convolutions and pools run in ONNX's NCHW: the image is transposed before the first of
them and transposed back to NHWC before a Flatten (or the end), so the dense weights see
the features in tuinn's order.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import IO, Any

import numpy as np

from tuinn.export import conv_pads
from tuinn.nn import Network
from tuinn.nn.activations import ELU_ALPHA, LEAKY_SLOPE
from tuinn.nn.atomic import write_atomically
from tuinn.nn.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, Layer, Maxout, MaxPool2D

OPSET = 17
INPUT, OUTPUT = "input", "output"
NHWC_TO_NCHW, NCHW_TO_NHWC = [0, 3, 1, 2], [0, 2, 3, 1]


class MissingOnnx(ImportError):
    """The onnx package is not installed; the message says what to install."""


def import_onnx() -> Any:
    """The onnx module, or MissingOnnx saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise MissingOnnx("ONNX export needs the onnx package: pip install 'tuinn[export]'") from None
    return onnx


class _Graph:
    """Nodes and initializers under construction, with unique tensor names."""

    def __init__(self, onnx: Any) -> None:
        self.onnx = onnx
        self.helper = onnx.helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, hint: str, value: np.ndarray) -> str:
        name = self.name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str, **attrs: Any) -> str:
        out = self.name(hint)
        self.nodes.append(self.helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def _activation(g: _Graph, name: str, x: str, hint: str) -> str:
    """The element-wise activation `name` applied to tensor `x`, as standard ops."""
    if name == "linear":
        return x
    simple = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softplus": "Softplus"}
    if name in simple:
        return g.op(simple[name], [x], f"{hint}_{name}")
    if name == "leaky_relu":
        return g.op("LeakyRelu", [x], f"{hint}_{name}", alpha=LEAKY_SLOPE)
    if name == "elu":
        return g.op("Elu", [x], f"{hint}_{name}", alpha=ELU_ALPHA)
    if name == "softmax":
        return g.op("Softmax", [x], f"{hint}_{name}", axis=-1)
    if name == "swish":  # SiLU: x * sigmoid(x)
        return g.op("Mul", [x, g.op("Sigmoid", [x], f"{hint}_sigmoid")], f"{hint}_swish")
    if name == "step":
        ge = g.op("GreaterOrEqual", [x, g.const(f"{hint}_zero", np.zeros(()))], f"{hint}_ge")
        return g.op("Cast", [ge], f"{hint}_step", to=g.onnx.TensorProto.FLOAT)
    if name == "gelu":  # tanh form, as tuinn computes it: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.op("Mul", [g.op("Mul", [x, x], f"{hint}_x2"), x], f"{hint}_x3")
        inner = g.op(
            "Add", [x, g.op("Mul", [cube, g.const(f"{hint}_c", np.array(0.044715))], f"{hint}_cx3")], f"{hint}_sum"
        )
        scaled = g.op("Mul", [inner, g.const(f"{hint}_k", np.array(math.sqrt(2.0 / math.pi)))], f"{hint}_scaled")
        one_plus = g.op(
            "Add", [g.op("Tanh", [scaled], f"{hint}_tanh"), g.const(f"{hint}_one", np.ones(()))], f"{hint}_1p"
        )
        half_x = g.op("Mul", [x, g.const(f"{hint}_half", np.array(0.5))], f"{hint}_halfx")
        return g.op("Mul", [half_x, one_plus], f"{hint}_gelu")
    raise ValueError(f"activation {name!r} has no ONNX mapping")


def _layer(g: _Graph, layer: Layer, x: str, nchw: bool) -> tuple[str, bool]:
    """Append one layer's nodes; returns the output tensor and whether it is in NCHW."""
    p, hint = layer.parameters, layer.name
    if isinstance(layer, (Conv2D, MaxPool2D, AvgPool2D)) and not nchw:
        x, nchw = g.op("Transpose", [x], f"{hint}_to_nchw", perm=NHWC_TO_NCHW), True
    if isinstance(layer, Conv2D):
        top, bottom, left, right = conv_pads(layer)
        w = g.const(f"{hint}_W", p["W"].transpose(3, 2, 0, 1))  # (kh, kw, C, F) -> (F, C, kh, kw)
        x = g.op(
            "Conv",
            [x, w, g.const(f"{hint}_b", p["b"])],
            f"{hint}_conv",
            kernel_shape=list(layer.kernel_size),
            strides=list(layer.stride),
            pads=[top, left, bottom, right],
        )
        return _activation(g, layer.activation, x, hint), nchw
    if isinstance(layer, (MaxPool2D, AvgPool2D)):
        op = "MaxPool" if isinstance(layer, MaxPool2D) else "AveragePool"
        return g.op(op, [x], f"{hint}_pool", kernel_shape=list(layer.pool_size), strides=list(layer.stride)), nchw
    if isinstance(layer, Flatten):
        if nchw:
            x = g.op("Transpose", [x], f"{hint}_to_nhwc", perm=NCHW_TO_NHWC)
        return g.op("Flatten", [x], f"{hint}_flatten", axis=1), False
    if isinstance(layer, Dense):
        w = g.const(f"{hint}_W", p["W"])
        if layer.use_bias:
            z = g.op("Gemm", [x, w, g.const(f"{hint}_b", p["b"])], f"{hint}_gemm")
        else:
            z = g.op("MatMul", [x, w], f"{hint}_matmul")
        return _activation(g, layer.activation, z, hint), nchw
    if isinstance(layer, Maxout):
        n_in, units, pieces = p["W"].shape
        z = g.op(
            "Gemm",
            [x, g.const(f"{hint}_W", p["W"].reshape(n_in, units * pieces)), g.const(f"{hint}_b", p["b"].reshape(-1))],
            f"{hint}_gemm",
        )
        shape = g.name(f"{hint}_shape")
        g.initializers.append(g.onnx.numpy_helper.from_array(np.array([-1, units, pieces], np.int64), shape))
        z = g.op("Reshape", [z, shape], f"{hint}_pieces")
        return g.op("ReduceMax", [z], f"{hint}_max", axes=[2], keepdims=0), nchw
    if isinstance(layer, Dropout):
        return x, nchw  # the identity at inference
    raise ValueError(f"layer {layer.name} ({layer.kind}) has no ONNX mapping")


def to_onnx(net: Network, name: str = "tuinn") -> Any:
    """The network as an onnx ModelProto (float32, opset 17, dynamic batch)."""
    onnx = import_onnx()
    g = _Graph(onnx)
    x, nchw = INPUT, False
    for layer in net.layers:
        x, nchw = _layer(g, layer, x, nchw)
    if nchw:
        x = g.op("Transpose", [x], "to_nhwc", perm=NCHW_TO_NHWC)
    g.nodes.append(g.helper.make_node("Identity", [x], [OUTPUT], name=OUTPUT))
    float32 = onnx.TensorProto.FLOAT
    graph = g.helper.make_graph(
        g.nodes,
        name,
        [g.helper.make_tensor_value_info(INPUT, float32, ["batch", *net.input_shape])],
        [g.helper.make_tensor_value_info(OUTPUT, float32, ["batch", *net.output_shape])],
        g.initializers,
    )
    model = g.helper.make_model(
        graph,
        opset_imports=[g.helper.make_opsetid("", OPSET)],
        producer_name="tuinn",
        doc_string=f"{name}, exported from tuinn",
    )
    model.ir_version = 8  # the IR of opset 17, so older runtimes load it
    onnx.checker.check_model(model, full_check=True)
    return model


def write_onnx(net: Network, path: str | os.PathLike[str], name: str = "tuinn") -> Path:
    """Write the network as an .onnx file, through a temporary name and a rename."""
    data: bytes = to_onnx(net, name).SerializeToString()

    def write(f: IO[Any]) -> None:
        f.write(data)

    return write_atomically(path, write)
