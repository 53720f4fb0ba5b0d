"""`tuinn tour --headless`: every stop run, one line each, exit 0 only when every lesson holds."""

from __future__ import annotations

import io

import pytest

from tuinn.config.tour_file import load_tour
from tuinn.report.headless_tour import run_tour_headless


@pytest.mark.slow  # every preset, size or stop: the full suite runs it, the fast lane does not
def test_headless_tour_runs_every_stop_and_exits_0(tuinn):
    r = tuinn("tour", "--headless")
    stops = load_tour()
    lines = r.out.splitlines()
    assert r.code == 0, r.out + r.err
    assert len(lines) == len(stops) + 1
    for i, (line, stop) in enumerate(zip(lines, stops), start=1):
        assert line.startswith(f"{i:>2}/{len(stops)} ok ") and f" {stop.preset} " in line, line
        assert f"expected: {stop.expect} " in line and "actual: " in line, line
        assert ("actual: met" if stop.expect == "meets" else "actual: missed") in line, line
    assert lines[-1] == f"Tour: all {len(stops)} stops behaved as their lessons say (the 3 designed to fail failed)."


def one_stop(**changes: str) -> str:
    text = (
        '[[stop]]\npreset = "and"\ntitle = "t"\nwhen = "1958"\nexpect = "meets"\nhistory = "h"\nlook = "l"\ntry = "t"\n'
    )
    for old, new in changes.items():
        text = text.replace(old, new)
    return text


def test_a_stop_that_does_not_do_what_its_lesson_says_fails_the_tour():
    out = io.StringIO()
    stops = load_tour(one_stop(**{'expect = "meets"': 'expect = "misses"'}), "mine.toml")
    assert run_tour_headless(stops, out) == 1
    first, last = out.getvalue().splitlines()
    assert first.startswith(" 1/1 FAIL and") and "expected: misses" in first and "actual: met" in first
    assert last.startswith("Tour: 1 of 1 stops did not behave")


def test_a_wrong_count_fails_the_stop():
    out = io.StringIO()
    text = one_stop() + '[[stop.check]]\nlayer = "dense_1"\nparameters = 4\n'
    assert run_tour_headless(load_tour(text, "mine.toml"), out) == 1
    assert "dense_1 of and has 3 parameters, not 4" in out.getvalue()


def test_tour_stop_out_of_range_is_bad_input(tuinn):
    r = tuinn("tour", "--stop", "99")
    assert r.code == 2 and "--stop 99: the tour has" in r.err and "Traceback" not in r.err
