"""Small PyTorch models and loops for the watch tests (skipped where torch is absent)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="tuinn.watch needs the torch extra: pip install 'tuinn[torch]'")
nn = torch.nn


def small_cnn() -> torch.nn.Module:
    """A CNN on 8×8×1 images with every kind of leaf the architecture table names."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(4),
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(4 * 4 * 4, 10), nn.Identity(),
    )  # fmt: skip


def image_batch(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 8, 8, generator=g), torch.randint(0, 10, (n,), generator=g)
