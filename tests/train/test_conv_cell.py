"""How a conv or pooling cell is computed (Snapshot.conv_cell): the numbers add up to the feature map's value."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config import load_preset, with_overrides
from tuinn.config.settings import with_settings
from tuinn.data import data_spec_for_path
from tuinn.nn.activations import get_activation
from tuinn.train import commands as cmd
from tuinn.train.snapshot import ConvCell, Snapshot
from tuinn.train.trainer import Trainer


def float64_trainer(preset: str, steps: int = 5) -> Trainer:
    """`preset` in float64, trained a few steps."""
    trainer = Trainer(with_settings(load_preset(preset), [("train.dtype", "float64")]), stop_at_target=False)
    for _ in range(steps):
        trainer.step()
    return trainer


def ask(trainer: Trainer, command: cmd.SelectConvCell | cmd.MoveConvCell) -> Snapshot:
    trainer.submit(command)
    trainer.apply_commands()
    return trainer.snapshot()


def layer_input(s: Snapshot, cell: ConvCell) -> np.ndarray:
    """What the layer read, as the Snapshot shows it: the sample's image, or the previous layer's feature map."""
    assert s.sample is not None
    if cell.source == "input":
        return s.sample.image.astype(np.float64)
    return next(fm.maps for fm in s.feature_maps if fm.layer == cell.source).astype(np.float64)


def drawn(s: Snapshot, cell: ConvCell) -> float:
    """The value the feature map holds at the cell."""
    return float(next(fm.maps for fm in s.feature_maps if fm.layer == cell.layer)[cell.row, cell.col, cell.channel])


def assert_conv_adds_up(trainer: Trainer, s: Snapshot) -> None:
    cell = s.conv_cell
    assert cell is not None and cell.kind == "conv2d" and cell.kernel is not None and cell.products is not None
    assert cell.patch.dtype == trainer.network.dtype
    np.testing.assert_array_equal(cell.kernel, trainer.network.params[f"{cell.layer}.W"][:, :, :, cell.channel])
    np.testing.assert_allclose(cell.products, cell.patch * cell.kernel, rtol=0, atol=0)
    bias = float(trainer.network.params[f"{cell.layer}.b"][cell.channel])
    assert cell.bias == bias
    z = float(cell.products.sum()) + bias
    value = float(get_activation(cell.activation).fn(np.array([[z]]))[0, 0])
    assert value == pytest.approx(drawn(s, cell), abs=1e-6)
    assert cell.value == pytest.approx(drawn(s, cell), abs=1e-6)
    assert cell.preactivation == pytest.approx(z, abs=1e-12)
    # the patch is the window of the layer's input (zeros where the window hangs over the edge)
    source = layer_input(s, cell)
    r0, c0 = cell.origin
    for i in range(cell.patch.shape[0]):
        for j in range(cell.patch.shape[1]):
            r, c = r0 + i, c0 + j
            inside = 0 <= r < source.shape[0] and 0 <= c < source.shape[1]
            assert cell.padded[i, j] == (not inside)
            expected = source[r, c] if inside else np.zeros(cell.patch.shape[2])
            np.testing.assert_allclose(cell.patch[i, j], expected, atol=1e-6)


def cells_of(trainer: Trainer, layer: str) -> list[tuple[int, int, int]]:
    """A handful of (channel, row, col) of `layer`: corners, the middle and the last channel."""
    h, w, c = next(l for l in trainer.network.layers if l.name == layer).output_shape
    return sorted({(0, 0, 0), (c - 1, h - 1, w - 1), (c // 2, h // 2, w // 2), (1 % c, 0, w - 1), (c - 1, h - 1, 0)})


@pytest.mark.parametrize("preset,layers", [("seed-conv", ["conv2d_1"]), ("digits-cnn", ["conv2d_1", "conv2d_2"])])
def test_products_sum_and_bias_through_the_activation_are_the_feature_maps_value(preset, layers) -> None:
    trainer = float64_trainer(preset)
    for layer in layers:
        for channel, row, col in cells_of(trainer, layer):
            s = ask(trainer, cmd.SelectConvCell(layer, channel, row, col))
            assert s.conv_cell is not None
            assert (s.conv_cell.layer, s.conv_cell.channel, s.conv_cell.row, s.conv_cell.col) == (
                layer,
                channel,
                row,
                col,
            )
            assert_conv_adds_up(trainer, s)


def test_a_max_pooling_windows_winner_is_its_max_and_the_maps_value() -> None:
    trainer = float64_trainer("digits-cnn", steps=20)
    for layer in ("maxpool2d_1", "maxpool2d_2"):
        for channel, row, col in cells_of(trainer, layer):
            s = ask(trainer, cmd.SelectConvCell(layer, channel, row, col))
            cell = s.conv_cell
            assert cell is not None and cell.kind == "maxpool2d" and cell.kernel is None and cell.winner is not None
            window = cell.patch[:, :, 0]
            assert window[cell.winner] == window.max() == cell.total == cell.value
            assert cell.value == pytest.approx(drawn(s, cell), abs=1e-6)
            r0, c0 = cell.origin
            source = layer_input(s, cell)[:, :, channel]
            np.testing.assert_allclose(window, source[r0 : r0 + 2, c0 : c0 + 2], atol=1e-6)


def test_the_numbers_follow_the_latest_snapshot_as_the_run_trains() -> None:
    trainer = float64_trainer("seed-conv", steps=0)
    before = ask(trainer, cmd.SelectConvCell("conv2d_1", 2, 1, 0))
    for _ in range(30):
        trainer.step()
    after = trainer.snapshot()
    assert before.conv_cell is not None and after.conv_cell is not None and after.step == 30
    assert not np.array_equal(before.conv_cell.kernel, after.conv_cell.kernel)  # the kernel learned
    assert_conv_adds_up(trainer, after)
    moved = ask(trainer, cmd.SelectSample(3))  # another sample: another patch, the same kernel
    assert moved.conv_cell is not None and moved.sample is not None and moved.sample.index == 3
    assert not np.array_equal(moved.conv_cell.patch, after.conv_cell.patch)
    assert_conv_adds_up(trainer, moved)


def test_moves_wrap_the_channels_and_layers_and_stop_at_the_edges() -> None:
    trainer = float64_trainer("digits-cnn", steps=0)
    s = ask(trainer, cmd.SelectConvCell("no such layer"))
    assert s.conv_cell is not None and (s.conv_cell.layer, s.conv_cell.row, s.conv_cell.col) == ("conv2d_1", 0, 0)
    assert s.conv_cell.layers == ("conv2d_1", "maxpool2d_1", "conv2d_2", "maxpool2d_2")
    s = ask(trainer, cmd.MoveConvCell(rows=-1, cols=-1, channels=-1))
    assert s.conv_cell is not None and (s.conv_cell.channel, s.conv_cell.row, s.conv_cell.col) == (15, 0, 0)
    s = ask(trainer, cmd.MoveConvCell(rows=100, cols=3))
    assert s.conv_cell is not None and (s.conv_cell.row, s.conv_cell.col) == (7, 3)
    s = ask(trainer, cmd.MoveConvCell(layers=-1))  # wraps to the last layer; the cell stays inside its 2×2 map
    assert s.conv_cell is not None and s.conv_cell.layer == "maxpool2d_2"
    assert (s.conv_cell.channel, s.conv_cell.row, s.conv_cell.col) == (15, 1, 1)
    s = ask(trainer, cmd.SelectConvCell(None))
    assert s.conv_cell is None


def test_no_cell_is_computed_unless_asked_or_without_conv_layers() -> None:
    trainer = float64_trainer("seed-conv", steps=0)
    assert trainer.snapshot().conv_cell is None
    mlp = float64_trainer("xor", steps=0)
    assert ask(mlp, cmd.SelectConvCell("conv2d_1")).conv_cell is None


def test_a_cell_on_a_folder_of_images(tmp_path) -> None:
    pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")
    from tests.data.image_files import write_shapes

    folder = write_shapes(tmp_path / "shapes", per_class=8, size=12, colour=True)
    config = load_preset("digits-cnn")
    config = with_overrides(config, data=data_spec_for_path(str(folder), config.data))
    config = with_settings(config, [("train.dtype", "float64")])
    trainer = Trainer(config, stop_at_target=False)
    for _ in range(3):
        trainer.step()
    s = ask(trainer, cmd.SelectConvCell("conv2d_1", 3, 5, 11))
    assert s.conv_cell is not None and s.conv_cell.patch.shape == (3, 3, 3)  # RGB: three input channels
    assert s.conv_cell.padded[:, 2].all()  # the window hangs over the right edge
    assert_conv_adds_up(trainer, s)


def test_a_lab_edit_that_removes_the_channel_shown_moves_the_cell_inside_the_layer() -> None:
    trainer = float64_trainer("digits-cnn", steps=2)
    ask(trainer, cmd.SelectConvCell("conv2d_1", 15, 7, 7))
    s = ask(trainer, cmd.Edit((("model.layers[0].filters", 4),)))
    assert s.conv_cell is not None and (s.conv_cell.layer, s.conv_cell.channel) == ("conv2d_1", 3)  # 15 wraps to 3
    assert s.conv_cell.kernel is not None and s.conv_cell.kernel.shape == (3, 3, 1)
    assert_conv_adds_up(trainer, s)
    assert_conv_adds_up(trainer, ask(trainer, cmd.SelectConvCell("conv2d_2", 0, 3, 3)))  # its input: 4 channels now


def test_a_recording_keeps_the_cell_exactly(tmp_path) -> None:
    from tuinn.train.recorder import Recorder, Recording

    trainer = float64_trainer("seed-conv", steps=3)
    recorder = Recorder(tmp_path / "cell.rec")
    frames = [ask(trainer, cmd.SelectConvCell("conv2d_1", 1, 0, 1)), ask(trainer, cmd.MoveConvCell(rows=1))]
    for frame in frames:
        recorder.write(frame)
    recorder.close()
    recording = Recording(tmp_path / "cell.rec")
    for i, frame in enumerate(frames):
        shown, kept = recording[i].conv_cell, frame.conv_cell
        assert shown is not None and kept is not None and (shown.row, shown.value) == (kept.row, kept.value)
        np.testing.assert_array_equal(shown.products, kept.products)


def test_an_average_pooling_cell_is_its_windows_mean() -> None:
    config = with_settings(
        load_preset("digits-cnn"), [("model.layers[1].type", "avgpool2d"), ("train.dtype", "float64")]
    )
    trainer = Trainer(config, stop_at_target=False)
    for _ in range(3):
        trainer.step()
    s = ask(trainer, cmd.SelectConvCell("avgpool2d_1", 5, 2, 3))
    cell = s.conv_cell
    assert cell is not None and cell.kind == "avgpool2d" and cell.winner is None
    assert cell.value == pytest.approx(float(cell.patch.mean()), abs=1e-12)
    assert cell.value == pytest.approx(drawn(s, cell), abs=1e-6)
    np.testing.assert_allclose(cell.patch[:, :, 0], layer_input(s, cell)[4:6, 6:8, 5], atol=1e-6)
