"""What differs between two runs' records: "activation sigmoid→relu", "layers 2→9", "lr 0.1→0.05"."""

from __future__ import annotations

from typing import Any

from tuinn.config.run_config import RunConfig
from tuinn.config.settings import config_table

#: keys that name or explain a run rather than change it
UNCOMPARED = {"name", "description", "try", "target.explain_miss", "needs_data"}


def config_changes(before: RunConfig, after: RunConfig) -> list[str]:
    """The settings that differ from `before` to `after`, each as "<key> <before>→<after>", in table order.

    A key several layers (or every hidden one) change alike is named once ("activation sigmoid→relu"); a different
    number of layers is one change ("layers 2→9"), not a change of each layer.
    """
    old, new = config_table(before), config_table(after)
    changes = _layer_changes(old["model"].pop("layers", []), new["model"].pop("layers", []))
    flat_old, flat_new = _flatten(old), _flatten(new)
    for key in [*flat_old, *(k for k in flat_new if k not in flat_old)]:
        if key in UNCOMPARED or flat_old.get(key) == flat_new.get(key):
            continue
        changes.append(f"{key.rsplit('.', 1)[-1]} {_shown(flat_old.get(key))}→{_shown(flat_new.get(key))}")
    return changes


def _layer_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    """The layer table's changes: the number of layers, else each key's, once for all the layers it changed alike."""
    if len(old) != len(new):
        return [f"layers {len(old)}→{len(new)}"]
    seen: dict[str, set[tuple[str, str]]] = {}
    where: dict[str, list[int]] = {}
    for index, (a, b) in enumerate(zip(old, new), start=1):
        for key in [*a, *(k for k in b if k not in a)]:
            if a.get(key) != b.get(key):
                seen.setdefault(key, set()).add((_shown(a.get(key)), _shown(b.get(key))))
                where.setdefault(key, []).append(index)
    changes = []
    for key, pairs in seen.items():
        if len(pairs) == 1:
            (was, now), layers = next(iter(pairs)), where[key]
            every_hidden = layers == list(range(1, len(old)))  # (the layers but the output one: what `a` switches)
            place = "" if len(layers) > 1 or every_hidden else f"layer {layers[0]} "
            changes.append(f"{place}{key} {was}→{now}")
        else:
            changes.append(f"{key} of {len(where[key])} layers")
    return changes


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested table as dotted keys ("train.lr") to values."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _shown(value: Any) -> str:
    """A setting's value in a few characters ("-" for none)."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ",".join(_shown(v) for v in value)
    return str(value)
