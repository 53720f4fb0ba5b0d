"""TensorBoard event files of a tuinn run, a watched loop and an exported recording, read by TensorBoard's own reader."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboardX", reason="TensorBoard output needs the extra: pip install 'tuinn[tensorboard]'")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
Image = pytest.importorskip("PIL.Image")

from tuinn.train.recorder import Recording  # noqa: E402


def events(folder):
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


def scalars(acc, tag: str) -> dict[int, float]:
    return {e.step: e.value for e in acc.Scalars(tag)}


def f32(x: float) -> float:
    return float(np.float32(x))


def test_a_headless_run_writes_the_json_lines_scalars(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tuinn", "--preset", "spiral", "--headless", "--json", "--epochs", "4",
         "--tensorboard", str(tmp_path / "tb")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    epochs = [line for line in lines if line["type"] == "epoch"]
    assert len(epochs) == 4
    acc = events(tmp_path / "tb")
    for key, tag in (("loss", "epoch/loss"), ("val_loss", "epoch/val_loss"), ("val_metric", "epoch/val_metric")):
        written = scalars(acc, tag)
        for line in epochs:
            assert written[line["step"]] == f32(line[key]), (tag, line["step"])
    for layer in epochs[0]["grad_norms"]:
        written = scalars(acc, f"grad_norm/{layer}")
        assert all(written[line["step"]] == f32(line["grad_norms"][layer]) for line in epochs)
    loss_steps = scalars(acc, "curve/train_loss")
    assert sorted(loss_steps) == list(range(1, epochs[-1]["step"] + 1))
    assert "pictures/decision" in acc.Tags()["images"]


def test_a_watched_loop_and_its_export_agree_with_the_stream(tmp_path) -> None:
    torch = pytest.importorskip("torch", reason="tuinn.watch needs the torch extra")
    import tuinn
    from tests.watch.torch_support import image_batch, small_cnn

    model = small_cnn()
    sample, targets = image_batch(4)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    w = tuinn.watch(
        model,
        tmp_path / "run.tuinn",
        sample=sample,
        targets=targets,
        optimizer=opt,
        every=4,
        tensorboard=tmp_path / "tb",
    )
    for step in range(1, 14):
        x, y = image_batch(16, seed=step)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        w.step(loss=loss)
    w.close()
    recording = Recording(tmp_path / "run.tuinn")
    done = subprocess.run(
        [sys.executable, "-m", "tuinn", "export-tensorboard", str(tmp_path / "run.tuinn"), str(tmp_path / "export")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    last = recording[len(recording) - 1]
    for folder in ("tb", "export"):
        acc = events(tmp_path / folder)
        for name in ("0", "3", "6"):
            written = scalars(acc, f"grad_norm/{name}")
            for i in range(len(recording) - 1):
                frame = recording[i]
                norm = next(s.grad_norm for s in frame.layer_stats if s.name == name)
                assert written[frame.step] == f32(norm)
            ratio = last.curves[f"update_ratio/{name}"]
            assert scalars(acc, f"curve/update_ratio/{name}") == {
                int(s): f32(v) for s, v in zip(ratio.steps, ratio.values)
            }
        loss = last.curves["train_loss"]
        assert scalars(acc, "curve/train_loss") == {int(s): f32(v) for s, v in zip(loss.steps, loss.values)}
        assert scalars(acc, "lr") == {recording[i].step: f32(0.05) for i in range(len(recording))}
        tags = acc.Tags()["images"]
        assert {"pictures/sample", "pictures/maps/0"} <= set(tags)
        picture = acc.Images("pictures/maps/0")[-1]
        decoded = Image.open(io.BytesIO(picture.encoded_image_string))
        assert decoded.size == (picture.width, picture.height) == (2 * 9, 2 * 9)  # 4 tiles of 8×8, a line between


def test_export_refuses_a_file_that_is_not_a_recording(tmp_path) -> None:
    (tmp_path / "x.txt").write_text("x\n")
    done = subprocess.run(
        [sys.executable, "-m", "tuinn", "export-tensorboard", str(tmp_path / "x.txt"), str(tmp_path / "tb")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and "not a tuinn recording" in done.stderr


def test_the_apps_frames_reach_the_board_at_its_pace(tmp_path) -> None:
    from tuinn.config import load_preset
    from tuinn.report.tensorboard import BoardTee
    from tuinn.train.trainer import Trainer

    trainer = Trainer(load_preset("xor"))
    tee = BoardTee(tmp_path / "tb")
    shots = []
    for _ in range(3):
        trainer.step()
        shots.append(trainer.snapshot())
    assert tee.offer(shots[0]) and not tee.offer(shots[1]) and tee.offer(shots[2], force=True)
    tee.close()
    assert set(scalars(events(tmp_path / "tb"), "lr")) == {shots[0].step, shots[2].step}


def test_without_tensorboardx_the_run_says_what_to_install(tmp_path) -> None:
    hide = "import sys; sys.modules['tensorboardX'] = None; from tuinn.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", hide, "--preset", "xor", "--headless", "--tensorboard", str(tmp_path / "tb")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "pip install 'tuinn[tensorboard]'" in done.stderr
