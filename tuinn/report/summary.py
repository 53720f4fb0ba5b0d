"""The architecture table as plain text (Keras `summary()` / torchinfo style)."""

from __future__ import annotations

import math
from typing import Sequence

from tuinn.nn import SummaryRow


def format_shape(shape: Sequence[int]) -> str:
    """'2×2×3' for images, '4' for vectors."""
    return "×".join(str(d) for d in shape)


#: short forms of large counts; below a million the digits are short enough on their own
SI_PREFIXES = ("k", "M", "G", "T", "P", "E")


def readable_count(n: int) -> str:
    """Digits with separators, and from a million on a short form too: '1,000,001,000,000 (1.0 T)'."""
    digits = f"{n:,}"
    if abs(n) < 1_000_000:
        return digits
    power = min(len(str(abs(n))) - 1, 3 * len(SI_PREFIXES)) // 3
    short = f"{n / 1000**power:.1f}"
    if float(short) >= 1000 and power < len(SI_PREFIXES):  # 999,999,999 is 1.0 G, not 1000.0 M
        power += 1
        short = f"{n / 1000**power:.1f}"
    return f"{digits} ({short} {SI_PREFIXES[power - 1]})"


def dense_equivalent_total(rows: Sequence[SummaryRow]) -> int | None:
    """Parameters of the net with every conv layer replaced by a dense one making the same neurons.

    None when the net has no conv layer (nothing to compare).
    """
    if all(r.dense_equivalent is None for r in rows):
        return None
    return sum(r.parameters if r.dense_equivalent is None else r.dense_equivalent for r in rows)


def summary_table(rows: Sequence[SummaryRow], input_shape: Sequence[int]) -> str:
    """The table: one line per layer, then totals; conv nets also get the dense comparison."""
    dense_total = dense_equivalent_total(rows)
    has_conv = dense_total is not None
    header = ["Layer", "Type", "Output shape", "Neurons", "Params", "Activation", "Mult-adds"]
    if has_conv:
        header.append("Dense equiv.")
    table = [["input", "Input", format_shape(input_shape), f"{math.prod(input_shape):,}", "0", "", ""]]
    if has_conv:
        table[0].append("")
    for r in rows:
        line = [
            r.name,
            r.type,
            format_shape(r.output_shape),
            f"{r.neurons:,}",
            readable_count(r.parameters),
            r.activation or "",
            f"{r.mult_adds:,}",
        ]
        if has_conv:
            line.append(readable_count(r.dense_equivalent) if r.dense_equivalent is not None else "")
        table.append(line)
    widths = [max(len(row[i]) for row in table + [header]) for i in range(len(header))]
    numeric = {3, 4, 6, 7}

    def fmt(row: list[str]) -> str:
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    rule = "─" * len(fmt(header))
    lines = [rule, fmt(header), rule, *(fmt(r) for r in table), rule]
    total = sum(r.parameters for r in rows)
    mult_adds = sum(r.mult_adds for r in rows)
    lines.append(f"Total parameters: {readable_count(total)}   mult-adds per sample: {readable_count(mult_adds)}")
    if dense_total is not None:
        lines.append(
            f"As dense layers with the same neurons: {readable_count(dense_total)} parameters "
            f"({dense_total / max(total, 1):,.1f}× the shared-kernel net)"
        )
    return "\n".join(lines)
