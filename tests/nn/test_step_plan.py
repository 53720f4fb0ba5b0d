"""Step plans: BLAS threads for a whole step, the calibration that picks a plan, and the watch on it."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from tests.nn.parallel_support import batch, relative_difference, train
from tuinn.nn import Network, products, step_plan
from tuinn.nn.blas import blas_threads, current_blas_threads
from tuinn.nn.parallel import WATCH_SECONDS, WATCH_STEPS, DataParallel
from tuinn.nn.products import ProductSplit
from tuinn.nn.step_plan import ONE_THREAD, RELATIVE_TOLERANCE, StepPlan

MLP = {
    "layers": [
        {"type": "dense", "units": 256, "activation": "relu"},
        {"type": "dense", "units": 128, "activation": "tanh"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
    "loss": "softmax_cross_entropy",
}
DROPOUT_MLP = {**MLP, "layers": [MLP["layers"][0], {"type": "dropout", "rate": 0.5}, *MLP["layers"][1:]]}
XOR = {
    "layers": [
        {"type": "dense", "units": 4, "activation": "tanh"},
        {"type": "dense", "units": 1, "activation": "sigmoid"},
    ],
    "loss": "binary_cross_entropy",
}
BLAS_PLAN = StepPlan(1, 2)
PRODUCTS_PLAN = StepPlan(product_threads=2)
SPLIT_PLAN = StepPlan(2, 1)
CHUNKS = StepPlan(1, 1, step_plan.CHUNK_SAMPLES)
SPLIT_CHUNKS = StepPlan(2, 1, step_plan.CHUNK_SAMPLES)
PROCESS_PLANS = (
    StepPlan(2, 1, processes=True),
    StepPlan(2, 1, step_plan.CHUNK_SAMPLES, processes=True),
    StepPlan(2, 1, step_plan.CHUNK_SAMPLES, processes=True, balanced=True),
)


@pytest.fixture(autouse=True)
def fresh_measurements(monkeypatch):
    """Each test measures on its own (with time for every round, however loaded the machine, and no
    watch unless it tests the watch), with BLAS at one thread around it as the Trainer runs."""
    monkeypatch.setattr(step_plan, "MEASURED", {})
    monkeypatch.setattr("tuinn.nn.parallel.WATCH_STEPS", 10**9)
    monkeypatch.setattr(step_plan, "CALIBRATION_SECONDS", 60.0)
    monkeypatch.setattr(step_plan, "MAX_ROUNDS", 2)
    with threadpool_limits(limits=1):
        yield


def build(threads: int, spec: dict = MLP, dtype=np.float32) -> Network:
    net = Network.from_spec(spec, (784,), seed=2, dtype=dtype)
    net.set_threads(threads)
    return net


def choosing(monkeypatch, plan: StepPlan) -> list[dict]:
    """Make every calibration choose `plan`; returns the timings each calibration handed to `choose`."""
    seen: list[dict] = []

    def choose(seconds):
        seen.append(seconds)
        return plan

    monkeypatch.setattr(step_plan, "choose", choose)
    return seen


def test_blas_threads_are_set_for_the_body_and_restored() -> None:
    assert current_blas_threads() == 1
    with blas_threads(2):
        assert current_blas_threads() == 2
    assert current_blas_threads() == 1


def test_the_choice_is_the_fastest_median_unless_one_thread_is_close() -> None:
    times = {ONE_THREAD: [1.0, 1.0, 9.0], BLAS_PLAN: [0.7, 0.8, 0.75], SPLIT_PLAN: [0.9, 0.6, 0.85]}
    assert step_plan.choose(times) == BLAS_PLAN  # medians 1.0, 0.75, 0.85
    assert step_plan.choose({ONE_THREAD: [1.0], BLAS_PLAN: [1.0 - step_plan.MARGIN / 2]}) == ONE_THREAD
    assert step_plan.choose({ONE_THREAD: [1.0], SPLIT_PLAN: [1.2]}) == ONE_THREAD


def test_candidates_by_net(monkeypatch) -> None:
    mlp, dropout = build(2).layers, build(2, DROPOUT_MLP).layers
    splits = (SPLIT_PLAN, CHUNKS, SPLIT_CHUNKS)
    assert step_plan.candidates(mlp, 128, 2, replicable=True) == (
        ONE_THREAD,
        BLAS_PLAN,
        PRODUCTS_PLAN,
        *splits,
        *PROCESS_PLANS,
    )
    monkeypatch.setattr(step_plan, "PROCESSES", False)  # no fork here: splits in threads only
    assert step_plan.candidates(mlp, 128, 2, replicable=True) == (ONE_THREAD, BLAS_PLAN, PRODUCTS_PLAN, *splits)
    whole = (ONE_THREAD, BLAS_PLAN, PRODUCTS_PLAN)
    assert step_plan.candidates(mlp, 80, 2, replicable=True) == (*whole, SPLIT_PLAN)  # no equal chunks
    assert step_plan.candidates(mlp, 128, 1, replicable=True) == (ONE_THREAD,)
    assert step_plan.candidates(mlp, 128, 2, replicable=False) == whole
    assert step_plan.candidates(dropout, 128, 2, replicable=True) == whole  # masks: no split
    # products too small to cut: BLAS threads are still tried, threads in the products not
    monkeypatch.setattr(products, "MIN_SPLIT_MULT_ADDS", 784 * 256 * 32 + 1)
    assert step_plan.candidates(mlp, 32, 2, replicable=False) == (ONE_THREAD, BLAS_PLAN)
    xor = Network.from_spec(XOR, (2,)).layers
    assert step_plan.candidates(xor, 4, 2, replicable=True) == (ONE_THREAD,)


def test_a_step_with_blas_threads_runs_its_products_on_them(monkeypatch) -> None:
    choosing(monkeypatch, BLAS_PLAN)
    net = build(2)
    seen: list[int] = []
    inner = net.shard_loss_and_grads
    monkeypatch.setattr(net, "shard_loss_and_grads", lambda *a: seen.append(current_blas_threads()) or inner(*a))
    x, y = batch((784,))
    net.loss_and_grads(x, y)
    assert net._parallel.plan(len(x)) == BLAS_PLAN
    assert set(seen) == {1, 2}  # the calibration tried one thread and two BLAS threads
    seen.clear()
    net.loss_and_grads(x, y)
    assert seen == [2]  # the chosen plan
    assert current_blas_threads() == 1  # restored after the step


@pytest.mark.parametrize("plan", [BLAS_PLAN, PRODUCTS_PLAN, CHUNKS, SPLIT_CHUNKS], ids=StepPlan.describe)
@pytest.mark.parametrize(("dtype", "tolerance"), [(np.float32, RELATIVE_TOLERANCE), (np.float64, 1e-12)])
def test_every_plan_gives_the_one_thread_gradients_within_the_tolerance(monkeypatch, plan, dtype, tolerance) -> None:
    choosing(monkeypatch, plan)
    x, y = batch((784,), dtype=dtype)
    one, two = build(1, dtype=dtype), build(2, dtype=dtype)
    loss_one, _ = one.loss_and_grads(x, y)
    loss_two, _ = two.loss_and_grads(x, y)
    assert two._parallel.plan(len(x)) == plan
    assert loss_two == pytest.approx(loss_one, rel=tolerance)
    assert relative_difference(two.flat_grads, one.flat_grads) < tolerance


@pytest.mark.parametrize("plan", [BLAS_PLAN, PRODUCTS_PLAN, SPLIT_CHUNKS], ids=StepPlan.describe)
def test_a_plan_repeats_bit_for_bit(monkeypatch, plan) -> None:
    choosing(monkeypatch, plan)
    a, b = build(2), build(2)
    assert train(a) == train(b)
    assert np.array_equal(a.flat_params, b.flat_params)


def test_a_calibration_leaves_no_trace_in_the_training(monkeypatch) -> None:
    """A net that calibrated and then split trains exactly as one told to split from the start."""
    choosing(monkeypatch, SPLIT_PLAN)
    calibrated = build(2)
    losses = train(calibrated)
    assert calibrated._parallel.plan(128) == SPLIT_PLAN
    monkeypatch.setattr(step_plan, "CALIBRATE", False)
    monkeypatch.setattr(step_plan, "MAX_GEMM_SHARE", 1.0)  # the rules' prior for the MLP: the split
    monkeypatch.setattr(step_plan, "MEASURED", {})
    told = build(2)
    assert train(told) == losses
    assert np.array_equal(told.flat_params, calibrated.flat_params)


def test_a_calibration_does_not_draw_dropout_masks(monkeypatch) -> None:
    """The masks after a calibration are those a one-thread net draws: the losses agree to rounding."""
    choosing(monkeypatch, BLAS_PLAN)
    one, two = build(1, DROPOUT_MLP), build(2, DROPOUT_MLP)
    np.testing.assert_allclose(train(two), train(one), rtol=1e-5)


def test_a_plan_is_measured_once_per_shape(monkeypatch) -> None:
    seen = choosing(monkeypatch, BLAS_PLAN)
    x, y = batch((784,))
    first, second = build(2), build(2)
    first.loss_and_grads(x, y)
    first.loss_and_grads(x, y)
    second.loss_and_grads(x, y)  # another network of the same shape: measured already
    assert len(seen) == 1
    assert set(seen[0]) == {ONE_THREAD, BLAS_PLAN, PRODUCTS_PLAN, SPLIT_PLAN, CHUNKS, SPLIT_CHUNKS, *PROCESS_PLANS}
    assert all(len(times) == step_plan.MAX_ROUNDS for times in seen[0].values())
    first.loss_and_grads(x[:64], y[:64])  # another batch size: measured on its own
    assert len(seen) == 2


def test_tiny_nets_are_never_timed(monkeypatch) -> None:
    seen = choosing(monkeypatch, BLAS_PLAN)
    xor = Network.from_spec(XOR, (2,))
    xor.set_threads(4)
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    xor.loss_and_grads(x, np.array([[0.0], [1.0], [1.0], [0.0]]))
    assert seen == [] and xor._parallel.plan(4) == ONE_THREAD and xor._parallel._crew is None


def test_a_step_too_slow_for_the_budget_still_gets_one_timed_round(monkeypatch) -> None:
    seen = choosing(monkeypatch, SPLIT_PLAN)
    monkeypatch.setattr(step_plan, "CALIBRATION_SECONDS", 0.0)
    net = build(2)
    train(net, 2)
    assert len(seen) == 1 and all(len(times) == 1 for times in seen[0].values())
    assert net._parallel.plan(128) == SPLIT_PLAN


def test_a_plan_slower_than_one_thread_was_falls_back_and_is_measured_again(monkeypatch) -> None:
    seen = choosing(monkeypatch, BLAS_PLAN)
    monkeypatch.setattr("tuinn.nn.parallel.WATCH_STEPS", 3)
    monkeypatch.setattr("tuinn.nn.parallel.WATCH_SECONDS", 0.0)  # windows of 3 steps, however short
    net = build(2)
    parallel: DataParallel = net._parallel
    train(net, 1)
    assert len(seen) == 1
    key, shape, _ = parallel._watched
    parallel._watched = (key, shape, float("inf"))  # one thread as slow as can be
    parallel.new_window()
    train(net, 3)
    assert parallel.plan(128) == BLAS_PLAN and len(seen) == 1  # the plan holds
    parallel._watched = (key, shape, 0.0)  # one thread faster than any step can be
    parallel.new_window()
    train(net, 3)  # the watch sees 3 slow steps: one thread at once
    assert parallel.plan(128) == ONE_THREAD and shape not in step_plan.MEASURED
    train(net, 2)
    assert len(seen) == 1  # not yet measured again
    parallel._retry_at = 0.0  # the wait is over
    train(net, 2)
    assert len(seen) == 2 and parallel.plan(128) == BLAS_PLAN  # measured again


def test_a_batch_size_measured_on_one_thread_keeps_the_watch_on_another(monkeypatch) -> None:
    """The last, smaller batch of an epoch measuring one thread leaves the main batch's plan watched."""
    verdicts = iter([BLAS_PLAN, ONE_THREAD])
    monkeypatch.setattr(step_plan, "choose", lambda seconds: next(verdicts))
    net = build(2)
    x, y = batch((784,))
    net.loss_and_grads(x, y)
    net.loss_and_grads(x[:64], y[:64])
    parallel: DataParallel = net._parallel
    assert parallel.plan(64) == ONE_THREAD and parallel.plan(128) == BLAS_PLAN
    assert parallel._watching and parallel._watched[0][0] == 128


def test_a_step_with_threads_in_the_products_cuts_the_large_ones(monkeypatch) -> None:
    choosing(monkeypatch, PRODUCTS_PLAN)
    net = build(2)
    x, y = batch((784,))
    net.loss_and_grads(x, y)
    cuts: list[tuple[int, ...]] = []
    real = ProductSplit.matmul
    monkeypatch.setattr(ProductSplit, "matmul", lambda self, a, b, out: cuts.append(out.shape) or real(self, a, b, out))
    net.loss_and_grads(x, y)
    assert net._parallel.plan(len(x)) == PRODUCTS_PLAN
    assert (128, 256) in cuts and (784, 256) in cuts  # the first layer's forward and weight gradient
    assert all(layer.products is None for layer in net.layers)  # only while the step runs
    assert current_blas_threads() == 1


def test_plans_with_blas_threads_are_timed_after_every_other(monkeypatch) -> None:
    """OpenBLAS's threads spin after a product on them: no other plan is timed in their wake."""
    seen = choosing(monkeypatch, ONE_THREAD)
    net = build(2)
    parallel: DataParallel = net._parallel
    order: list[StepPlan] = []
    inner = parallel._run
    monkeypatch.setattr(parallel, "_run", lambda x, y, plan: order.append(plan) or inner(x, y, plan))
    train(net, 1)
    assert set(seen[0]) == {ONE_THREAD, BLAS_PLAN, PRODUCTS_PLAN, SPLIT_PLAN, CHUNKS, SPLIT_CHUNKS, *PROCESS_PLANS}
    *calibration, step = order  # the calibration's steps, then the step by the chosen plan
    assert step == ONE_THREAD
    assert set(calibration[calibration.index(BLAS_PLAN) :]) == {BLAS_PLAN}
    assert all(len(times) == step_plan.MAX_ROUNDS for times in seen[0].values())


class FakeSteps:
    """Steps that cost each plan what `costs` says, on a clock that moves only by them (no step runs)."""

    def __init__(self, monkeypatch, parallel: DataParallel, costs: dict[StepPlan, float]) -> None:
        self.now = 0.0
        self.costs = costs
        self.ran: list[StepPlan] = []
        parallel.clock = lambda: self.now
        monkeypatch.setattr(parallel, "_run", self.run)

    def run(self, x, y, plan: StepPlan) -> float:
        self.ran.append(plan)
        self.now += self.costs[plan]
        return 0.0


#: seconds a step of the MLP's candidates, made up: one thread 10 ms
COSTS = {
    ONE_THREAD: 0.010,
    BLAS_PLAN: 0.008,
    PRODUCTS_PLAN: 0.0099,
    SPLIT_PLAN: 0.012,
    CHUNKS: 0.02,
    SPLIT_CHUNKS: 0.015,
    PROCESS_PLANS[0]: 0.011,
    PROCESS_PLANS[1]: 0.014,
    PROCESS_PLANS[2]: 0.0145,
}


@pytest.mark.parametrize(
    ("changed", "chosen"),
    [
        ({}, BLAS_PLAN),
        ({BLAS_PLAN: 0.0099, SPLIT_PLAN: 0.007}, SPLIT_PLAN),
        ({BLAS_PLAN: 0.0097}, ONE_THREAD),  # within the margin of one thread
    ],
)
def test_the_calibration_chooses_from_the_costs_it_measures(monkeypatch, changed, chosen) -> None:
    net = build(2)
    costs = {**COSTS, **changed}
    FakeSteps(monkeypatch, net._parallel, costs)
    handed: list[dict] = []
    real = step_plan.choose
    monkeypatch.setattr(step_plan, "choose", lambda seconds: handed.append(seconds) or real(seconds))
    x, y = batch((784,))
    net.loss_and_grads(x, y)
    assert net._parallel.plan(128) == chosen
    assert handed[0] == {plan: [pytest.approx(cost)] * step_plan.MAX_ROUNDS for plan, cost in costs.items()}
    (measured,) = step_plan.MEASURED.values()
    assert measured.plan == chosen and measured.one_thread_seconds == pytest.approx(costs[ONE_THREAD])


def test_a_sample_is_a_run_of_steps_and_the_rounds_keep_to_the_budget(monkeypatch) -> None:
    monkeypatch.setattr(step_plan, "MAX_ROUNDS", 9)
    monkeypatch.setattr(step_plan, "CALIBRATION_SECONDS", 0.6)
    net = build(2)
    costs = {**COSTS, ONE_THREAD: 0.002, BLAS_PLAN: 0.0015}  # a sample: 3 and 4 steps of them
    steps = FakeSteps(monkeypatch, net._parallel, costs)
    handed = choosing(monkeypatch, ONE_THREAD)
    x, y = batch((784,))
    net.loss_and_grads(x, y)
    rounds = len(handed[0][ONE_THREAD])
    assert 1 < rounds < step_plan.MAX_ROUNDS
    assert all(len(times) == rounds for plan, times in handed[0].items() if plan.blas_threads == 1)
    # each round: one step to settle the plan's buffers, then a sample of SAMPLE_SECONDS; one warm-up step
    assert steps.ran.count(ONE_THREAD) == 1 + rounds * (1 + 3) + 1  # and the chosen plan's step
    blas_rounds = len(handed[0][BLAS_PLAN])
    assert steps.ran.count(BLAS_PLAN) == 1 + blas_rounds * (1 + 4)
    warm_ups = sum(costs.values())
    assert steps.now - warm_ups - costs[ONE_THREAD] <= step_plan.CALIBRATION_SECONDS


def test_the_watch_keeps_a_plan_through_a_few_slow_steps_and_drops_it_when_slow_for_good(monkeypatch) -> None:
    monkeypatch.setattr("tuinn.nn.parallel.WATCH_STEPS", WATCH_STEPS)  # the fixture turned the watch off
    net = build(2)
    parallel: DataParallel = net._parallel
    costs = dict(COSTS)
    FakeSteps(monkeypatch, parallel, costs)
    x, y = batch((784,))
    net.loss_and_grads(x, y)
    assert parallel.plan(128) == BLAS_PLAN
    steps = int(3 * WATCH_SECONDS / costs[BLAS_PLAN])
    for step in range(steps):  # another process's burst: 3 steps 50 ms each
        costs[BLAS_PLAN] = 0.05 if steps // 2 <= step < steps // 2 + 3 else 0.008
        net.loss_and_grads(x, y)
    assert parallel.plan(128) == BLAS_PLAN
    costs[BLAS_PLAN] = 0.04  # another process keeps a core: BLAS threads wait for it at every product
    for _ in range(int(2 * WATCH_SECONDS / costs[BLAS_PLAN])):
        net.loss_and_grads(x, y)
    assert parallel.plan(128) == ONE_THREAD
