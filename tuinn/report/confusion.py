"""The confusion matrix as text for the headless summary: counts, true classes down, predictions across."""

from __future__ import annotations

import numpy as np

from tuinn.train.snapshot import Snapshot


def confusion_text(s: Snapshot) -> str:
    """A table of the Snapshot's confusion matrix with each class's accuracy; empty without one."""
    if s.confusion is None:
        return ""
    m, accuracy = s.confusion, s.class_accuracy
    assert accuracy is not None  # (there is a confusion matrix)
    names = [n[:8] for n in s.class_names] or [str(k) for k in range(len(m))]
    width = max(max(len(n) for n in names), len(str(int(m.max()))), 3)
    label = max(len(n) for n in names + ["true"])
    lines = [f"Confusion matrix ({s.confusion_source}, {int(m.sum()):,} samples): rows true class, columns predicted"]
    lines.append(" " * label + " " + " ".join(n.rjust(width) for n in names) + "  accuracy")
    for name, row, acc in zip(names, m, accuracy):
        shown = "-" if np.isnan(acc) else f"{acc:.3f}"
        lines.append(name.rjust(label) + " " + " ".join(str(int(v)).rjust(width) for v in row) + f"  {shown:>8}")
    total = np.trace(m) / max(int(m.sum()), 1)
    lines.append(f"{'':>{label}} overall accuracy {total:.4f}")
    return "\n".join(lines)
