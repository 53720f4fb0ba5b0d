"""Layers by spec name: `LAYERS["dense"]` is Dense, and so on."""

from tuinn.nn.layers.base import ActivatedLayer, Layer, ShapeError
from tuinn.nn.layers.dense import Dense
from tuinn.nn.layers.dropout import Dropout
from tuinn.nn.layers.flatten import Flatten
from tuinn.nn.layers.maxout import Maxout

LAYERS: dict[str, type[Layer]] = {
    cls.kind: cls for cls in (Dense, Dropout, Flatten, Maxout)
}

__all__ = ["LAYERS", "ActivatedLayer", "Layer", "ShapeError", "Dense", "Dropout", "Flatten", "Maxout"]
