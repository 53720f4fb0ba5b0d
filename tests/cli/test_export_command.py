"""`tuinn export` and `--export`, as a user runs them: real files, read back by the engines they are for."""

from __future__ import annotations

import numpy as np
import pytest

from tests.cli.test_bad_input import assert_bad_input
from tuinn.config import load_preset
from tuinn.data import load_data
from tuinn.nn import Network


def test_export_preset_to_onnx_gives_tuinns_predictions(tuinn, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    r = tuinn("export", "--preset", "digits-cnn", "--onnx", "digits.onnx")
    assert r.code == 0, r.err
    assert "Wrote digits.onnx" in r.out and "initial weights" in r.err
    from tuinn.export.service import preset_network

    net = preset_network(load_preset("digits-cnn"))
    x = load_data(load_preset("digits-cnn").data, seed=0, dtype="float32").x_val[:200]
    session = ort.InferenceSession(str(tmp_path / "digits.onnx"), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": x})
    assert (out.argmax(1) == net.forward(x).argmax(1)).all()
    np.testing.assert_allclose(out, net.forward(x), atol=1e-5)


def test_a_trained_run_exports_with_export_and_matches_its_saved_network(tuinn, tmp_path):
    pytest.importorskip("onnx", reason="the export extra (onnx) is not installed")
    from onnx.reference import ReferenceEvaluator

    r = tuinn("--preset", "xor", "--headless", "--save", "xor.npz", "--export", "xor.onnx")
    assert r.code == 0, r.err
    assert "Exported the network to xor.onnx" in r.out
    net = Network.load(tmp_path / "xor.npz")
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    (out,) = ReferenceEvaluator(str(tmp_path / "xor.onnx")).run(None, {"input": x})
    np.testing.assert_allclose(out, net.forward(x.astype(np.float64)), atol=1e-5)
    assert ((out[:, 0] > 0.5) == [False, True, True, False]).all()


def test_export_load_writes_onnx_and_pytorch_together(tuinn, tmp_path):
    pytest.importorskip("onnx", reason="the export extra (onnx) is not installed")
    assert tuinn("--preset", "xor", "--headless", "--save", "xor.npz").code == 0
    r = tuinn("export", "--load", "xor.npz", "--onnx", "xor.onnx", "--torch", "xor_net.py")
    assert r.code == 0, r.err
    assert {p.name for p in tmp_path.iterdir()} >= {"xor.onnx", "xor_net.py", "xor_net.weights.npz"}
    assert "initial weights" not in r.err


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["export", "--preset", "xor"], ["--onnx FILE or --torch FILE"]),
        (["export", "--preset", "xor", "--onnx", "net.pt"], ["--onnx net.pt", "must end in .onnx"]),
        (["export", "--preset", "xor", "--torch", "net.onnx"], ["--torch net.onnx", "must end in .py"]),
        (["export", "--preset", "nope", "--onnx", "a.onnx"], ["nope"]),
        (["export", "--load", "missing.npz", "--onnx", "a.onnx"], ["missing.npz", "no such file"]),
        (["export", "--preset", "xor", "--onnx", "no/such/folder/a.onnx"], ["does not exist"]),
        (["--preset", "xor", "--headless", "--export", "net.h5"], ["net.h5", ".onnx", ".py"]),
        (["export", "--preset", "million-pixels", "--onnx", "big.onnx"], ["million-pixels", "GiB", "--summary"]),
    ],
)
def test_bad_export_requests_exit_2_and_name_the_problem(tuinn, tmp_path, args, fragments):
    r = tuinn(*args)
    assert_bad_input(r, *fragments)
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".onnx", ".py", ".tmp")]


def test_a_file_that_is_no_network_is_refused_by_load(tuinn, tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    assert_bad_input(tuinn("export", "--load", "junk.npz", "--onnx", "a.onnx"), "junk.npz", "not a tuinn network file")


def test_without_onnx_installed_the_message_says_what_to_install(tuinn, tmp_path, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "onnx.py").write_text("raise ImportError('onnx is not installed here')\n")
    monkeypatch.setenv("PYTHONPATH", str(blocker))
    r = tuinn("export", "--preset", "xor", "--onnx", "xor.onnx")
    assert_bad_input(r, "pip install 'tuinn[export]'")
    assert not (tmp_path / "xor.onnx").exists()


def test_the_plain_run_does_not_import_onnx(tmp_path):
    import subprocess
    import sys

    code = "import sys, tuinn.cli; sys.exit('onnx' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
