"""Real image files for the tests, written with Pillow: class folders of shapes, and broken files."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

SHAPES = ("circle", "cross", "square")


def shape_images(kind: str, count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """`count` noisy 8-bit pictures (count, size, size) of a ring, a cross or a square outline, placed at random."""
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    cx, cy = rng.uniform(0.35, 0.65, (2, count, 1, 1)) * size
    r = rng.uniform(0.2, 0.3, (count, 1, 1)) * size
    dx, dy = xx - cx, yy - cy
    if kind == "circle":
        d = np.hypot(dx, dy)
        mask = (d < r) & (d > 0.6 * r)
    elif kind == "cross":
        mask = (np.abs(dx) < 0.25 * r) | (np.abs(dy) < 0.25 * r)
    else:
        d = np.maximum(np.abs(dx), np.abs(dy))
        mask = (d < r) & (d > 0.6 * r)
    return (mask * 200 + rng.integers(0, 55, (count, size, size))).astype(np.uint8)


def write_shapes(
    root: Path,
    per_class: int = 40,
    size: int = 16,
    colour: bool = False,
    classes: tuple[str, ...] = SHAPES,
    seed: int = 0,
) -> Path:
    """root/<class>/<i>.png and .jpg (alternating): `per_class` images per class; returns root."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for kind in classes:
        folder = root / kind
        folder.mkdir(parents=True, exist_ok=True)
        for i, picture in enumerate(shape_images(kind, per_class, size, rng)):
            pixels = np.stack([picture, picture[::-1] // 2, 255 - picture], axis=-1) if colour else picture
            Image.fromarray(pixels).save(folder / f"{i}.{'png' if i % 2 else 'jpg'}")
    return root


def write_png(path: Path, pixels: np.ndarray) -> Path:
    """`pixels` (H, W) uint8/uint16 or (H, W, 3) uint8 as a PNG file, made folders included."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def bomb_png(path: Path, side: int = 20_000) -> Path:
    """A valid 1-bit PNG of side × side pixels (a few KB on disk: every pixel black), over Pillow's limit."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path
