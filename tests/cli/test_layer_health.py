"""A layer's health read from the `--json` lines of a real `tuinn` process: the vanishing gradient as a figure."""

from __future__ import annotations

import json

import pytest

SEEDS = ("0", "1", "2")
LOW, HIGH = -4.0, -2.0  # the healthy band of log10(‖ΔW‖ / ‖W‖)


def epoch_lines(tuinn, preset: str, seed: str, epochs: str = "2") -> list[dict]:
    r = tuinn("--preset", preset, "--headless", "--json", "--epochs", epochs, "--seed", seed)
    assert r.code in (0, 1), r.err
    lines = [json.loads(line) for line in r.out.splitlines()]
    epochs_seen = [line for line in lines if line["type"] == "epoch"]
    assert epochs_seen, r.out
    return epochs_seen


@pytest.mark.parametrize("seed", SEEDS)
def test_deep_sigmoids_first_layers_are_not_learning(tuinn, seed: str) -> None:
    for line in epoch_lines(tuinn, "deep-sigmoid", seed):
        ratios = line["update_ratio_log10"]
        assert list(ratios) == [f"dense_{k}" for k in range(1, 10)]
        assert all(ratios[f"dense_{k}"] < LOW for k in range(1, 5)), ratios  # the first four layers
        assert set(line["saturated"]) == {f"dense_{k}" for k in range(1, 9)} and line["dead"] == {}
        assert all(0.0 <= share <= 1.0 for share in line["saturated"].values())


@pytest.mark.parametrize("seed", SEEDS)
def test_deep_relus_first_layer_learns_in_the_healthy_band(tuinn, seed: str) -> None:
    for line in epoch_lines(tuinn, "deep-relu", seed):
        ratios = line["update_ratio_log10"]
        assert LOW < ratios["dense_1"] < HIGH, ratios
        assert line["saturated"] == {}
        assert set(line["dead"]) == {f"dense_{k}" for k in range(1, 9)}


def test_the_end_summary_lists_each_layers_health(tuinn) -> None:
    r = tuinn("--preset", "deep-sigmoid", "--headless", "--epochs", "1")
    lines = r.out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Layer health"))
    rows = lines[start + 1 : start + 10]
    assert [row.split()[0] for row in rows] == [f"dense_{k}" for k in range(1, 10)]
    assert "not learning" in rows[0] and "saturated" in rows[0]
