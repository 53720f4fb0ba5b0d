"""tuinn.watch(model, path, ...): a PyTorch training loop written as a tuinn recording that `tuinn attach` follows.

An extra (``pip install 'tuinn[torch]'``): this module imports no torch itself, so ``import tuinn`` stays
light; torch is imported when `watch` is called. The module is callable, so ``tuinn.watch(model, path)``
and ``from tuinn.watch import watch`` both work.
"""

from __future__ import annotations

import os
import sys
import types
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from tuinn.watch.watcher import Watcher

__all__ = ["DEFAULT_EVERY", "watch"]

DEFAULT_EVERY = 25  # steps between the sampled frames (the pictures); scalars are kept at every step


def watch(
    model: Any,
    path: str | os.PathLike[str],
    *,
    sample: Any = None,
    targets: Any = None,
    optimizer: Any = None,
    every: int = DEFAULT_EVERY,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    class_names: Iterable[str] = (),
    metric_name: str = "accuracy",
    tensorboard: str | os.PathLike[str] | None = None,
    paced: bool = True,
    epochs: int = 0,
) -> Watcher:
    """Watch `model`'s training, written to the recording `path`; call `.step(loss=...)` once per step, then `.close()`.

    `sample` (a small batch) and `targets` feed the pictures; `optimizer` lets the app steer the learning rate
    and pause; `include` / `exclude` are module-name patterns (fnmatch); `tensorboard` a folder for event files;
    `epochs` the planned number, for the status line (`step(epoch=i)` says which one is under way).
    Scalars reach the curves every `every` steps; a frame (the pictures) is written then when the pace of tuinn's
    recordings allows it (twice a second at first, halving every 128 frames), or every time with `paced=False`.
    Call `step()` after `optimizer.step()`. Under torch.distributed only rank 0 writes, and the app only reads
    (a learning rate changed on one rank alone would part the replicas). Nothing raised inside tuinn reaches the
    training loop: a failure is reported once on stderr and watching stops.
    """
    from tuinn.watch.watcher import Watcher, WatchOptions

    options = WatchOptions(every, tuple(include), tuple(exclude), tuple(class_names), metric_name, paced, epochs)
    return Watcher(model, path, sample, targets, optimizer, options, tensorboard)


class _CallableModule(types.ModuleType):
    """This module, callable as `watch` (so ``tuinn.watch(model, path)`` works after ``import tuinn``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Watcher:
        return watch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
