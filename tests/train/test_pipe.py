"""The pipe between the app and a run's process: Snapshots and commands arrive exactly as sent; foreign bytes are refused."""

from __future__ import annotations

import dataclasses
import io
import json
import struct

import numpy as np
import pytest

from tuinn.config import load_preset, with_overrides
from tuinn.data import data_spec_for_path
from tuinn.train import commands as cmd
from tuinn.train.pipe import MESSAGE_TYPES, PREFIX, MessageReader, MessageWriter, PipeError, read_message
from tuinn.train.snapshot import Snapshot
from tuinn.train.trainer import Trainer


def assert_same(got, sent, path="snapshot") -> None:
    """Equal to the bit: arrays by dtype, shape and bytes (NaN where NaN), dataclasses field by field."""
    if isinstance(sent, np.ndarray):
        assert isinstance(got, np.ndarray) and (got.dtype, got.shape) == (sent.dtype, sent.shape), path
        assert got.tobytes() == sent.tobytes(), path
        assert got.flags.writeable, path  # (a copy, not a view of the message's bytes)
    elif dataclasses.is_dataclass(sent):
        assert type(got) is type(sent), path
        for f in dataclasses.fields(sent):
            assert_same(getattr(got, f.name), getattr(sent, f.name), f"{path}.{f.name}")
    elif isinstance(sent, (tuple, list)):
        assert type(got) is type(sent) and len(got) == len(sent), path
        for i, (g, s) in enumerate(zip(got, sent)):
            assert_same(g, s, f"{path}[{i}]")
    elif isinstance(sent, dict):
        assert got.keys() == sent.keys(), path
        for k in sent:
            assert_same(got[k], sent[k], f"{path}[{k!r}]")
    elif isinstance(sent, float) and np.isnan(sent):
        assert isinstance(got, float) and np.isnan(got), path
    else:
        assert got == sent and type(got) is type(sent), (path, got, sent)


def trainer_for(preset: str, mnist_folder) -> Trainer:
    config = load_preset(preset)
    if config.needs_data:
        config = with_overrides(config, data=data_spec_for_path(str(mnist_folder), config.data))
    return Trainer(config, stop_at_target=False)


def test_every_presets_snapshots_arrive_exactly_and_the_second_as_its_change(app_preset, mnist_folder) -> None:
    trainer = trainer_for(app_preset, mnist_folder)
    pipe = io.BytesIO()
    writer = MessageWriter(pipe)
    sent: list[Snapshot] = []
    sizes = []
    for steps in (0, 3, 0):  # (the last one unchanged but for nothing: its message is nearly empty)
        for _ in range(steps):
            trainer.step()
        sent.append(trainer.snapshot())
        start = pipe.tell()
        writer.send_snapshot(sent[-1], seq=len(sent))
        sizes.append(pipe.tell() - start)
    pipe.seek(0)
    reader = MessageReader(pipe)
    for i, snapshot in enumerate(sent, 1):
        message = reader.next()
        assert message is not None and message["kind"] == "snapshot" and message["seq"] == i
        assert_same(message["value"], snapshot)
    assert reader.next() is None
    assert sizes[1] < sizes[0] and sizes[2] < sizes[1] and sizes[2] < 2000, sizes


def every_command() -> list[cmd.Command]:
    """One of each command the app sends, with fields of every kind they hold."""
    made = [
        cmd.SetActivation("relu"),
        cmd.CycleActivation(-1),
        cmd.SetLearningRate(0.003),
        cmd.ScaleLearningRate(0.5),
        cmd.SetOptimizer("adam"),
        cmd.CycleOptimizer(),
        cmd.CycleSpeed(-1),
        cmd.Pause(),
        cmd.Resume(),
        cmd.TogglePause(),
        cmd.Step(),
        cmd.Reset(watch=True),
        cmd.SelectLayer(-2),
        cmd.SelectSample(7),
        cmd.SelectConvCell("conv2d_1", 2, 1, 0),
        cmd.SelectConvCell(None),
        cmd.MoveConvCell(layers=1, channels=-1, rows=2, cols=-3),
        cmd.NextMisclassified(-1),
        cmd.Edit((("data.noise", 30), ("train.lr", 0.1), ("model.activation", "relu"), ("data.shuffle", True))),
        cmd.AddLayer(1, "relu"),
        cmd.ResizeLayer(0, -2),
        cmd.RemoveLayer(2),
        cmd.NewSample(),
        cmd.OpenPreset(load_preset("digits-cnn")),
        cmd.SaveCheckpoint("run.npz"),
        cmd.SaveCheckpoint(),
    ]
    kinds = {type(c) for c in made}
    assert kinds == set(cmd.Command.__args__), "a command missing here would not be checked"  # type: ignore[attr-defined]
    return made


class Trickle(io.RawIOBase):
    """An unbuffered pipe whose bytes come a few at a time (a read returns what has come so far)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), 3, len(self.data))
        buffer[:size], self.data = self.data[:size], self.data[size:]
        return size


@pytest.mark.parametrize("in_pieces", [False, True], ids=["whole", "in pieces"])
def test_every_command_arrives_as_sent(in_pieces: bool) -> None:
    pipe = io.BytesIO()
    writer = MessageWriter(pipe)
    commands = every_command()
    for command in commands:
        writer.send_value("command", command)
    reader = MessageReader(Trickle(pipe.getvalue()) if in_pieces else io.BytesIO(pipe.getvalue()))
    for command in commands:
        message = reader.next()
        assert message is not None
        assert_same(message["value"], command)
    assert reader.next() is None


def test_plain_messages_keep_their_fields() -> None:
    pipe = io.BytesIO()
    MessageWriter(pipe).send("ended", lines=["Saved a checkpoint to x.npz"], refusal=None, failure=None)
    pipe.seek(0)
    assert MessageReader(pipe).next() == {
        "kind": "ended",
        "lines": ["Saved a checkpoint to x.npz"],
        "refusal": None,
        "failure": None,
    }


def message(header: object, raw: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return PREFIX.pack(len(text), len(raw)) + text + raw


ARRAY = {"__array__": "<f4", "shape": [2], "at": 0, "bytes": 8}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (message({"kind": "command"})[:-3], "ended inside"),
        (PREFIX.pack(1, 0)[:5], "ended inside"),
        (struct.pack("<II", 1 << 30, 0), "not a message of ours"),
        (PREFIX.pack(3, 0) + b"{x}", "not JSON"),
        (message(["kind"]), "without its kind"),
        (message({"kind": "command", "value": {"__type__": "Popen", "args": "rm"}}), "does not decode"),
        (message({"kind": "command", "value": {**ARRAY, "__array__": "|O"}}, b"\0" * 8), "object arrays"),
        (message({"kind": "command", "value": {**ARRAY, "at": 4}}, b"\0" * 8), "outside the message"),
        (message({"kind": "snapshot", "value": {"__type__": "Pause"}}), "not a Snapshot"),
    ],
)
def test_what_is_not_a_message_of_ours_is_refused(data: bytes, fragment: str) -> None:
    with pytest.raises(PipeError, match=fragment):
        MessageReader(io.BytesIO(data)).next()


def test_an_empty_pipe_is_its_end() -> None:
    assert read_message(io.BytesIO(b"")) is None


def test_a_message_may_name_only_the_runs_own_types() -> None:
    assert "Snapshot" in MESSAGE_TYPES and "OpenPreset" in MESSAGE_TYPES and "RunConfig" in MESSAGE_TYPES
    assert all(dataclasses.is_dataclass(t) for t in MESSAGE_TYPES.values())
