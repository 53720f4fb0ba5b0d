"""Fit a preset's output layer to your data (`--data`): one unit per class, or one sigmoid unit for two."""

from __future__ import annotations

import dataclasses

from tuinn.config import RunConfig
from tuinn.data import Dataset


def adapted_output(config: RunConfig, dataset: Dataset) -> tuple[RunConfig, str]:
    """`config` with its last layer (and loss) fitted to `dataset`'s classes, and a note saying so.

    Only for data from a file of yours (the data table has a ``path``) and a classification
    task: a preset's own data must fit its own net, and a mismatch there is an error.
    Returns the config unchanged and an empty note when nothing needs changing.
    """
    layers = config.model.get("layers") or []
    if dataset.task != "classification" or not config.data.get("path") or not layers:
        return config, ""
    last = layers[-1]
    if last.get("type") != "dense" or not isinstance(last.get("units"), int):
        return config, ""
    units, loss = last["units"], config.model.get("loss")
    if dataset.classes == 2 and (units, loss) in ((1, "binary_cross_entropy"), (2, "softmax_cross_entropy")):
        return config, ""
    if units == dataset.classes and loss == "softmax_cross_entropy":
        return config, ""
    if dataset.classes == 2:
        new_last, new_loss = {**last, "units": 1, "activation": "sigmoid"}, "binary_cross_entropy"
    else:
        new_last, new_loss = {**last, "units": dataset.classes, "activation": "softmax"}, "softmax_cross_entropy"
    model = {**config.model, "layers": [*layers[:-1], new_last], "loss": new_loss}
    note = (
        f"output layer adapted to the data's {dataset.classes} classes: {units} -> {new_last['units']} "
        f"{new_last['activation']} unit{'s' * (new_last['units'] != 1)}, loss {new_loss}"
    )
    return dataclasses.replace(config, model=model), note
