"""A unit's live equation, `h1.3 = tanh(0.83·x₁ − 1.20·x₂ + 0.10)`: the full-precision model and its text.

Units are named by place: the inputs by their features (x₁, x₂, x₁², ...),
hidden units `h<layer>.<unit>` counting from 1, the output `out` (or `out<k>`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuinn.data.features import LABELS, PLAIN
from tuinn.train.snapshot import NeuronLayer

NO_WRAP = (None, "linear")  # activations written without a function around the sum


def unit_names(layers: tuple[NeuronLayer, ...], features: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Every unit's name, layer by layer from the inputs."""
    names = []
    for i, layer in enumerate(layers):
        if i == 0:
            given = features or PLAIN
            if len(given) == layer.units:
                names.append(tuple(LABELS.get(f, f) for f in given))
            else:
                names.append(tuple(f"x{k + 1}" for k in range(layer.units)))
        elif i == len(layers) - 1:
            names.append(("out",) if layer.units == 1 else tuple(f"out{k + 1}" for k in range(layer.units)))
        else:
            names.append(tuple(f"h{i}.{k + 1}" for k in range(layer.units)))
    return tuple(names)


@dataclass(frozen=True)
class Term:
    """weight × input `source` of the previous layer, and the weight's change since the earlier Snapshot (None: new)."""

    source: int
    name: str
    weight: float
    change: float | None


@dataclass(frozen=True)
class Equation:
    """One unit: activation(Σ weight·input + bias), in full precision, with the changes since `since_step`."""

    name: str
    activation: str | None
    terms: tuple[Term, ...]
    bias: float
    bias_change: float | None
    since_step: int | None


def _delta(now: np.ndarray | None, before: np.ndarray | None, index: tuple[int, ...]) -> float | None:
    if now is None or before is None or before.shape != now.shape:
        return None
    return float(now[index]) - float(before[index])


def unit_equation(
    layers: tuple[NeuronLayer, ...],
    names: tuple[tuple[str, ...], ...],
    layer: int,
    unit: int,
    before: tuple[NeuronLayer, ...],
    since_step: int | None,
) -> Equation | None:
    """The equation of `unit` of `layers[layer]` (None for an input, or when its weights do not fit a chain).

    `before` holds the same layers from an earlier Snapshot (empty: none).
    """
    this = layers[layer]
    w = this.weights
    if w is None or layer == 0 or w.shape[0] != layers[layer - 1].units:
        return None
    old = next((b for b in before if b.name == this.name), None)
    old_w, old_b = (old.weights, old.bias) if old is not None else (None, None)
    terms = tuple(
        Term(i, names[layer - 1][i], float(w[i, unit]), _delta(w, old_w, (i, unit))) for i in range(w.shape[0])
    )
    bias = 0.0 if this.bias is None else float(this.bias[unit])
    bias_change = _delta(this.bias, old_b, (unit,)) if this.bias is not None else None
    return Equation(names[layer][unit], this.activation, terms, bias, bias_change, since_step)


def magnitude_text(value: float) -> str:
    """|value| with two decimals, or one significant digit below 0.005 (0.003, not 0.00)."""
    size = abs(value)
    return f"{size:.2f}" if size >= 0.005 or size == 0 else f"{size:.1g}"


def _signed(value: float, first: bool, minus: str) -> str:
    """'0.83' or '− 1.20' at the start; ' + 0.83' or ' − 1.20' after a term."""
    number = magnitude_text(value)
    if first:
        return f"{minus}{number}" if value < 0 else number
    return f" {minus} {number}" if value < 0 else f" + {number}"


def shown_terms(equation: Equation, width: int, ascii: bool = False) -> tuple[tuple[Term, ...], int]:
    """The terms the equation's text has room for in `width` cells (in input order when all fit, else the
    strongest first), and how many are left out."""
    if len(format_equation(equation, equation.terms, 0, ascii)) <= width:
        return equation.terms, 0
    strongest = sorted(equation.terms, key=lambda t: -abs(t.weight))
    for count in range(len(strongest) - 1, 0, -1):
        if len(format_equation(equation, tuple(strongest[:count]), len(strongest) - count, ascii)) <= width:
            return tuple(strongest[:count]), len(strongest) - count
    return tuple(strongest[:1]), len(strongest) - 1


def format_equation(equation: Equation, terms: tuple[Term, ...], left_out: int, ascii: bool = False) -> str:
    """`name = activation(w·x + ... + N more + b)` with two decimals."""
    times, minus = ("*", "-") if ascii else ("·", "−")
    body = "".join(_signed(t.weight, i == 0, minus) + times + t.name for i, t in enumerate(terms))
    if left_out:
        body += f" + {left_out} more" if ascii else f" … {left_out} more"
    body += _signed(equation.bias, not body, minus)
    wrapped = body if equation.activation in NO_WRAP else f"{equation.activation}({body})"
    return f"{equation.name} = {wrapped}"


def format_changes(equation: Equation, terms: tuple[Term, ...], ascii: bool = False) -> str:
    """'change since step 280: x₁ +0.031  x₂ −0.012  b +0.004' for the terms shown ('new' for a weight just added)."""
    if equation.since_step is None:
        return "change: shown from the next update on"
    minus = "-" if ascii else "−"

    def change(value: float | None) -> str:
        return "new" if value is None else f"{value:+.3g}".replace("-", minus)

    parts = [f"{t.name} {change(t.change)}" for t in terms] + [f"b {change(equation.bias_change)}"]
    return f"change since step {equation.since_step}: " + "  ".join(parts)
