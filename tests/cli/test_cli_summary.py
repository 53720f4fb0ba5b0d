"""`tuinn --summary`: the architecture table, counted from shapes, even for a 10^12-weight net."""

from __future__ import annotations


def test_million_pixels_summary_counts_the_tera_dense_layer(tuinn):
    r = tuinn("--preset", "million-pixels", "--summary")
    assert r.code == 0, r.err
    rows = {line.split()[0]: line for line in r.out.splitlines() if line[:1].isalpha() and "  " in line}
    assert "1,000,001,000,000 (1.0 T)" in rows["dense_1"]
    assert rows["conv2d_1"].split()[3:6] == ["1000×1000×1", "1,000,000", "10"]  # shape, neurons, params
    assert rows["conv2d_1"].rstrip().endswith("1,000,001,000,000 (1.0 T)")  # its dense equivalent


def test_million_pixels_cannot_be_trained_and_says_why(tuinn):
    r = tuinn("--preset", "million-pixels", "--headless")
    assert r.code == 2 and "Traceback" not in r.err
    assert "--summary only" in r.err and "8 TB" in r.err
