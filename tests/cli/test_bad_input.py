"""Bad input: one clear message naming the file, key or shape; exit code 2; no traceback."""

from __future__ import annotations

import pytest

from tests.conftest import XOR_TOML

XOR_FILE = XOR_TOML.replace("epochs = 500", "epochs = 3000")


def assert_bad_input(r, *fragments):
    assert r.code == 2, (r.code, r.out, r.err)
    assert "Traceback" not in r.err + r.out
    for fragment in fragments:
        assert fragment in r.err, r.err


def test_users_own_config_runs(tuinn, tmp_path):
    (tmp_path / "mine.toml").write_text(XOR_FILE)
    r = tuinn("--config", "mine.toml", "--headless")
    assert r.code == 0 and "Epoch" in r.out and "Target met" in r.out, r.err


@pytest.mark.parametrize(
    "old, new, fragments",
    [
        ("units = 4", "unitz = 4", ["mine.toml", "layer 1 (dense)", "unitz"]),
        ('activation = "tanh"', 'activation = "tahn"', ["mine.toml", "model.layers[0].activation", "tahn"]),
        ("epochs = 3000", "epochs = -1", ["mine.toml", "train.epochs"]),
        ("lr = 0.5", 'lr = "fast"', ["mine.toml", "train.lr"]),
        ('name = "xor"', 'name = "xnor"', ["mine.toml", "xnor"]),
        ("[train]", "[training]", ["mine.toml", "training"]),
        ('type = "dense"\nunits = 1', 'type = "dense"\nunits = 3', ["mine.toml", "units", "2 classes"]),
        ("units = 4", "units = 4\nactivation = [1]", ["mine.toml"]),
        ("units = 4", "units = 4.5", ["mine.toml", "units must be an integer"]),
        ("units = 4", "units = 4\nname = 5", ["mine.toml", "name must be a string"]),
        ("units = 4", 'units = 4\nuse_bias = "no"', ["mine.toml", "use_bias must be true or false"]),
    ],
)
def test_malformed_config_names_file_and_key(tuinn, tmp_path, old, new, fragments):
    assert old in XOR_FILE
    (tmp_path / "mine.toml").write_text(XOR_FILE.replace(old, new, 1))
    assert_bad_input(tuinn("--config", "mine.toml", "--headless"), *fragments)


def test_not_toml(tuinn, tmp_path):
    (tmp_path / "mine.toml").write_text("this is = = not toml")
    assert_bad_input(tuinn("--config", "mine.toml", "--headless"), "mine.toml", "not valid TOML")


def test_missing_config_file(tuinn):
    assert_bad_input(tuinn("--config", "nowhere.toml", "--headless"), "nowhere.toml")


def test_unknown_preset(tuinn):
    assert_bad_input(tuinn("--preset", "xr", "--headless"), "unknown preset 'xr'", "xor")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--optimizer", "adamw"], "--optimizer"),
        (["--activation", "relux"], "--activation"),
        (["--epochs", "0"], "--epochs"),
        (["--lr", "-1"], "--lr"),
        (["--batch-size", "-5"], "--batch-size"),
        (["--load", "missing.npz"], "missing.npz"),
        (["--json"], "--json goes with --headless"),
        (["--epochs", "many"], "many"),
        (["--lr", "inf"], "--lr"),
        (["--lr", "1e9"], "--lr"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_bad_flags(tuinn, args, fragment):
    assert_bad_input(
        tuinn("--preset", "xor", "--headless", *args) if "--json" not in args else tuinn("--preset", "xor", *args),
        fragment,
    )


def test_load_of_a_file_for_another_network(tuinn, tmp_path):
    assert tuinn("--preset", "and", "--headless", "--save", "and.npz").code == 0
    assert_bad_input(
        tuinn("--preset", "xor", "--headless", "--load", "and.npz"), "and.npz", "saved from a network of layers"
    )


def test_load_of_a_non_npz_file(tuinn, tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip file at all")
    assert_bad_input(tuinn("--preset", "xor", "--headless", "--load", "junk.npz"), "junk.npz")


@pytest.mark.parametrize("path", ["no/such/dir/and.npz", ".", ""])
def test_save_to_a_path_that_cannot_be_written_fails_before_training(tuinn, path):
    r = tuinn("--preset", "and", "--headless", "--save", path)
    assert_bad_input(r, "--save")
    assert "Epoch" not in r.out


def test_data_preset_without_data_says_what_to_pass(tuinn):
    assert_bad_input(tuinn("--preset", "mnist-cnn", "--headless"), "mnist-cnn", "--data")


def test_data_path_that_does_not_exist(tuinn):
    assert_bad_input(tuinn("--preset", "mnist-cnn", "--headless", "--data", "nowhere"), "nowhere")


def test_activation_flag_on_a_net_without_hidden_layers(tuinn):
    assert_bad_input(tuinn("--preset", "and", "--headless", "--activation", "relu"), "--activation", "no hidden layers")


def test_load_brings_the_saved_activation(tuinn, tmp_path):
    assert tuinn("--preset", "xor", "--headless", "--activation", "relu", "--save", "xr.npz").code == 0
    r = tuinn("--preset", "xor", "--headless", "--load", "xr.npz", "--epochs", "1", "--json")
    start = r.out.splitlines()[0]
    assert r.code == 0 and '"activation": "relu"' in start, r.out + r.err


def test_mnist_summary_needs_no_files(tuinn):
    r = tuinn("--preset", "mnist-cnn", "--summary")
    assert r.code == 0 and "28×28×8" in r.out, r.err
