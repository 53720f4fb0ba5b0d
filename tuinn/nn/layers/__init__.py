"""Layers by spec name: `LAYERS["dense"]` is Dense, and so on."""

from tuinn.nn.layers.base import ActivatedLayer, Layer, ShapeError
from tuinn.nn.layers.conv import Conv2D
from tuinn.nn.layers.dense import Dense
from tuinn.nn.layers.dropout import Dropout
from tuinn.nn.layers.flatten import Flatten
from tuinn.nn.layers.maxout import Maxout
from tuinn.nn.layers.pooling import AvgPool2D, MaxPool2D

LAYERS: dict[str, type[Layer]] = {
    cls.kind: cls for cls in (Dense, Dropout, Flatten, Maxout, Conv2D, MaxPool2D, AvgPool2D)
}

__all__ = [
    "LAYERS",
    "ActivatedLayer",
    "Layer",
    "ShapeError",
    "Dense",
    "Dropout",
    "Flatten",
    "Maxout",
    "Conv2D",
    "MaxPool2D",
    "AvgPool2D",
]
