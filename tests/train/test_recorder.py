"""Recordings: Snapshots written as a run goes, read back field by field; torn and foreign files."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from tuinn.config import load_preset
from tuinn.report.console import JsonReporter
from tuinn.report.headless import run_headless
from tuinn.train import commands as cmd
from tuinn.train.picture_codec import PAD, REUSE_SPAN
from tuinn.train.recorder import (
    FIRST_INTERVAL,
    FRAMES_PER_LEVEL,
    LEVELS,
    MAX_PENDING,
    PICTURE_BYTES_PER_FRAME,
    PICTURE_FIELDS,
    Recorder,
    Recording,
    RecordingError,
    _same_array,
)
from tuinn.train.trainer import Trainer


def record(tmp_path, preset: str, epochs: int | None = None):
    """Run a preset headless with a recorder; return the Recording and the trainer's last snapshot."""
    config = load_preset(preset)
    if epochs is not None:
        config = dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=epochs))
    trainer = Trainer(config)
    recorder = Recorder(tmp_path / f"{preset}.rec")
    run_headless(trainer, JsonReporter(io.StringIO()), recorder=recorder)
    recorder.close()
    return Recording(tmp_path / f"{preset}.rec"), trainer.snapshot(), recorder


def assert_like(recorded, live, path="snapshot", widest=1.0):
    """Equal field by field: scalars exactly, integer arrays exactly, float pictures to one 8-bit level.

    A picture's level is its span / LEVELS, times `widest` for frames between keyframes (a kept range).
    """
    if isinstance(live, np.ndarray):
        assert isinstance(recorded, np.ndarray) and recorded.shape == live.shape and recorded.dtype == live.dtype, path
        if live.dtype.kind == "f" and live.size:
            finite = live[np.isfinite(live)]
            step = (finite.max() - finite.min()) / LEVELS * widest if finite.size else 0
            np.testing.assert_allclose(recorded, live, atol=step / 2 * 1.001 + 1e-12, err_msg=path)
        else:
            np.testing.assert_array_equal(recorded, live, err_msg=path)
    elif dataclasses.is_dataclass(live):
        assert type(recorded) is type(live), path
        for f in dataclasses.fields(live):
            if f.name != "curves":
                assert_like(getattr(recorded, f.name), getattr(live, f.name), f"{path}.{f.name}", widest)
    elif isinstance(live, (tuple, list)):
        assert isinstance(recorded, type(live)) and len(recorded) == len(live), path
        for i, (r, l) in enumerate(zip(recorded, live)):
            assert_like(r, l, f"{path}[{i}]", widest)
    elif isinstance(live, dict):
        assert recorded.keys() == live.keys(), path
        for k in live:
            assert_like(recorded[k], live[k], f"{path}[{k!r}]", widest)
    else:
        assert recorded == live, (path, recorded, live)


@pytest.mark.parametrize("preset", ["spiral", "digits-cnn", "regression", "and"])
def test_the_last_frame_is_the_run_as_it_ended(tmp_path, preset):
    recording, live, recorder = record(tmp_path, preset, epochs=6)
    assert len(recording) == recorder.frames >= 3
    last = recording[len(recording) - 1]
    assert_like(last, live)
    for name, curve in live.curves.items():
        got = last.curves[name]
        assert (np.diff(got.steps) > 0).all()
        np.testing.assert_array_equal(got.values[-len(curve) :][-1:], curve.values[-1:])


def test_frames_show_the_run_in_order_with_curves_up_to_each_frame(tmp_path):
    recording, _, _ = record(tmp_path, "spiral", epochs=20)
    steps = [recording[i].step for i in range(len(recording))]
    assert steps == sorted(steps) and steps[0] == 0
    for i in range(len(recording)):
        frame = recording[i]
        assert all(len(c) == 0 or c.steps[-1] <= frame.step for c in frame.curves.values())
    assert len(recording[len(recording) // 2].curves["train_loss"]) < len(
        recording[len(recording) - 1].curves["train_loss"]
    )


def test_unchanged_fields_are_written_once(tmp_path):
    recording, _, _ = record(tmp_path, "xor", epochs=30)
    lines = (tmp_path / "xor.rec").read_text().splitlines()[1:]
    assert "description" in json.loads(lines[0]) and all("description" not in json.loads(l) for l in lines[1:])
    assert recording[len(recording) - 1].description == load_preset("xor").description


def test_a_torn_last_line_leaves_every_whole_frame_readable(tmp_path):
    recording, _, recorder = record(tmp_path, "xor", epochs=30)
    path = tmp_path / "xor.rec"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # the run died writing its last frame
    torn = Recording(path)
    assert torn.torn and len(torn) == recorder.frames - 1
    assert torn[len(torn) - 1].step == recording[len(recording) - 2].step


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "not a tuinn recording"),
        (b"PK\x03\x04 a zip", "not a tuinn recording"),
        (b'{"format": "tuinn-recording", "version": 99}\n', "version 99"),
        (b'{"format": "tuinn-recording", "version": 1}\n', "no frames"),
        (b'{"format": "tuinn-recording", "version": 1}\n{"step": 1}\n', "line 2"),
        (b'{"format": "tuinn-recording", "version": 1}\n[1, 2]\n', "line 2"),
    ],
)
def test_foreign_or_broken_files_are_refused_naming_the_file(tmp_path, content, fragment):
    path = tmp_path / "bad.rec"
    path.write_bytes(content)
    with pytest.raises(RecordingError, match=fragment) as e:
        Recording(path)
    assert "bad.rec" in str(e.value)


def test_an_object_array_in_a_recording_is_never_loaded(tmp_path):
    recording, _, _ = record(tmp_path, "xor", epochs=30)
    path = tmp_path / "xor.rec"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"__array__":"<f8"', '"__array__":"|O"', 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingError, match="object arrays"):
        Recording(path)


def test_the_app_frame_rate_halves_every_level_so_long_runs_stay_small(tmp_path):
    trainer = Trainer(load_preset("xor"))
    snap = trainer.snapshot()
    now = [0.0]
    recorder = Recorder(tmp_path / "r.rec", clock=lambda: now[0])
    taken = 0
    hour = 3600.0
    while now[0] < hour:
        taken += recorder.offer(snap)
        recorder.flush()  # the writer thread keeps up (this clock runs faster than any writer: nothing coalesces)
        now[0] += 0.1
    recorder.close()
    # levels of FRAMES_PER_LEVEL frames at FIRST_INTERVAL, 2x, 4x ... cover an hour in few frames
    assert taken == recorder.frames
    assert FRAMES_PER_LEVEL < taken < 6 * FRAMES_PER_LEVEL
    assert recorder.interval >= 2**4 * FIRST_INTERVAL


def record_at_pace(tmp_path, preset: str, frames: int, steps: int):
    """Record `frames` frames of `preset`, `steps` training steps apart, the last a keyframe (as the app's end)."""
    config = load_preset(preset)
    trainer = Trainer(
        dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=10**6)), stop_at_target=False
    )
    recorder = Recorder(tmp_path / f"{preset}.rec")
    live = []
    for frame in range(frames):
        for _ in range(steps):
            trainer.step()
        trainer.evaluate()
        live.append(trainer.snapshot())
        recorder.write(live[-1], keyframe=frame == frames - 1)
    recorder.close()
    lines = [json.loads(line) for line in (tmp_path / f"{preset}.rec").read_text().splitlines()[1:]]
    return Recording(tmp_path / f"{preset}.rec"), live, lines


@pytest.mark.parametrize("preset", ["spiral", "digits-cnn"])
def test_every_frame_shows_the_run_then_with_the_pictures_last_written(tmp_path, preset):
    recording, live, lines = record_at_pace(tmp_path, preset, frames=24, steps=20)
    widest = max(1 / REUSE_SPAN, 1 + 2 * PAD)
    picture_frames = {name: [i for i, line in enumerate(lines) if name in line] for name in PICTURE_FIELDS}
    for i in range(len(recording)):
        frame = recording[i]
        for f in dataclasses.fields(frame):
            if f.name == "curves":
                continue
            shown_from = max((j for j in picture_frames.get(f.name, [i]) if j <= i), default=i)
            last = i == len(recording) - 1
            assert_like(
                getattr(frame, f.name),
                getattr(live[shown_from], f.name),
                f"frame {i}.{f.name}",
                1.0 if last else widest,
            )
    assert len(picture_frames["decision" if preset == "spiral" else "feature_maps"]) >= 3


@pytest.mark.parametrize("preset", ["xor", "spiral", "digits-cnn", "deep-sigmoid"])
def test_frames_stay_a_few_kilobytes_and_pictures_keep_to_their_budget(tmp_path, preset):
    _, _, lines = record_at_pace(tmp_path, preset, frames=30, steps=50)
    sizes = [len(json.dumps(line, separators=(",", ":"))) for line in lines]
    picture_bytes = sum(
        len(json.dumps(line[name], separators=(",", ":")))
        for line in lines[1:-1]
        for name in PICTURE_FIELDS
        if name in line
    )
    largest = max((len(json.dumps(line.get(name, ""))) for line in lines for name in PICTURE_FIELDS), default=0)
    assert picture_bytes <= PICTURE_BYTES_PER_FRAME * (len(lines) - 1) + largest
    assert sum(sizes[1:-1]) / len(sizes[1:-1]) < 8_000, sizes  # ~740 frames an hour: under 6 MB


def test_unchanged_parts_of_a_field_are_written_once(tmp_path):
    _, live, lines = record_at_pace(tmp_path, "spiral", frames=12, steps=20)
    written = [line["decision"] for line in lines if "decision" in line]
    assert len(written) >= 2 and "points" in written[0]
    assert all(d.get("__delta__") == "DecisionSurface" and "points" not in d and "labels" not in d for d in written[1:])


def test_a_version_1_recording_is_still_read(tmp_path):
    _, live, _ = record_at_pace(tmp_path, "xor", frames=1, steps=5)
    path = tmp_path / "xor.rec"
    header, first = path.read_text().splitlines()[:2]
    path.write_text(header.replace('"version":2', '"version":1') + "\n" + first + "\n")
    recording = Recording(path)
    assert len(recording) == 1
    assert_like(recording[0], live[0])


def steps_recorded(path) -> list[int]:
    recording = Recording(path)
    return [recording[i].step for i in range(len(recording))]


def test_offered_frames_are_written_in_order_by_the_writer_thread(tmp_path, monkeypatch):
    writers = []
    encode = Recorder._encode
    monkeypatch.setattr(
        Recorder, "_encode", lambda self, *a: (writers.append(threading.current_thread()), encode(self, *a))
    )
    trainer = Trainer(load_preset("xor"), stop_at_target=False)
    now = [0.0]
    recorder = Recorder(tmp_path / "r.rec", clock=lambda: now[0])
    offered = []
    for _ in range(12):
        trainer.step()
        offered.append(trainer.step_count)
        assert recorder.offer(trainer.snapshot())
        recorder.flush()
        now[0] += 1.0
    recorder.close()
    assert steps_recorded(tmp_path / "r.rec") == offered
    assert writers and all(t is not threading.main_thread() and t.name == "tuinn-recorder" for t in writers)


def test_a_writer_behind_coalesces_and_close_writes_the_final_frame(tmp_path, monkeypatch):
    gate = threading.Event()
    encode = Recorder._encode
    monkeypatch.setattr(Recorder, "_encode", lambda self, *a: (gate.wait(10), encode(self, *a)))
    trainer = Trainer(load_preset("xor"), stop_at_target=False)
    now = [0.0]
    recorder = Recorder(tmp_path / "r.rec", clock=lambda: now[0])
    for _ in range(3 * MAX_PENDING):  # the writer is held at the first frame: the queue fills
        trainer.step()
        assert recorder.offer(trainer.snapshot())
        now[0] += 1.0
    trainer.step()
    final = trainer.snapshot()
    assert recorder.offer(final, force=True)
    threading.Timer(0.2, gate.set).start()
    recorder.close()  # waits for the writer: every frame still queued is written, the final one last
    steps = steps_recorded(tmp_path / "r.rec")
    assert steps[-1] == final.step and steps == sorted(set(steps))
    assert recorder.coalesced > 0 and recorder.frames == len(steps) == recorder.accepted
    assert len(steps) <= MAX_PENDING + 2


def test_a_finished_run_is_not_recorded_past_its_end(tmp_path):
    config = load_preset("xor")
    trainer = Trainer(dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=5)))
    trainer.run_epochs(5)
    assert trainer.finished
    now = [0.0]
    recorder = Recorder(tmp_path / "r.rec", clock=lambda: now[0])
    taken = 0
    for _ in range(50):  # the screen goes on showing the finished run
        taken += recorder.offer(trainer.snapshot())
        now[0] += 5.0
    assert taken == 1
    trainer.submit(cmd.CycleActivation())  # something new on the finished run is recorded
    trainer.apply_commands()
    assert recorder.offer(trainer.snapshot())
    assert recorder.offer(trainer.snapshot(), force=True)  # the run as it ended: a keyframe
    recorder.close()
    assert len(steps_recorded(tmp_path / "r.rec")) == 3


def test_frames_still_queued_are_written_when_the_process_ends_without_close(tmp_path):
    script = f"""
import time
from tuinn.config import load_preset
from tuinn.train.recorder import Recorder
from tuinn.train.trainer import Trainer
encode = Recorder._encode
Recorder._encode = lambda self, *a: (time.sleep(0.2), encode(self, *a))  # a writer far behind
trainer = Trainer(load_preset("xor"))
recorder = Recorder({str(tmp_path / "r.rec")!r})
for _ in range(3):
    trainer.step()
    recorder.offer(trainer.snapshot(), force=True)
raise SystemExit(3)  # an error: the app never closes the recorder
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert steps_recorded(tmp_path / "r.rec") == [1, 2, 3]


def test_a_pretraining_run_reads_back_with_every_layer_where_it_began_and_how_it_ended(tmp_path):
    recording, live, _ = record_at_pace(tmp_path, "deep-sigmoid-pretrained", frames=4, steps=180)
    assert len(recording) == 4
    for i, snapshot in enumerate(live):
        assert recording[i].pretrain == snapshot.pretrain and recording[i].phase == "pretrain"
    assert_like(recording[3], live[3])
    status = recording[3].pretrain
    assert status is not None and status.starts == (0, 250, 500) and len(status.final_losses) == 2


def test_arrays_compare_as_array_equal_with_nan_whatever_cell_differs():
    """The encoder's array comparison looks at three cells before a whole pass: its answer is the whole pass's."""
    rng = np.random.default_rng(7)
    cases = 0
    for shape in [(0,), (1,), (2,), (5,), (3, 4), (2, 3, 5)]:
        for dtype in (np.float32, np.float64, np.int64, np.bool_):
            a = rng.normal(size=shape).astype(dtype)
            size = a.size
            variants = [a.copy(), a.astype(np.float16), a.reshape(-1)[:-1].copy() if size else a[:0].copy()]
            for i in range(size):  # one cell changed, at every place (the three looked at first and the others)
                b = a.copy()
                b.flat[i] = (not b.flat[i]) if dtype is np.bool_ else b.flat[i] + 1
                variants.append(b)
            if dtype in (np.float32, np.float64) and size:
                nan_both = a.copy()
                nan_both.flat[size // 2] = np.nan
                variants.append(nan_both)
                a_nan = nan_both.copy()
                for b in variants:
                    assert _same_array(a_nan, b) == (
                        a_nan.shape == b.shape and a_nan.dtype == b.dtype and np.array_equal(a_nan, b, equal_nan=True)
                    )
            for b in variants:
                expected = a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
                assert _same_array(a, b) == expected, (shape, dtype, b)
                cases += 1
    assert cases > 100
