"""On one thread, a step whose layer outputs overflow the cache runs in chunks, by rule (never timed)."""

from __future__ import annotations

import numpy as np

from tests.nn.parallel_support import batch, train
from tuinn.nn import Network, step_plan
from tuinn.nn.step_plan import CHUNK_SAMPLES, ONE_THREAD, StepPlan

CONV = {"type": "conv2d", "kernel_size": 3, "padding": 1, "activation": "relu"}
POOL = {"type": "maxpool2d", "pool_size": 2}
CLASSES = {"type": "dense", "units": 10, "activation": "softmax"}
CNN = {
    "layers": [{**CONV, "filters": 8}, POOL, {**CONV, "filters": 16}, POOL, {"type": "flatten"}, CLASSES],
    "loss": "softmax_cross_entropy",
}
MLP = {"layers": [{"type": "dense", "units": 256, "activation": "relu"}, CLASSES], "loss": "softmax_cross_entropy"}
IN_CHUNKS = StepPlan(1, 1, CHUNK_SAMPLES)


def cnn(size: int, **extra) -> Network:
    return Network.from_spec({**CNN, **extra}, (size, size, 1), seed=3, dtype=np.float32)


def test_the_rule_chunks_a_cnn_whose_outputs_overflow_the_cache_and_nothing_else() -> None:
    large = cnn(64).layers  # 64 samples of 64×64 maps: over 8 MiB of layer outputs
    assert step_plan.one_thread_plan(large, 64, 4) == IN_CHUNKS
    assert step_plan.one_thread_plan(large, 8, 4) == ONE_THREAD  # too few samples for two chunks
    assert step_plan.one_thread_plan(large, 56, 4) == ONE_THREAD  # no equal chunks
    assert step_plan.one_thread_plan(cnn(28).layers, 64, 4) == ONE_THREAD  # 3.2 MB: its chunks' calls cost more
    mlp = Network.from_spec(MLP, (784,)).layers
    assert step_plan.one_thread_plan(mlp, 4096, 4) == ONE_THREAD  # GEMM-bound, however large
    dropout = cnn(64, layers=[*CNN["layers"][:-1], {"type": "dropout", "rate": 0.5}, CLASSES]).layers
    assert step_plan.one_thread_plan(dropout, 64, 4) == ONE_THREAD  # masks: never in chunks


def test_a_large_cnn_on_one_thread_sums_its_chunks_in_order() -> None:
    net, whole = cnn(64), cnn(64)
    x, y = batch((64, 64, 1), n=64)
    loss, _ = net.loss_and_grads(x, y)
    assert net.plan(64) == IN_CHUNKS
    total, expected_loss = None, 0.0
    for start in range(0, 64, CHUNK_SAMPLES):
        part = slice(start, start + CHUNK_SAMPLES)
        expected_loss += whole.shard_loss_and_grads(x[part], y[part], CHUNK_SAMPLES / 64)
        total = whole.flat_grads.copy() if total is None else total + whole.flat_grads
    assert loss == expected_loss
    assert net.flat_grads.tobytes() == total.tobytes()
    whole.shard_loss_and_grads(x, y)  # the whole batch at once differs by rounding only
    np.testing.assert_allclose(net.flat_grads, whole.flat_grads, rtol=1e-3, atol=1e-6)


def test_a_small_net_on_one_thread_steps_its_batch_whole() -> None:
    net, whole = cnn(8), cnn(8)
    x, y = batch((8, 8, 1), n=64)
    net.loss_and_grads(x, y)
    whole.shard_loss_and_grads(x, y)
    assert net.plan(64) == ONE_THREAD
    assert net.flat_grads.tobytes() == whole.flat_grads.tobytes()


def test_training_in_chunks_on_one_thread_repeats_bit_for_bit() -> None:
    a, b = cnn(64), cnn(64)
    losses = train(a, steps=3)
    assert losses == train(b, steps=3)
    assert np.array_equal(a.flat_params, b.flat_params)
