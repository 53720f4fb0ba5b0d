"""The benchmarked workloads: one spec each, run the same way by tuinn and by PyTorch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Workload:
    """A network, a batch and the settings of one benchmarked training step."""

    name: str
    title: str
    spec: dict
    input_shape: tuple[int, ...]
    batch: int
    dtype: str
    lr: float
    #: the issue's targets: a step time to stay under, a speed ratio over PyTorch to reach,
    #: a share of the measured float32 GEMM peak, tuinn's own speed-up from 1 thread to the default
    max_step_seconds: float | None = None
    min_ratio: float | None = None
    min_peak_share: float | None = None
    min_speedup: float | None = None

    @property
    def outputs(self) -> int:
        return self.spec["layers"][-1]["units"]

    @property
    def per_step(self) -> bool:
        """Report time per step (tiny nets) rather than samples per second."""
        return self.max_step_seconds is not None

    @property
    def needs_conv(self) -> bool:
        return any(layer["type"] == "conv2d" for layer in self.spec["layers"])

    def gemm_flops(self) -> int:
        """Floating-point operations of the matrix products in one step of a dense-only net.

        Forward, weight gradient and input gradient of every layer but the first (whose
        input gradient neither engine computes): 2·batch·inputs·units each.
        """
        sizes = [self.input_shape[0]] + [layer["units"] for layer in self.spec["layers"]]
        macs = [a * b for a, b in zip(sizes, sizes[1:])]
        return 2 * self.batch * (3 * sum(macs) - macs[0])


def dense(units: int, activation: str) -> dict:
    return {"type": "dense", "units": units, "activation": activation}


def conv(filters: int) -> dict:
    return {"type": "conv2d", "filters": filters, "kernel_size": 3, "padding": 1, "activation": "relu"}


POOL = {"type": "maxpool2d", "pool_size": 2}
FLATTEN = {"type": "flatten"}


def cnn(size: int, **targets: float) -> Workload:
    """conv 3×3×8 pad 1 relu, maxpool 2, conv 3×3×16 pad 1 relu, maxpool 2, flatten, dense 10."""
    layers = [conv(8), POOL, conv(16), POOL, FLATTEN, dense(10, "softmax")]
    spec = {"layers": layers, "loss": "softmax_cross_entropy"}
    title = f"CNN {size}×{size}×1 (conv8-pool-conv16-pool-dense10), batch 64"
    return Workload(f"cnn{size}", title, spec, (size, size, 1), 64, "float32", 0.01, **targets)


def cifar_cnn() -> Workload:
    """The net a user graduates to: 32×32×3, conv 32 and 64 (3×3 pad 1, relu, maxpool 2), dense 128, 10."""
    layers = [conv(32), POOL, conv(64), POOL, FLATTEN, dense(128, "relu"), dense(10, "softmax")]
    spec = {"layers": layers, "loss": "softmax_cross_entropy"}
    title = "CNN 32×32×3 (conv32-pool-conv64-pool-dense128-dense10), batch 64"
    return Workload("cnn32", title, spec, (32, 32, 3), 64, "float32", 0.01, min_ratio=1.2)


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "xor",
            "XOR 2-4-1, full batch (4), one step",
            {"layers": [dense(4, "tanh"), dense(1, "sigmoid")], "loss": "binary_cross_entropy"},
            (2,),
            4,
            "float64",
            0.5,
            max_step_seconds=20e-6,
        ),
        Workload(
            "mlp",
            "MLP 784-256-128-10, batch 128",
            {
                "layers": [dense(256, "relu"), dense(128, "relu"), dense(10, "softmax")],
                "loss": "softmax_cross_entropy",
            },
            (784,),
            128,
            "float32",
            0.01,
            min_peak_share=0.9,
        ),
        cnn(28, min_ratio=1.5, min_speedup=1.6),
        cnn(8, min_ratio=2.5),
        cifar_cnn(),
    )
}


def synthetic_batch(w: Workload, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (N, *input_shape) and class labels (N,) drawn from a seeded Generator."""
    if w.name == "xor":
        return np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=w.dtype), np.array([0, 1, 1, 0])
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((w.batch, *w.input_shape)).astype(w.dtype)
    return x, rng.integers(0, w.outputs, w.batch)
