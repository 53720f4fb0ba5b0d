"""`--record FILE` and `tuinn replay FILE` from the command line: files written, bad ones refused."""

from __future__ import annotations

import pytest

from tests.cli.test_bad_input import assert_bad_input
from tuinn.train.recorder import Recording


def test_headless_records_every_evaluation_and_says_so(tuinn, tmp_path):
    r = tuinn("--preset", "xor", "--headless", "--record", "ci.rec")
    assert r.code == 0, r.err
    recording = Recording(tmp_path / "ci.rec")
    assert f"Recorded {len(recording)} frames to ci.rec" in r.out
    assert recording[len(recording) - 1].target_met and recording[0].step == 0


def test_json_mode_keeps_stdout_for_json(tuinn, tmp_path):
    import json

    r = tuinn("--preset", "xor", "--headless", "--json", "--record", "ci.rec")
    assert r.code == 0
    assert all(json.loads(line) for line in r.out.splitlines())
    assert "Recorded" in r.err


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--preset", "xor", "--headless", "--record", "no/such/dir/r.rec"], ["--record", "does not exist"]),
        (["--preset", "xor", "--headless", "--record", "."], ["--record", "give a file name"]),
        (["replay", "missing.rec"], ["missing.rec"]),
        (["replay", "junk.rec"], ["junk.rec", "not a tuinn recording"]),
    ],
)
def test_bad_record_and_replay_paths_exit_2(tuinn, tmp_path, args, fragments):
    (tmp_path / "junk.rec").write_text("hello\n")
    assert_bad_input(tuinn(*args), *fragments)
