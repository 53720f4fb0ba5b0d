"""Your own CSV with a preset's network: scikit-learn's breast cancer file as it is, and a 3-class file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

FILES = Path(__file__).parents[1] / "data" / "files"


def val_accuracy(out: str) -> float:
    return float(re.search(r"val accuracy = ([\d.]+)", out).group(1))


def test_breast_cancer_as_scikit_learn_ships_it_reaches_095(tuinn, tmp_path):
    shutil.copy(FILES / "breast_cancer.csv", tmp_path / "breast_cancer.csv")
    r = tuinn("--preset", "circle", "--data", "breast_cancer.csv", "--headless")
    assert r.code == 0, r.out + r.err
    assert val_accuracy(r.out) >= 0.95
    data_line = next(line for line in r.out.splitlines() if line.startswith("Data:"))
    assert "569 rows, 30 features" in data_line and "standardized" in data_line
    assert "malignant" in r.out  # the class names from the file's first line


def test_without_standardizing_the_same_file_trains_worse(tuinn, tmp_path):
    """Why standardize is on: the features span 0.001 to 4,000."""
    text = (FILES / "breast_cancer.csv").read_text()
    (tmp_path / "bc.toml").write_text("""
name = "bc-raw"
description = "breast cancer, raw features"
seed = 0
[data]
kind = "csv"
path = "breast_cancer.csv"
standardize = false
[model]
loss = "binary_cross_entropy"
[[model.layers]]
type = "dense"
units = 8
activation = "tanh"
[[model.layers]]
type = "dense"
units = 1
activation = "sigmoid"
[train]
epochs = 20
batch_size = 32
lr = 0.03
optimizer = "adam"
[target]
metric = "val_accuracy"
value = 0.95
""")
    (tmp_path / "breast_cancer.csv").write_text(text)
    raw = tuinn("--config", "bc.toml", "--headless")
    scaled = tuinn("--config", "bc.toml", "--headless", "--set", "data.standardize=true")
    assert val_accuracy(raw.out) < val_accuracy(scaled.out)
    assert scaled.code == 0


def test_a_three_class_file_adapts_a_binary_presets_output_layer_and_says_so(tuinn, tmp_path):
    rows = "".join(f"{(i % 3) * 2 + (i * 7 % 10) / 10},{(i % 3) * -1.5},{i % 3}\n" for i in range(150))
    (tmp_path / "three.csv").write_text("150,2,a,b,c\n" + rows)
    r = tuinn("--preset", "circle", "--data", "three.csv", "--headless")
    assert "output layer adapted to the data's 3 classes: 1 -> 3 softmax units" in r.out, r.err
    assert r.code == 0 and "Dense(3)" in r.out
