"""DivergenceWatch: what counts as diverged, and one truth for the step and loss it reports."""

from __future__ import annotations

import math
import re

from tuinn.train.divergence import SUSTAINED_STEPS, DivergenceWatch
from tuinn.train.trainer import Trainer


def first_alarm(losses, **options) -> tuple[int, str] | None:
    watch = DivergenceWatch(**options)
    for step, loss in enumerate(losses, start=1):
        reason = watch.check(loss)
        if reason:
            return step, reason
    return None


def test_non_finite_and_exploding_losses_are_caught_at_once():
    assert first_alarm([0.7, 0.6, math.nan])[0] == 3
    assert first_alarm([0.7, 0.6, math.inf])[0] == 3
    assert first_alarm([0.7, 2e6])[0] == 2


def test_an_oscillating_loss_far_above_its_start_is_caught():
    # saturated outputs: the loss swings between ~0.7 and ~100 (xor at lr 100 did), never 10^6 times the start
    losses = [0.73] + [100.0 if i % 2 else 0.7 for i in range(200)]
    step, reason = first_alarm(losses)
    assert step < 60 and f"after {SUSTAINED_STEPS} steps above 10×" in reason


def test_short_spikes_and_slow_learning_are_not_divergence():
    spikes = [0.7] + [50.0 if i % 50 == 0 else 0.5 for i in range(500)]  # one bad batch in fifty
    assert first_alarm(spikes) is None
    assert first_alarm([0.7 * 0.99**i for i in range(1000)]) is None
    assert first_alarm([0.7] + [6.0] * 500) is None  # high, but under 10× the start


def test_the_perceptron_rule_is_judged_by_the_first_two_signs_only():
    assert first_alarm([0.0] + [0.75] * 100, sustained=False) is None
    assert first_alarm([0.0, math.nan], sustained=False)[0] == 2


def test_status_history_and_message_agree_on_the_diverged_step_and_loss(diverging_config):
    t = Trainer(diverging_config)
    t.run_epochs(500)
    snap = t.snapshot(detail=False)
    found = re.search(r"stopped at step (\d+) .*the loss became (\S+)", t.diverged)
    step, loss = int(found.group(1)), float(found.group(2))
    assert snap.step == step == t.events[-1].step
    assert f"{snap.train_loss:.4g}" == f"{loss:.4g}"
    assert f"{snap.curves['train_loss'].values[-1]:.4g}" == f"{loss:.4g}"
