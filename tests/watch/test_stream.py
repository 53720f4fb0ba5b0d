"""Following a recording as it grows: frames as they land, a half-written line waits, foreign files refused."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tuinn.config import load_preset
from tuinn.train.recorder import Recorder, Recording, RecordingError
from tuinn.train.stream import Stream, describe_idle
from tuinn.train.trainer import Trainer


@pytest.fixture(scope="module")
def snapshots():
    """Five Snapshots of an xor run, a few steps apart."""
    trainer = Trainer(load_preset("xor"))
    shots = []
    for _ in range(5):
        for _ in range(3):
            trainer.step()
        shots.append(trainer.snapshot())
    return shots


def test_frames_arrive_as_the_writer_appends_them(tmp_path, snapshots) -> None:
    path = tmp_path / "run.rec"
    recorder = Recorder(path)
    stream = Stream(path)
    assert stream.poll() == 0 and len(stream) == 0
    recorder.write(snapshots[0])
    recorder.write(snapshots[1])
    assert stream.poll() == 2 and [stream[i].step for i in range(2)] == [snapshots[0].step, snapshots[1].step]
    assert stream.poll() == 0
    for s in snapshots[2:]:
        recorder.write(s)
    assert stream.poll() == 3
    recorder.close()
    whole = Recording(path)
    for i in range(len(whole)):
        assert stream[i].step == whole[i].step and stream[i].train_loss == whole[i].train_loss
        np.testing.assert_array_equal(stream[i].curves["train_loss"].values, whole[i].curves["train_loss"].values)
        np.testing.assert_array_equal(stream[i].grad_history, whole[i].grad_history)


def test_a_half_written_line_waits_for_its_end(tmp_path, snapshots) -> None:
    path = tmp_path / "run.rec"
    recorder = Recorder(path)
    recorder.write(snapshots[0])
    recorder.write(snapshots[1])
    recorder.close()
    data = path.read_bytes()
    cut = data.rindex(b"\n", 0, len(data) - 1) + 40  # 40 bytes into the last frame
    path.write_bytes(data[:cut])
    stream = Stream(path)
    assert stream.poll() == 1 and stream.torn
    with open(path, "ab") as f:
        f.write(data[cut:])
    assert stream.poll() == 1 and not stream.torn and stream[1].step == snapshots[1].step


@pytest.mark.parametrize(
    "content, says",
    [
        (b"step,loss\n1,0.5\n", "not a tuinn recording"),
        (b'{"format": "tuinn-recording", "version": 99}\n', "version 99"),
        (b"no newline and not json", "not a tuinn recording"),
    ],
)
def test_a_file_that_is_not_a_stream_is_refused(tmp_path, content, says) -> None:
    path = tmp_path / "other.txt"
    path.write_bytes(content)
    with pytest.raises(RecordingError, match=says):
        Stream(path).poll()


def test_a_bad_frame_names_its_line(tmp_path, snapshots) -> None:
    path = tmp_path / "run.rec"
    recorder = Recorder(path)
    recorder.write(snapshots[0])
    recorder.close()
    with open(path, "a") as f:
        f.write('{"step": "x"}\n')
    stream = Stream(path)
    with pytest.raises(RecordingError, match="line 3 is not a tuinn frame"):
        stream.poll()


def test_idle_time_and_its_words(tmp_path, snapshots) -> None:
    path = tmp_path / "run.rec"
    Recorder(path).close()
    stream = Stream(path)
    stream.poll()
    assert stream.idle_for(stream.last_growth + 130) == pytest.approx(130)
    assert [describe_idle(s) for s in (5, 130, 7200)] == ["5 s", "2 min", "2 h"]


def test_replay_reads_what_stream_reads(tmp_path, snapshots) -> None:
    path = tmp_path / "run.rec"
    recorder = Recorder(path)
    for s in snapshots:
        recorder.write(dataclasses.replace(s, description="x"))
    recorder.close()
    stream = Stream(path)
    stream.poll()
    assert len(stream) == len(Recording(path)) == 5
