"""A folder of images in class subfolders (``data/cat/*.png``, ``data/dog/*.jpg``), read with Pillow.

The layout of most image tutorials (Keras' ``image_dataset_from_directory``, torchvision's
``ImageFolder``): each subfolder of ``path`` is a class, named by the folder (classes in
sorted order); its images, in it or in folders below it, are that class's samples.
Hidden files and folders (a leading dot) are skipped; any other file that is not an
image is refused, naming it. Symbolic links are followed, and a link back into a folder
being walked is refused as a loop.

Every image becomes ``image_size`` (``[height, width]``; default: the most common size
among the images), resized with Pillow's bilinear filter (antialiased when shrinking)
when its size differs, and the start line says how many were. Channels come from the
images (all grayscale: 1, all colour: 3; a mix is refused, naming an image of each) or
from ``channels`` (1 or 3: every image converted). Alpha is dropped; EXIF orientation
is applied. Values are scaled to [0, 1] (8-bit by 255, 16-bit by 65535) and not
standardized, as IDX images are. Pillow's decompression-bomb limit applies: a larger
image is refused. Pillow is an optional extra (``pip install 'tuinn[images]'``),
imported only here.
"""

from __future__ import annotations

import errno
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tuinn.data.dataset import DataError, Dataset
from tuinn.data.shapes import reshape_samples
from tuinn.data.spec import LIMIT, SHAPE, VAL_RATIO, SpecReader
from tuinn.data.split import PoolOptions, split_dataset, subset

IMAGE_SIZE_KEY, CHANNELS_KEY = "image_size", "channels"
KEYS = ("kind", "path", IMAGE_SIZE_KEY, CHANNELS_KEY, VAL_RATIO, LIMIT, SHAPE)
EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm"})
MAX_SIDE = 1024  # pixels, for image_size and the default size
MAX_BYTES = 4 << 30  # the loaded images, in the run's dtype
INSTALL = "pip install 'tuinn[images]'"
GREY_MODES = {"1", "L", "LA", "I;16", "I;16L", "I;16B", "I;16N"}
COLOUR_MODES = {"RGB", "RGBA", "RGBX", "CMYK", "YCbCr", "LAB", "HSV", "PA"}
SIXTEEN_BIT = {"I;16", "I;16L", "I;16B", "I;16N"}


@dataclass(frozen=True)
class Entry:
    """One image file as its header describes it: class index, (height, width), 1 or 3 channels, 16-bit or not."""

    path: Path
    label: int
    size: tuple[int, int]
    channels: int
    sixteen_bit: bool


def pillow() -> Any:
    """The PIL.Image module, or a DataError saying what to install."""
    try:
        from PIL import Image
    except ImportError:
        raise DataError(f"a folder of images needs Pillow, which is not installed: {INSTALL}") from None
    return Image


def is_hidden(path: Path) -> bool:
    """Files and folders whose name starts with a dot (.DS_Store, .ipynb_checkpoints) are not data."""
    return path.name.startswith(".")


def class_folders(folder: Path) -> list[Path]:
    """The class subfolders of `folder`, sorted by name; DataError when there are fewer than two."""
    try:
        children = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as error:
        raise DataError(f"{folder}: cannot list the folder: {error.strerror or error}") from None
    classes = [child for child in children if not is_hidden(child) and child.is_dir()]
    if not classes:
        loose = sum(1 for child in children if child.suffix.lower() in EXTENSIONS)
        where = f"{loose} images lie directly in it; " if loose else ""
        raise DataError(
            f"{folder}: no class subfolders; {where}put each class's images in a folder of its own, "
            f"such as {folder.name}/cat/*.png and {folder.name}/dog/*.png"
        )
    if len(classes) == 1:
        raise DataError(f"{folder}: only one class subfolder ({classes[0].name}); classification needs at least two")
    return classes


def image_files(top: Path) -> list[Path]:
    """Every file below class folder `top`, in sorted order, following links; DataError on a link loop.

    A link to a folder being walked (the data folder itself included) is a loop.
    """
    found: list[Path] = []
    walking = [top.parent.resolve(), top.resolve()]

    def walk(folder: Path) -> None:
        try:
            children = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError as error:
            raise DataError(f"{folder}: cannot list the folder: {error.strerror or error}") from None
        for child in children:
            if is_hidden(child):
                continue
            try:
                real = child.resolve(strict=True)
            except (OSError, RuntimeError) as error:
                loop = isinstance(error, RuntimeError) or getattr(error, "errno", None) == errno.ELOOP
                reason = (
                    "a symbolic link loop"
                    if loop
                    else "a broken symbolic link"
                    if child.is_symlink()
                    else getattr(error, "strerror", None) or str(error)
                )
                raise DataError(f"{child}: {reason}") from None
            if real.is_dir():
                if real in walking:
                    raise DataError(f"{child}: a symbolic link loop: it leads back to {real}")
                walking.append(real)
                walk(child)
                walking.pop()
            else:
                found.append(child)

    walk(top)
    return found


def read_header(image_module: Any, path: Path, label: int) -> Entry:
    """The Entry of the image at `path`, from its header (nothing decoded); DataError naming the file."""
    if path.suffix.lower() not in EXTENSIONS:
        raise DataError(
            f"{path}: not an image file (tuinn reads {', '.join(sorted(EXTENSIONS))}); "
            f"move other files out of the class folders"
        )
    with OpenedImage(image_module, path) as image:
        mode = image.mode
        if mode == "P":
            palette = np.asarray(image.getpalette() or [], dtype=np.uint8).reshape(-1, 3)
            grey = bool((palette == palette[:, :1]).all())
        elif mode in GREY_MODES or mode in COLOUR_MODES:
            grey = mode in GREY_MODES
        else:
            raise DataError(
                f"{path}: images of mode {mode!r} are not supported (8- or 16-bit grayscale, "
                f"palette, RGB, RGBA or CMYK are)"
            )
        width, height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # EXIF orientation: rotated a quarter turn
            width, height = height, width
    return Entry(path, label, (height, width), 1 if grey else 3, mode in SIXTEEN_BIT)


class OpenedImage:
    """``with OpenedImage(Image, path) as image``: Pillow's open, its errors (and its bomb warning) as DataError."""

    def __init__(self, image_module: Any, path: Path) -> None:
        self.image_module, self.path = image_module, path
        self.warnings = warnings.catch_warnings()

    def __enter__(self) -> Any:
        self.warnings.__enter__()
        warnings.simplefilter("error", self.image_module.DecompressionBombWarning)
        try:
            self.image = self.image_module.open(self.path)
        except BaseException as error:
            self.warnings.__exit__(None, None, None)
            raise self.problem(error) from None
        return self.image

    def __exit__(self, kind: Any, error: BaseException | None, trace: Any) -> None:
        self.image.close()
        self.warnings.__exit__(None, None, None)
        if error is not None and not isinstance(error, DataError):
            raise self.problem(error) from None

    def problem(self, error: BaseException) -> BaseException:
        """The DataError that names the file for an error Pillow raised (others pass through)."""
        image = self.image_module
        if isinstance(error, (image.DecompressionBombError, image.DecompressionBombWarning)):
            return DataError(
                f"{self.path}: too large to read safely (Pillow's limit is {image.MAX_IMAGE_PIXELS:,} pixels; {error})"
            )
        if isinstance(error, image.UnidentifiedImageError):
            return DataError(f"{self.path}: not an image Pillow can read")
        if isinstance(error, (OSError, SyntaxError, ValueError, EOFError)):
            return DataError(f"{self.path}: a damaged image: {error}")
        return error


def pixels(image_module: Any, entry: Entry, size: tuple[int, int], channels: int) -> np.ndarray:
    """The decoded image of `entry` as (height, width, channels) values in [0, 1], resized and converted."""
    from PIL import ImageOps

    with OpenedImage(image_module, entry.path) as image:
        image.load()
        image = ImageOps.exif_transpose(image)
        if entry.sixteen_bit:
            image = image_module.fromarray(np.asarray(image, dtype=np.float32))  # mode F: resized as floats
        else:
            image = image.convert("RGB" if channels == 3 else "L")
        if image.size != (size[1], size[0]):
            image = image.resize((size[1], size[0]), image_module.Resampling.BILINEAR)
        array: np.ndarray = np.asarray(image, dtype=np.float32) / np.float32(65535 if entry.sixteen_bit else 255)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.shape[2] != channels:
        array = np.repeat(array, channels, axis=2)
    return array


def read_size(read: SpecReader) -> tuple[int, int] | None:
    """``image_size``: [height, width] in pixels, each 1 to MAX_SIDE; None when absent."""
    value = read.spec.get(IMAGE_SIZE_KEY)
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_SIDE for v in value)
    ):
        raise read.fail(IMAGE_SIZE_KEY, f"must be [height, width], each 1 to {MAX_SIDE} pixels, got {value!r}")
    return value[0], value[1]


def choose_channels(entries: list[Entry], wanted: int | None) -> int:
    """1 or 3: `wanted`, or the images' own when they agree; DataError naming one image of each kind."""
    if wanted is not None:
        return wanted
    grey = [e for e in entries if e.channels == 1]
    colour = [e for e in entries if e.channels == 3]
    if grey and colour:
        raise DataError(
            f"{grey[0].path} is grayscale but {colour[0].path} is colour ({len(grey)} grayscale, "
            f"{len(colour)} colour images); set data.channels = 1 or 3 to convert them all"
        )
    return 1 if grey else 3


def choose_size(entries: list[Entry], wanted: tuple[int, int] | None) -> tuple[int, int]:
    """`wanted`, or the most common size of the images (the smallest area among equals)."""
    if wanted is not None:
        return wanted
    counts = Counter(e.size for e in entries)
    size = min(counts, key=lambda s: (-counts[s], s[0] * s[1], s))
    if max(size) > MAX_SIDE:
        raise DataError(
            f"most images are {size[0]}×{size[1]} pixels, over {MAX_SIDE} a side; "
            f"set data.image_size = [height, width], such as [64, 64], to resize them"
        )
    return size


def load(read: SpecReader, rng: np.random.Generator, dtype: np.dtype) -> Dataset:
    """Images in class subfolders as a [data] table of kind "images" asks; see the module's docstring."""
    options = PoolOptions.read(read, shape="image", val_ratio=0.2)
    wanted_size = read_size(read)
    wanted_channels = read.integer(CHANNELS_KEY, None, 1, 3)
    if wanted_channels == 2:
        raise read.fail(CHANNELS_KEY, "must be 1 (grayscale) or 3 (RGB), got 2")
    folder = read.path()
    if not folder.is_dir():
        raise read.fail("path", f"must be a folder of class subfolders; {str(folder)!r} is a file")
    image_module = pillow()
    classes = class_folders(folder)
    files: list[Path] = []
    labels: list[int] = []
    for label, class_folder in enumerate(classes):
        found = image_files(class_folder)
        if not found:
            raise DataError(f"{class_folder}: no images in this class folder; add some or remove the folder")
        files += found
        labels += [label] * len(found)
    chosen, y = subset(np.array(files, dtype=object), np.array(labels, dtype=np.int64), options.limit, rng)
    entries = [read_header(image_module, Path(path), int(label)) for path, label in zip(chosen, y)]
    size, channels = choose_size(entries, wanted_size), choose_channels(entries, wanted_channels)
    need = len(entries) * size[0] * size[1] * channels * np.dtype(dtype).itemsize
    if need > MAX_BYTES:
        raise DataError(
            f"{folder}: {len(entries):,} images of {size[0]}×{size[1]}×{channels} would take "
            f"{need / 2**30:.1f} GiB; set data.image_size smaller or data.limit"
        )
    x = np.empty((len(entries), *size, channels), dtype=dtype)
    for i, entry in enumerate(entries):
        x[i] = pixels(image_module, entry, size, channels)
    names = tuple(c.name for c in classes)
    description = describe(folder, names, y, entries, size, channels)
    return split_dataset(
        folder.name,
        reshape_samples(x, options.shape),
        y,
        val_ratio=options.val_ratio,
        rng=rng,
        classes=len(names),
        class_names=names,
        description=description,
        dtype=dtype,
    )


def describe(
    folder: Path, names: tuple[str, ...], y: np.ndarray, entries: list[Entry], size: tuple[int, int], channels: int
) -> str:
    """The start line's account: counts per class, the size and channels, what was resized, the scaling."""
    counts = np.bincount(y, minlength=len(names))
    shown = ", ".join(f"{name} {count}" for name, count in zip(names[:8], counts[:8]))
    more = f", and {len(names) - 8} more" if len(names) > 8 else ""
    resized = sum(e.size != size for e in entries)
    kind = "grayscale" if channels == 1 else "RGB"
    text = (
        f"{folder.name}/: {len(entries)} images in {len(names)} classes ({shown}{more}), "
        f"{size[0]}×{size[1]} {kind}, scaled to [0, 1]"
    )
    if resized:
        text += f"; {resized} resized from other sizes"
    converted = sum(e.channels != channels for e in entries)
    if converted:
        text += f"; {converted} converted to {kind}"
    return text
