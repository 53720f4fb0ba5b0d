"""The 2-D data sets of TensorFlow Playground (circle, xor, gauss, spiral, plane, multi_gauss).

The definitions follow tensorflow/playground's ``src/dataset.ts`` (Apache 2.0):
the same radii, offsets and noise scaling. As there, ``noise`` is a percentage
0..50 and becomes a factor 0..0.5; in circle, xor, plane and multi_gauss the
noise moves the point used to *compute the label*, not the point itself, so
noise shows up as wrong labels near the boundary. Labels +1/-1 become classes
1/0. The regression targets are as in the Playground too: multi_gauss lies in
[-1, 1]; plane is the linear scale (x + y) / 10, about [-1.2, 1.2] without noise.

Extension: ``classes`` k (2..8) for gauss and spiral gives k Gaussian blobs on
a circle or k spiral arms; k = 2 is exactly the Playground's data set.
"""

from __future__ import annotations

import numpy as np

from tuinn.data.dataset import Dataset
from tuinn.data.spec import VAL_RATIO, SpecReader
from tuinn.data.split import split_dataset

CLASSIFICATION_SETS = ("circle", "xor", "gauss", "spiral")
REGRESSION_SETS = ("plane", "multi_gauss")
PLAYGROUND_SETS = CLASSIFICATION_SETS + REGRESSION_SETS
MULTI_CLASS_SETS = ("gauss", "spiral")
KEYS = ("kind", "name", "samples", "noise", VAL_RATIO, "classes")
MAX_SAMPLES = 1_000_000

DESCRIPTIONS = {
    "circle": "TF Playground circle: a disc of radius 2.5 inside a ring 3.5..5",
    "xor": "TF Playground xor: the four quadrants, label = sign(x·y)",
    "gauss": "TF Playground gauss: Gaussian blobs 2√2 from the origin",
    "spiral": "TF Playground spiral: interleaved spiral arms",
    "plane": "TF Playground plane: regression target (x + y) / 10",
    "multi_gauss": "TF Playground multi_gauss: regression on six signed Gaussian bumps",
}

# regressGaussian's bumps: centre x, centre y, sign.
BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=np.float64
)


def class_of_each(samples: int, classes: int) -> np.ndarray:
    """Class index of every sample, in blocks, with the counts as equal as they can be."""
    counts = np.full(classes, samples // classes)
    counts[: samples % classes] += 1
    return np.repeat(np.arange(classes), counts)


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """classifyCircleData: half the points in r < 2.5, half in 3.5 <= r < 5; label from the noisy point."""
    radius = 5.0
    inside = np.arange(n) < n - n // 2  # the first half inside, as in the Playground
    r = np.where(inside, rng.uniform(0, radius * 0.5, n), rng.uniform(radius * 0.7, radius, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = points + rng.uniform(-radius, radius, (n, 2)) * noise
    labels = np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5
    return points, labels.astype(np.int64)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """classifyXORData: uniform in [-5, 5]², pushed 0.3 away from the axes; label = noisy x·y >= 0."""
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    shifted = points + rng.uniform(-5, 5, (n, 2)) * noise
    return points, (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)


def gauss(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """classifyTwoGaussData: blobs of variance 0.5 + 7·noise at distance 2√2 from the origin.

    Class c sits at angle 5π/4 + 2πc/k, so k = 2 gives the Playground's (-2, -2) for
    class 0 and (2, 2) for class 1.
    """
    labels = class_of_each(n, classes)
    angle = 1.25 * np.pi + 2 * np.pi * labels / classes
    centres = 2 * np.sqrt(2) * np.column_stack([np.cos(angle), np.sin(angle)])
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    return centres + rng.normal(0.0, np.sqrt(variance), (n, 2)), labels


def spiral(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """classifySpiralData: arms r = 5·i/m, t = 1.75·2π·i/m + offset, jittered by U(-1, 1)·noise.

    Arm c is turned by π + 2πc/k, so k = 2 gives the Playground's arms (offset π for
    class 0, 0 for class 1).
    """
    labels = class_of_each(n, classes)
    per_arm = np.bincount(labels, minlength=classes)
    step = np.arange(n) - np.repeat(np.cumsum(per_arm) - per_arm, per_arm)
    fraction = step / per_arm[labels]
    r = fraction * 5
    t = 1.75 * fraction * 2 * np.pi + np.mod(np.pi + 2 * np.pi * labels / classes, 2 * np.pi)
    jitter = rng.uniform(-1, 1, (n, 2)) * noise
    return np.column_stack([r * np.sin(t), r * np.cos(t)]) + jitter, labels


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """regressPlane: uniform in [-6, 6]²; target (x + y) / 10 at the noisy point."""
    points, shifted = _regression_points(n, noise, rng)
    return points, (shifted.sum(axis=1) / 10)[:, None]


def multi_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """regressGaussian: target = the strongest of six signed bumps max(0, 1 - d/2) at the noisy point."""
    points, shifted = _regression_points(n, noise, rng)
    distance = np.hypot(shifted[:, None, 0] - BUMPS[:, 0], shifted[:, None, 1] - BUMPS[:, 1])
    values = BUMPS[:, 2] * np.clip(1 - distance / 2, 0, 1)
    strongest = np.argmax(np.abs(values), axis=1)
    return points, values[np.arange(n), strongest][:, None]


def _regression_points(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-6, 6]² and the same points shifted by U(-6, 6)·noise (where targets are read)."""
    radius = 6.0
    points = rng.uniform(-radius, radius, (n, 2))
    return points, points + rng.uniform(-radius, radius, (n, 2)) * noise


GENERATORS = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
    "plane": plane,
    "multi_gauss": multi_gauss,
}


def load(read: SpecReader, rng: np.random.Generator, dtype: np.dtype) -> Dataset:
    """A Playground data set as a [data] table of kind "playground" asks for."""
    name = read.choice("name", PLAYGROUND_SETS)
    samples = read.integer("samples", 500, 2, MAX_SAMPLES)
    noise = read.number("noise", 0, 0, 50) / 100
    val_ratio = read.ratio(default=0.5)
    classes = 0 if name in REGRESSION_SETS else 2
    if read.has("classes"):
        if name not in MULTI_CLASS_SETS:
            raise read.fail("classes", f"applies only to {' and '.join(MULTI_CLASS_SETS)}, not to {name!r}")
        classes = read.integer("classes", 2, 2, 8)
    options = {"classes": classes} if name in MULTI_CLASS_SETS else {}
    x, y = GENERATORS[name](samples, noise, rng, **options)
    class_names = ("negative", "positive") if classes == 2 else tuple(str(c) for c in range(classes))
    description = DESCRIPTIONS[name] + (f" ({classes} classes)" if classes > 2 else "") + f", noise {noise:.0%}"
    return split_dataset(
        name,
        x,
        y,
        val_ratio=val_ratio,
        rng=rng,
        classes=classes,
        class_names=class_names,
        description=description,
        dtype=dtype,
    )
