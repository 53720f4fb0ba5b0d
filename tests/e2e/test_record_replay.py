"""Record a run in the app in a real terminal, then replay it there: what was seen comes back, frame by frame."""

import re
import time

import pytest

from tuinn.train.recorder import Recording


@pytest.mark.e2e
def test_app_records_as_it_goes_and_replay_shows_it(terminal, tmp_path):
    rec = tmp_path / "xor.rec"
    pane = terminal(f"tuinn --preset xor --epochs 100000000 --record {rec}")
    pane.wait_for("Decision boundary", "running", timeout=20)
    pane.wait_for(re.compile(r"Step +[1-9][\d,]{2,}"), timeout=20)
    # readable while the app still writes (a frame being written is skipped); the app records
    # at most 2 frames a second, so a second frame comes within about half a second
    deadline = time.monotonic() + 10
    while len(Recording(rec)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(Recording(rec)) >= 2
    pane.send_keys("Space")
    pane.wait_for(re.compile(r"State +paused"))
    pane.send_keys("q")
    pane.assert_exit(0)

    recording = Recording(rec)
    last = recording[len(recording) - 1]
    assert last.paused and last.step >= 100
    assert recording[0].step < last.step

    replay = terminal(f"tuinn replay {rec}")
    replay.wait_for("replay xor.rec", "Decision boundary", "Architecture", timeout=20)
    replay.send_keys("End")
    replay.wait_for(
        f"frame {len(recording)}/{len(recording)}", re.compile(rf"Step +{last.step:,}\b"), re.compile(r"State +paused")
    )
    replay.send_keys("Home")
    replay.wait_for(f"frame 1/{len(recording)}", re.compile(rf"Step +{recording[0].step:,}\b"))
    replay.send_keys("q")
    replay.assert_exit(0)
    replay.assert_restored()
