"""Every built-in preset: the plan counted from shapes is what the Trainer's network builds."""

from __future__ import annotations

import pytest

from tuinn.config import load_preset, preset_names
from tuinn.train.setup import build_network, plan_model, preset_input_shape

#: presets too large to allocate: their plan is tested by hand in tests/nn/test_plan.py
TOO_LARGE = {"million-pixels"}


@pytest.mark.parametrize("name", sorted(set(preset_names()) - TOO_LARGE))
def test_plan_agrees_with_the_built_network(name: str) -> None:
    config = load_preset(name)
    shape = preset_input_shape(config)
    net, plan = build_network(config, shape), plan_model(config, shape)
    assert plan.rows == net.summary_rows()
    assert plan.parameter_shapes == {key: p.shape for key, p in net.params.items()}
    assert plan.network_bytes == net.flat_params.nbytes + net.flat_grads.nbytes
    assert plan.output_shape == net.output_shape


def test_million_pixels_is_planned_not_built() -> None:
    config = load_preset("million-pixels")
    plan = plan_model(config, config.input_shape)
    dense = next(r for r in plan.rows if r.type.startswith("Dense(1000000"))
    conv = next(r for r in plan.rows if r.type.startswith("Conv2D"))
    assert dense.parameters == conv.dense_equivalent == 1_000_001_000_000
    assert dense.neurons == conv.neurons == 1000 * 1000 * 1 and conv.parameters == 10
