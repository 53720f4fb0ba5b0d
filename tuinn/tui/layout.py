"""The lesson-aware layout: a pure function from the terminal's size, the lesson and the panels' needs to a plan.

Panels stand in columns, each panel in a column given a number of rows. The
lesson's panels are placed first, each in its own column while the width
allows; the first lesson panel keeps its column to itself, so it can grow to
what it wants. The other panels follow by priority (status, loss, the other
pictures, gradients, confusion, architecture), into a column where they fit at
their minimum, or a new column. A panel that does not fit at its minimum is
never drawn cut: it goes to a tab. Spare width and rows then go to the panels
that grow (pictures, gradients), lesson first; where a column would keep a band
of rows none of its panels uses, a panel of another column moves in (and a picture
that keeps its shape takes width to grow into it), so a big screen has no empty
band. Nothing here draws: the panels' needs come in as numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tuinn.config.run_config import LESSON_PANELS

FOOTER = 1  # the key line at the bottom
TAB_BAR = 1  # the tab titles, when some panels are on tabs
FRAME = (4, 2)  # cells a panel's border and padding take: columns, rows
TWO_LINE_BANNER = 45  # from this height the banner takes two lines, below it one
#: the order the other panels get room in after the lesson's (the pictures before the tables)
PRIORITY = ("status", "loss", "network", "decision", "sample", "feature_maps", "gradients", "confusion", "architecture")
PICTURES = frozenset({"network", "decision", "sample", "feature_maps"})  # each wants a column of its own
FILLS = "loss"  # the panel that uses any height it is given (drawn as a chart)
FEW_EMPTY_ROWS = 3  # a band of empty rows no taller than this is left as it is
PRIMARY_SHARE = 0.5  # of the width the first lesson panel is given first, when it wants that much
assert set(PRIORITY) == set(LESSON_PANELS)


@dataclass(frozen=True)
class Need:
    """What a panel needs on screen, border included: the least it can be shown whole at, and what it would use."""

    min_width: int
    min_height: int
    want_width: int
    want_height: int
    aspect: float = 0.0  # a picture that keeps its shape: columns it needs for each line it grows (0: any shape)
    #: heights it fills whole, growing by steps (a picture zoomed by whole cells, the loss's sparklines then its
    #: chart): given a height between two, it uses the lower; from the last on, any height (none: any height)
    steps: tuple[int, ...] = ()
    step_widths: tuple[int, ...] = ()  # the width each step needs (a picture zoomed up; none: any width)

    @classmethod
    def content(
        cls,
        min_width: int,
        min_height: int,
        want_width: int,
        want_height: int,
        aspect: float = 0.0,
        steps: tuple[int, ...] = (),
        step_widths: tuple[int, ...] = (),
    ) -> Need:
        """A Need from the content's sizes: the frame (border and padding) added."""
        w, h = FRAME
        return cls(
            min_width + w,
            min_height + h,
            max(want_width, min_width) + w,
            max(want_height, min_height) + h,
            aspect,
            tuple(step + h for step in steps),
            tuple(step + w for step in step_widths),
        )

    def uses(self, height: int) -> int:
        """The lines of `height` the panel fills (no more than it wants): the highest of its steps that fits."""
        if not self.steps or height >= self.steps[-1]:
            return min(height, self.want_height)
        return max((step for step in self.steps if step <= height), default=self.min_height)

    def tallest(self, width: int) -> int:
        """The most lines the panel uses at `width` (a picture that keeps its shape grows no taller than its width lets it)."""
        if self.step_widths:
            return max((h for h, w in zip(self.steps, self.step_widths) if w <= width), default=self.min_height)
        if not self.aspect:
            return self.want_height
        return self.uses(min(self.want_height, self.min_height + int((width - self.min_width) / self.aspect)))

    @property
    def grows(self) -> bool:
        return self.want_height > self.min_height


@dataclass(frozen=True)
class Place:
    """A panel on screen: its name and its size in cells (border included)."""

    name: str
    width: int
    height: int


@dataclass(frozen=True)
class Plan:
    """The panels on the one screen, column by column (left to right, each top to bottom), and those on tabs."""

    columns: tuple[tuple[Place, ...], ...]
    tabs: tuple[str, ...]
    banner_lines: int
    width: int  # the panels' area
    height: int

    @property
    def shown(self) -> dict[str, Place]:
        return {place.name: place for column in self.columns for place in column}


def banner_lines(height: int, banner: bool) -> int:
    """Lines the lesson banner takes on a screen `height` lines tall."""
    return 0 if not banner else 2 if height >= TWO_LINE_BANNER else 1


def plan_layout(
    size: tuple[int, int],
    lesson: Sequence[str],
    needs: Mapping[str, Need],
    *,
    banner: bool,
    editor: int = 0,
    reserved: int = 0,
) -> Plan:
    """Where each of the panels in `needs` goes on a `size` terminal (columns, lines).

    `lesson` names the panels the run is about, most important first; `banner`
    says whether the lesson banner is shown; `editor` is the width the editor
    takes beside the panels; `reserved` counts other lines taken (a state line).
    """
    width = max(1, size[0] - editor)
    lines = banner_lines(size[1], banner)
    height = max(1, size[1] - FOOTER - lines - reserved)
    lessons = [name for name in dict.fromkeys(lesson) if name in needs]
    order = lessons + [n for n in PRIORITY if n in needs and n not in lessons]
    order += [n for n in needs if n not in order]
    given = dict(needs)
    if lessons:  # the first lesson panel starts with a good share of the width, not its least
        first = needs[lessons[0]]
        wide = min(first.want_width, max(first.min_width, int(width * PRIMARY_SHARE)))
        given[lessons[0]] = dataclasses.replace(first, min_width=wide)
    tries: list[tuple[int, int, int, list[_Column], list[str], int, Mapping[str, Need]]] = []
    for attempt in (given, needs):  # the share only where it sends no more panels to tabs
        columns, left_out = _pack(order, lessons, attempt, width, height)
        rows = height
        if left_out:  # some go to tabs: the tab bar takes a line
            rows = max(1, height - TAB_BAR)
            columns, left_out = _pack(order, lessons, attempt, width, rows)
        tries.append((len(set(lessons) & set(left_out)), bool(left_out), len(tries), columns, left_out, rows, attempt))
    *_, columns, left_out, height, _ = min(tries, key=lambda t: t[:3])  # the share, unless it costs a tab
    placed = _grow(columns, lessons, needs, width, height)
    return Plan(placed, tuple(left_out), lines, width, height)


class _Column:
    """A column being filled: its panels and the width it needs."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.width = 0
        self.rows = 0

    def add(self, name: str, need: Need) -> None:
        self.names.append(name)
        self.width = max(self.width, need.min_width)
        self.rows += need.min_height


def _pack(
    order: list[str], lessons: list[str], needs: Mapping[str, Need], width: int, height: int
) -> tuple[list[_Column], list[str]]:
    """Panels into columns at their minimum sizes; returns the columns and the panels that did not fit."""
    columns: list[_Column] = []
    left_out: list[str] = []
    primary = lessons[0] if lessons and needs[lessons[0]].grows else None  # it keeps its column to grow in

    def used() -> int:
        return sum(c.width for c in columns)

    def fits(column: _Column, need: Need) -> bool:
        if (primary is not None and primary in column.names) or column.rows + need.min_height > height:
            return False
        return used() - column.width + max(column.width, need.min_width) <= width

    for name in order:
        need = needs[name]
        new_fits = used() + need.min_width <= width and need.min_height <= height
        existing = [c for c in columns if fits(c, need)]
        if name in lessons or name in PICTURES:  # a picture wants its own column, then the emptiest
            chosen = None if new_fits else max(existing, key=lambda c: height - c.rows, default=None)
        else:  # text: the column of the text panels, then a new one, then wherever there is room
            text = [c for c in existing if not PICTURES & set(c.names)]
            rest = sorted(existing, key=lambda c: (_rank(c, lessons), -(height - c.rows)), reverse=True)
            chosen = text[0] if text else None if new_fits else rest[0] if rest else None
        if chosen is None and new_fits:
            chosen = _Column()
            columns.append(chosen)
        if chosen is None:
            left_out.append(name)
        else:
            chosen.add(name, need)
    return columns, left_out


def _rank(column: _Column, lessons: list[str]) -> int:
    """How far down the lesson a column's most important panel is (higher: less important, more willing to share)."""
    return min((lessons.index(n) for n in column.names if n in lessons), default=len(lessons))


def _share(spare: int, wants: list[int]) -> list[int]:
    """`spare` split in proportion to `wants` (none beyond its want), whole cells."""
    total = sum(wants)
    if total <= 0 or spare <= 0:
        return [0] * len(wants)
    if total <= spare:
        return list(wants)
    given = [spare * w // total for w in wants]
    for i in sorted(range(len(wants)), key=lambda i: -wants[i])[: spare - sum(given)]:
        given[i] += 1
    return given


def _grow(
    columns: list[_Column], lessons: list[str], needs: Mapping[str, Need], width: int, height: int
) -> tuple[tuple[Place, ...], ...]:
    """Sizes from the minimums: spare width to the columns that want it, spare rows to the panels that grow."""
    wants = [max(_widest(needs[n], height) for n in c.names) - c.width for c in columns]
    extra = _share(width - sum(c.width for c in columns), [max(0, w) for w in wants])
    widths = [c.width + e for c, e in zip(columns, extra)]
    leftover = width - sum(widths)
    if columns and leftover > 0:  # the rest to the column that grows most: no empty band on the right
        richest = max(range(len(columns)), key=lambda i: (_grows(columns[i], needs), -_rank(columns[i], lessons)))
        widths[richest] += leftover
    stacks = [list(c.names) for c in columns]
    _merge_columns(stacks, lessons, needs, widths, height)
    _widen_pictures(stacks, lessons, needs, widths, height)  # a picture first grows across into its band,
    _fill_bands(stacks, lessons, needs, widths, height)  # then other panels fill what it leaves,
    _widen_pictures(stacks, lessons, needs, widths, height)  # and it takes the width they free
    return tuple(
        tuple(Place(n, w, h) for n, h in _heights(stack, lessons, needs, w, height)) for stack, w in zip(stacks, widths)
    )


def _band(stack: list[str], needs: Mapping[str, Need], width: int, height: int) -> int:
    """Rows of a column `width` cells wide that none of its panels would use (none where the loss chart fills it)."""
    if FILLS in stack and _chart_fits(stack, needs, width, height):
        return 0
    return max(0, height - sum(needs[n].min_height if n == FILLS else needs[n].tallest(width) for n in stack))


def _chart_fits(stack: list[str], needs: Mapping[str, Need], width: int, height: int) -> bool:
    """Whether the loss in this column gets the lines of its chart (its last step) beside the others' least (a picture
    that keeps its shape: the lines its width gives it)."""
    others = sum(needs[n].tallest(width) if needs[n].aspect else needs[n].min_height for n in stack if n != FILLS)
    return height - others >= max(needs[FILLS].steps, default=0)


def _whole(stack: list[str], needs: Mapping[str, Need], width: int, height: int) -> bool:
    """Whether a column's panels all get the lines they use (the loss chart its least) in `height` lines."""
    return sum(needs[n].min_height if n == FILLS else needs[n].tallest(width) for n in stack) <= height


def _merge_columns(
    stacks: list[list[str]], lessons: list[str], needs: Mapping[str, Need], widths: list[int], height: int
) -> None:
    """A column of panels that stop growing over a band (tables) moves into the columns whose panels fill any rows
    (the loss chart, a growing panel), when each panel fits there at its least; its width goes to the others."""
    for j in sorted(range(len(stacks)), key=lambda j: -_band(stacks[j], needs, widths[j], height)):
        stack = stacks[j]
        if len(stacks) < 2 or _band(stack, needs, widths[j], height) <= FEW_EMPTY_ROWS:
            continue
        if any(n in lessons or needs[n].aspect or needs[n].grows for n in stack):
            continue
        moves: dict[int, list[str]] = {}
        for name in stack:
            homes = [
                i
                for i, other in enumerate(stacks)
                if i != j
                and needs[name].min_width <= widths[i]
                and _whole([*other, *moves.get(i, []), name], needs, widths[i], height)
                and _band([*other, *moves.get(i, []), name], needs, widths[i], height) <= FEW_EMPTY_ROWS
            ]
            if not homes:
                break
            moves.setdefault(homes[0], []).append(name)
        else:
            for i, names in moves.items():
                stacks[i].extend(names)
            freed = widths[j]
            del stacks[j], widths[j]
            wants = [max(_widest(needs[n], height) for n in st) - w for st, w in zip(stacks, widths)]
            extra = _share(freed, [max(0, w) for w in wants])
            extra[0] += freed - sum(extra)
            widths[:] = [w + e for w, e in zip(widths, extra)]
            return


def _fill_bands(
    stacks: list[list[str]], lessons: list[str], needs: Mapping[str, Need], widths: list[int], height: int
) -> None:
    """Move panels between columns while that shrinks the widest band of empty rows of the two columns.

    A picture that keeps its shape, or one that stops growing, leaves rows under it: a panel of another column
    that fits them (not a lesson panel, not a picture that keeps its shape) moves in, the one that leaves the
    smaller band in either column first, as long as the move narrows the wider of the two bands. A column whose
    loss falls short of its chart by a few lines sends a panel out instead, to a column that has the rows.
    """
    for _ in range(len(needs)):  # each move narrows a band: a bounded number of them
        best: tuple[tuple[bool, int, bool], int, int, str] | None = None
        for i, stack in enumerate(stacks):
            band = _band(stack, needs, widths[i], height)
            if band <= FEW_EMPTY_ROWS:
                continue
            for j in range(len(stacks)):
                if j == i:
                    continue
                before = max(band, _band(stacks[j], needs, widths[j], height))
                for to, source in ((i, j), (j, i)):  # into the banded column, and out of it
                    for name in stacks[source]:
                        after = _after_move(stacks, lessons, needs, widths, height, name, source, to)
                        if after is None or after >= before:
                            continue
                        # the loss chart fills any band: it moves last; a column with no picture that keeps its
                        # shape first
                        key = (name == FILLS, after, any(needs[n].aspect for n in stacks[to]))
                        if best is None or key < best[0]:
                            best = (key, to, source, name)
        if best is None:
            return
        _, to, source, name = best
        stacks[source].remove(name)
        stacks[to].append(name)


def _after_move(
    stacks: list[list[str]],
    lessons: list[str],
    needs: Mapping[str, Need],
    widths: list[int],
    height: int,
    name: str,
    source: int,
    to: int,
) -> int | None:
    """The wider band of the two columns once `name` moves from column `source` to `to` (None: it may not move)."""
    need, stack, other = needs[name], stacks[to], stacks[source]
    if name in lessons or need.aspect or len(other) < 2:
        return None
    if need.min_width > widths[to] or need.min_height > height - sum(needs[n].min_height for n in stack):
        return None
    rest, joined = [n for n in other if n != name], [*stack, name]
    if (
        _band(stack, needs, widths[to], height) <= FEW_EMPTY_ROWS
        and sum(needs[n].tallest(widths[to]) if n in lessons else needs[n].min_height for n in joined) > height
    ):
        return None  # sent out of a band into a full column, it takes no lines a lesson panel there uses
    if (
        not any(needs[n].grows and not needs[n].aspect for n in rest)
        and _band(rest, needs, widths[source], height) > FEW_EMPTY_ROWS
    ):  # no panel left there to take the rows it frees
        return None
    return max(_band(joined, needs, widths[to], height), _band(rest, needs, widths[source], height))


def _widen_pictures(
    stacks: list[list[str]], lessons: list[str], needs: Mapping[str, Need], widths: list[int], height: int
) -> None:
    """A column with a band under a picture that keeps its shape takes width from the columns without one (and
    without a lesson panel), so the picture grows into the band (each giving what its panels do not need)."""
    for i, stack in enumerate(stacks):
        band = _band(stack, needs, widths[i], height)
        pictures = [needs[n] for n in stack if needs[n].aspect]
        if band <= FEW_EMPTY_ROWS or not pictures:
            continue
        want = min(int(band * max(p.aspect for p in pictures)), max(p.want_width for p in pictures) - widths[i])
        for j in sorted(range(len(stacks)), key=lambda j: -widths[j]):
            if j == i or want <= 0 or set(lessons) & set(stacks[j]):
                continue
            if _band(stacks[j], needs, widths[j], height) > FEW_EMPTY_ROWS:
                continue
            least = max(needs[n].min_width for n in stacks[j])
            spare = 0
            while (
                spare < min(want, widths[j] - least)
                and _band(stacks[j], needs, widths[j] - spare - 1, height) <= FEW_EMPTY_ROWS
            ):
                spare += 1
            widths[j] -= spare
            widths[i] += spare
            want -= spare


def _heights(
    names: list[str], lessons: list[str], needs: Mapping[str, Need], width: int, height: int
) -> list[tuple[str, int]]:
    """Each panel's lines in a column `height` lines tall: the minimums, then the spare to those that grow."""
    order = sorted(names, key=lambda n: (n not in lessons, names.index(n)))
    heights = {n: needs[n].min_height for n in names}
    for name in (n for n in order if n in lessons):  # a lesson panel that grows by steps takes the highest that fits
        heights[name] = _step_up(needs[name], heights[name], height - sum(heights.values()), width)
    spare = height - sum(heights.values())
    for name, more in zip(order, _share(spare, [needs[n].tallest(width) - heights[n] for n in order])):
        heights[name] = needs[name].uses(heights[name] + more)
    for name in order:  # the lines a step left over: another's next step
        heights[name] = _step_up(needs[name], heights[name], height - sum(heights.values()), width)
    spare = height - sum(heights.values())
    growing = sorted(  # (one that grows by steps last: it leaves them empty, inside its border)
        (n for n in order if (needs[n].grows and not needs[n].aspect) or needs[n].steps),
        key=lambda n: (needs[n].aspect or heights[n] < max(needs[n].steps, default=0), n != FILLS),
    )
    if spare > 0 and growing:  # past what they want (the loss chart first: it fills any height), not an empty band
        heights[growing[0]] += spare
    return [(n, heights[n]) for n in names]


def _step_up(need: Need, now: int, spare: int, width: int) -> int:
    """The highest of `need`'s steps it can take from `now` lines with `spare` more (no higher than it uses at
    `width`); `now` when none is higher."""
    room = min(need.tallest(width), now + spare)
    return max([now, *(step for step in need.steps if step <= room)])


def _widest(need: Need, height: int) -> int:
    """The most columns a panel uses in a column `height` lines tall (a picture that keeps its shape: no wider than that lets it)."""
    if not need.aspect:
        return need.want_width
    return min(need.want_width, need.min_width + int(need.aspect * (height - need.min_height)))


def _grows(column: _Column, needs: Mapping[str, Need]) -> int:
    """How much a column's panels would grow across."""
    return max(needs[n].want_width - needs[n].min_width for n in column.names)
