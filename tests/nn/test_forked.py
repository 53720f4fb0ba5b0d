"""Splits whose slices run in forked worker processes: the thread split's bits, and workers that never outlive their use."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from tests.nn.parallel_support import batch, train
from tuinn.nn import Network, forked, step_plan
from tuinn.nn.step_plan import StepPlan

pytestmark = pytest.mark.skipif(not forked.AVAILABLE, reason="fork is not available on this platform")

CONV = {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": 1, "activation": "relu"}
CNN = {
    "layers": [
        CONV,
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
    "loss": "softmax_cross_entropy",
}
SHAPE = (8, 8, 2)
ONE = StepPlan()
SPLIT = StepPlan(2, 1)
IN_PROCESSES = replace(SPLIT, processes=True)
CHUNKS_IN_PROCESSES = StepPlan(2, 1, step_plan.CHUNK_SAMPLES, processes=True)
TAKING_CHUNKS = replace(CHUNKS_IN_PROCESSES, balanced=True)


@pytest.fixture(autouse=True)
def one_blas_thread():
    """BLAS at one thread around training, as the Trainer runs it."""
    with threadpool_limits(limits=1):
        yield


def build(plan: StepPlan, dtype=np.float32) -> Network:
    """A CNN at two threads that steps every batch by `plan` (no calibration)."""
    net = Network.from_spec(CNN, SHAPE, seed=4, dtype=dtype)
    net.set_threads(2)
    net._parallel._measure = lambda x, y: plan  # an attribute of this object only (nothing to undo)
    return net


def workers(net: Network) -> list[int]:
    """The pids of the network's worker processes."""
    return [worker.pid for worker in net._parallel._forked]


def ended(pid: int, seconds: float = 5.0) -> bool:
    """Whether process `pid` is gone (or a zombie) within `seconds`, reaping it if it is this process's child."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return True
        except ChildProcessError:  # not our child: look it up
            stat = Path(f"/proc/{pid}/stat")
            if not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("plan", [IN_PROCESSES, CHUNKS_IN_PROCESSES], ids=StepPlan.describe)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_split_in_processes_gives_the_thread_splits_bits(plan, dtype) -> None:
    x, y = batch(SHAPE, n=64, dtype=dtype)
    in_threads, in_processes = build(replace(plan, processes=False), dtype), build(plan, dtype)
    loss_threads, _ = in_threads.loss_and_grads(x, y)
    loss_processes, _ = in_processes.loss_and_grads(x, y)
    assert in_processes._parallel.plan(len(x)) == plan
    assert len(workers(in_processes)) == 1 and not workers(in_threads)
    assert loss_processes == loss_threads
    assert in_processes.flat_grads.tobytes() == in_threads.flat_grads.tobytes()


def test_training_in_processes_follows_the_parameters_step_by_step() -> None:
    in_threads, in_processes = build(SPLIT), build(IN_PROCESSES)
    losses = train(in_processes, steps=6)
    assert losses == train(in_threads, steps=6)  # the worker saw each step's new parameters
    assert losses[-1] < losses[0]
    assert np.array_equal(in_processes.flat_params, in_threads.flat_params)


def test_a_worker_is_forked_again_after_an_activation_switch() -> None:
    x, y = batch(SHAPE, n=64)
    in_threads, in_processes = build(SPLIT), build(IN_PROCESSES)
    in_processes.loss_and_grads(x, y)
    (before,) = workers(in_processes)
    for net in (in_threads, in_processes):
        net.set_activation("tanh")
        net.loss_and_grads(x, y)
    assert workers(in_processes) != [before]
    assert ended(before)
    assert in_processes.flat_grads.tobytes() == in_threads.flat_grads.tobytes()


def test_a_larger_batch_gets_a_worker_with_room_for_its_slice() -> None:
    net = build(IN_PROCESSES)
    net.loss_and_grads(*batch(SHAPE, n=64))
    (small,) = workers(net)
    x, y = batch(SHAPE, n=256)
    net.loss_and_grads(x, y)
    assert workers(net) != [small] and ended(small)
    reference = build(SPLIT)
    reference.loss_and_grads(x, y)
    assert net.flat_grads.tobytes() == reference.flat_grads.tobytes()


def test_a_killed_worker_leaves_the_split_to_threads_with_the_same_result() -> None:
    x, y = batch(SHAPE, n=64)
    in_threads, net = build(SPLIT), build(IN_PROCESSES)
    net.loss_and_grads(x, y)
    (pid,) = workers(net)
    os.kill(pid, signal.SIGKILL)
    assert ended(pid)
    loss, _ = net.loss_and_grads(x, y)
    assert net._parallel.plan(len(x)) == SPLIT  # its thread twin from now on
    assert not workers(net)
    assert loss == in_threads.loss_and_grads(x, y)[0]
    assert net.flat_grads.tobytes() == in_threads.flat_grads.tobytes()


def test_an_error_in_the_workers_slice_is_raised_to_the_caller() -> None:
    x, y = batch(SHAPE, n=64)
    net = build(IN_PROCESSES)
    net.loss_and_grads(x, y)
    x[40:] = 1e30  # only the worker's slice (the second half): its softmax underflows
    with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
        net.loss_and_grads(x, y)
    x[40:] = 0.5
    with np.errstate(under="raise"):
        net.loss_and_grads(x, y)  # the worker is still there and steps on
    assert len(workers(net)) == 1


def test_a_worker_ends_with_its_network() -> None:
    net = build(IN_PROCESSES)
    net.loss_and_grads(*batch(SHAPE, n=64))
    (pid,) = workers(net)
    net.set_threads(1)  # the split and its worker are dropped
    assert ended(pid)


def test_a_worker_ends_when_the_process_that_made_it_is_killed() -> None:
    read, write = os.pipe()
    maker = os.fork()
    if maker == 0:  # a process that makes a worker, says its pid and waits to be killed
        try:
            os.close(read)
            net = build(IN_PROCESSES)
            net.loss_and_grads(*batch(SHAPE, n=64))
            os.write(write, str(workers(net)[0]).encode())
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(write)
    pid = int(os.read(read, 32))
    os.close(read)
    os.kill(maker, signal.SIGKILL)
    os.waitpid(maker, 0)
    assert ended(pid)


def test_a_process_forked_later_steps_on_threads_and_leaves_the_worker_to_its_parent() -> None:
    x, y = batch(SHAPE, n=64)
    net = build(IN_PROCESSES)
    net.loss_and_grads(x, y)
    (pid,) = workers(net)
    expected = net.flat_grads.tobytes()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the parent's worker pipes are closed here: the split falls back to threads
        try:
            os.close(read)
            net.loss_and_grads(x, y)
            same = net.flat_grads.tobytes() == expected and not workers(net)
            os.write(write, b"same" if same else b"differ")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.close(read)
    os.waitpid(child, 0)
    assert answer == b"same"
    assert not ended(pid, seconds=0.2)  # the parent's worker is untouched
    net.loss_and_grads(x, y)
    assert workers(net) == [pid] and net.flat_grads.tobytes() == expected


def test_the_calibration_times_splits_in_processes_and_ends_their_workers_unless_chosen(monkeypatch) -> None:
    monkeypatch.setattr(step_plan, "MEASURED", {})
    monkeypatch.setattr(step_plan, "MIN_CALL_MICROSECONDS", 1e-3)  # a net this small may split
    monkeypatch.setattr(step_plan, "MAX_ROUNDS", 1)
    timed: list[dict] = []
    monkeypatch.setattr(step_plan, "choose", lambda seconds: timed.append(seconds) or SPLIT)
    net = Network.from_spec(CNN, SHAPE, seed=4)
    net.set_threads(2)
    net.loss_and_grads(*batch(SHAPE, n=64))
    assert {IN_PROCESSES, CHUNKS_IN_PROCESSES, TAKING_CHUNKS} <= set(timed[0])
    assert net._parallel.plan(64) == SPLIT
    assert not workers(net)  # the worker the calibration forked has ended


def test_a_split_in_processes_runs_from_a_thread_other_than_the_main_one() -> None:
    x, y = batch(SHAPE, n=64)
    in_threads, in_processes = build(SPLIT), build(IN_PROCESSES)
    in_threads.loss_and_grads(x, y)
    training = threading.Thread(target=in_processes.loss_and_grads, args=(x, y))  # as the app's run trains
    training.start()
    training.join(timeout=60)
    assert len(workers(in_processes)) == 1  # the worker served the step (a lost one leaves none)
    assert in_processes.flat_grads.tobytes() == in_threads.flat_grads.tobytes()


def test_a_worker_holds_no_file_of_its_callers_but_its_own_pipes() -> None:
    read, write = os.pipe()  # a pipe whose reader waits for its end, as the app waits for its run's
    try:
        net = build(IN_PROCESSES)
        net.loss_and_grads(*batch(SHAPE, n=64))
        (pid,) = workers(net)
        held = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd") if int(fd) > 2}
        assert len(held) == 2 and all(name.startswith("pipe:") for name in held)
        assert f"pipe:[{os.fstat(write).st_ino}]" not in held
    finally:
        os.close(read)
        os.close(write)


def chunk_by_chunk(x: np.ndarray, y: np.ndarray, dtype=np.float32) -> tuple[float, np.ndarray]:
    """The loss and gradients of a batch as one process sums its chunks' (each stepped alone) in chunk order."""
    net = build(ONE, dtype)
    chunk, loss, total = step_plan.CHUNK_SAMPLES, 0.0, None
    for start in range(0, len(x), chunk):
        part = slice(start, start + chunk)
        loss += net.shard_loss_and_grads(x[part], y[part], chunk / len(x))
        total = net.flat_grads.copy() if total is None else total + net.flat_grads
    return loss, total


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chunks_taken_as_each_process_is_free_sum_in_chunk_order(dtype) -> None:
    x, y = batch(SHAPE, n=128, dtype=dtype)
    net = build(TAKING_CHUNKS, dtype)
    loss, _ = net.loss_and_grads(x, y)
    expected_loss, expected = chunk_by_chunk(x, y, dtype)
    assert loss == expected_loss
    assert net.flat_grads.tobytes() == expected.tobytes()  # whichever process took which chunk
    net.loss_and_grads(x, y)
    assert net.flat_grads.tobytes() == expected.tobytes()  # and again: no chunk left over from the last step


def test_training_on_chunks_taken_as_free_repeats_bit_for_bit() -> None:
    a, b = build(TAKING_CHUNKS), build(TAKING_CHUNKS)
    losses = train(a, steps=4)
    assert losses == train(b, steps=4)
    assert losses[-1] < losses[0]
    assert np.array_equal(a.flat_params, b.flat_params)


def test_an_error_in_a_taken_chunk_is_raised_and_the_next_step_takes_only_its_own_chunks() -> None:
    x, y = batch(SHAPE, n=128)
    net = build(TAKING_CHUNKS)
    net.loss_and_grads(x, y)
    bad = x.copy()
    bad[16:] = 1e30  # every chunk after the first: some of them the worker's
    with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
        net.loss_and_grads(bad, y)
    loss, _ = net.loss_and_grads(x, y)
    expected_loss, expected = chunk_by_chunk(x, y)
    assert loss == expected_loss and net.flat_grads.tobytes() == expected.tobytes()


def test_a_killed_worker_taking_chunks_leaves_them_to_threads() -> None:
    x, y = batch(SHAPE, n=64)
    net = build(TAKING_CHUNKS)
    net.loss_and_grads(x, y)
    (pid,) = workers(net)
    os.kill(pid, signal.SIGKILL)
    assert ended(pid)
    net.loss_and_grads(x, y)
    assert net._parallel.plan(len(x)) == StepPlan(2, 1, step_plan.CHUNK_SAMPLES)
    in_threads = build(StepPlan(2, 1, step_plan.CHUNK_SAMPLES))
    in_threads.loss_and_grads(x, y)
    assert net.flat_grads.tobytes() == in_threads.flat_grads.tobytes()
