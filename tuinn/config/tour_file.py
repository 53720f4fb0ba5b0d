"""The guided tour: the presets in the order of the history, each stop with its lesson text.

The stops live in ``presets/tour.toml`` beside the presets they show (text, not code)::

    [[stop]]
    preset = "perceptron-xor"
    title = "The perceptron cannot learn XOR"
    when = "1969"
    expect = "misses"          # "meets" or "misses" its target: what the lesson says will happen
    history = "What happened in history."
    look = "What to look at on the screen."
    try = "What to try, with the keys."
    table = "million-pixels"   # optional: a preset whose --summary table the stop also shows
    lesson = ["gradients"]     # optional: the panels the stop is about (default: its preset's lesson)
    compare = "previous"       # optional: pin this run as the baseline on the way here ("previous": the
                               # stop before; or a preset's name): its curves stay beside the stop's own
    start = "paused"           # optional: "paused" (read first, space starts it) or "watch" (the watching pace)

    [[stop.check]]             # optional: counts the lesson quotes, from the preset's plan
    preset = "million-pixels"  # default: the stop's preset
    layer = "dense_1"
    parameters = 1000001000000 # any of neurons, parameters, dense_equivalent

Every key is checked when the tour is loaded; an error names the file, the stop and the key.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, NoReturn

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from tuinn.config.run_config import PRESET_PACKAGE, TOUR_FILE, ConfigError, parse_lesson, preset_names

EXPECTATIONS = ("meets", "misses")
STARTS = ("watch", "paused")  # how a stop's run starts in the app: at the watching pace, or paused
COUNTS = ("neurons", "parameters", "dense_equivalent")
STOP_KEYS = {
    "preset",
    "title",
    "when",
    "expect",
    "history",
    "look",
    "try",
    "table",
    "check",
    "lesson",
    "compare",
    "start",
}
PREVIOUS = "previous"  # `compare` with the stop before


@dataclass(frozen=True)
class CountCheck:
    """A count the lesson quotes: `what` (neurons, parameters, dense_equivalent) of a layer of a preset."""

    preset: str
    layer: str
    what: str
    value: int

    def describe(self) -> str:
        return f"{self.layer} of {self.preset}: {self.value:,} {self.what.replace('_', '-')}"


@dataclass(frozen=True)
class Stop:
    """One stop of the tour: a preset, what the lesson says it will do, and the texts."""

    preset: str
    title: str
    when: str
    expect: str  # "meets" or "misses"
    history: str
    look: str
    things_to_try: str
    table: str | None = None
    checks: tuple[CountCheck, ...] = ()
    lesson: tuple[str, ...] = ()  # the panels the stop is about; () -> its preset's lesson
    compare: str | None = None  # the preset whose run the stop compares with (resolved from "previous")
    start: str = "watch"  # "paused": the run waits for space (its text asks to follow it step by step)


def load_tour(text: str | None = None, source: str = f"presets/{TOUR_FILE}") -> tuple[Stop, ...]:
    """The stops of the tour (the built-in one unless `text` is given), in order."""
    if text is None:
        text = resources.files(PRESET_PACKAGE).joinpath(TOUR_FILE).read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from None
    if set(raw) != {"stop"} or not isinstance(raw["stop"], list) or not raw["stop"]:
        raise ConfigError(f"{source}: needs [[stop]] tables and nothing else")
    stops: list[Stop] = []
    for i, s in enumerate(raw["stop"], start=1):
        stops.append(_stop(source, i, s, stops[-1].preset if stops else None))
    return tuple(stops)


def _stop(source: str, index: int, raw: Any, previous: str | None) -> Stop:
    where = f"{source}: stop {index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table")

    def fail(key: str, message: str) -> NoReturn:
        raise ConfigError(f"{where}: key '{key}': {message}")

    unknown = sorted(set(raw) - STOP_KEYS)
    if unknown:
        fail(unknown[0], f"unknown key; allowed: {', '.join(sorted(STOP_KEYS))}")
    texts = {}
    for key in ("preset", "title", "when", "expect", "history", "look", "try"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            fail(key, "must be a non-empty string")
        texts[key] = " ".join(raw[key].split())
    known = preset_names()
    for key in ("preset", "table"):
        if key in raw and raw[key] not in known:
            fail(key, f"unknown preset {raw[key]!r}")
    if texts["expect"] not in EXPECTATIONS:
        fail("expect", f"must be one of {', '.join(EXPECTATIONS)}, got {texts['expect']!r}")
    if raw.get("start", "watch") not in STARTS:
        fail("start", f"must be one of {', '.join(STARTS)}, got {raw['start']!r}")
    checks = raw.get("check", [])
    if not isinstance(checks, list):
        fail("check", "must be [[stop.check]] tables")
    compare = raw.get("compare")
    if compare == PREVIOUS:
        if previous is None:
            fail("compare", "the first stop has no previous stop to compare with")
        compare = previous
    elif compare is not None and compare not in known:
        fail("compare", f"must be {PREVIOUS!r} or a preset's name, got {compare!r}")
    return Stop(
        preset=texts["preset"],
        title=texts["title"],
        when=texts["when"],
        expect=texts["expect"],
        history=texts["history"],
        look=texts["look"],
        things_to_try=texts["try"],
        table=raw.get("table"),
        lesson=parse_lesson(raw.get("lesson", []), fail),
        compare=compare,
        start=raw.get("start", "watch"),
        checks=tuple(
            c for j, check in enumerate(checks, start=1) for c in _checks(fail, j, check, texts["preset"], known)
        ),
    )


def _checks(
    fail: Callable[[str, str], NoReturn], index: int, raw: Any, preset: str, known: list[str]
) -> list[CountCheck]:
    key = f"check[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("layer"), str):
        fail(key, "must be a table with a 'layer' and a count (neurons, parameters or dense_equivalent)")
    unknown = sorted(set(raw) - {"preset", "layer", *COUNTS})
    if unknown:
        fail(f"{key}.{unknown[0]}", f"unknown key; allowed: preset, layer, {', '.join(COUNTS)}")
    target = raw.get("preset", preset)
    if target not in known:
        fail(f"{key}.preset", f"unknown preset {target!r}")
    counts = [(what, raw[what]) for what in COUNTS if what in raw]
    for what, value in counts:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            fail(f"{key}.{what}", f"must be a non-negative integer, got {value!r}")
    if not counts:
        fail(key, f"needs one of {', '.join(COUNTS)}")
    return [CountCheck(target, raw["layer"], what, value) for what, value in counts]
