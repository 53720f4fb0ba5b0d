"""Each layer's health in the TensorBoard event files of a headless run: the figures its `--json` lines print."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboardX", reason="TensorBoard output needs the extra: pip install 'tuinn[tensorboard]'")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

#: the JSON line's health fields, each a map from layer to figure, and the TensorBoard tag group they go to
FIELDS = ("update_ratio_log10", "saturated", "dead")


def epoch_lines_and_scalars(preset: str, folder) -> tuple[list[dict], dict[str, dict[int, float]]]:
    """The epoch lines of `tuinn --preset PRESET --headless --json --tensorboard FOLDER`, and every scalar it wrote."""
    done = subprocess.run(
        [sys.executable, "-m", "tuinn", "--preset", preset, "--headless", "--json", "--epochs", "3",
         "--tensorboard", str(folder)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0})
    acc.Reload()
    written = {tag: {e.step: e.value for e in acc.Scalars(tag)} for tag in acc.Tags()["scalars"]}
    return [line for line in lines if line["type"] == "epoch"], written


@pytest.mark.parametrize("preset,share", [("deep-sigmoid", "saturated"), ("deep-relu", "dead")])
def test_the_event_files_hold_each_layers_health_as_the_json_lines_print_it(tmp_path, preset, share) -> None:
    epochs, written = epoch_lines_and_scalars(preset, tmp_path / "tb")
    assert epochs  # (deep-relu may meet its target before the third)
    assert epochs[-1][share], f"{preset} has {share} shares to write"
    for line in epochs:
        for field in FIELDS:
            for layer, value in line[field].items():
                assert value is not None  # an epoch line comes after steps and an evaluation
                tag = f"health/{field}/{layer}"
                assert written[tag][line["step"]] == float(np.float32(value)), (tag, line["step"])
    layers = set(epochs[-1]["update_ratio_log10"])
    for field in FIELDS:  # a share the layer does not have is not written as a number
        tags = {tag.rsplit("/", 1)[1] for tag in written if tag.startswith(f"health/{field}/")}
        assert tags == (layers if field == "update_ratio_log10" else set(epochs[-1][field]))
