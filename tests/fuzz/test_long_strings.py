"""A 200 KB string in every kind of key, through a preset file and through `--set`: refused or accepted, quickly.

Every check of an input under the size limit runs in time linear in its size. A guard that
backtracked (a regular expression on a long run without a dot) once took minutes here; the
generous timeouts below catch a return of that without timing anything finer.
"""

from __future__ import annotations

import pytest
from fuzz_support import judge, run_cli, run_process, toml_document
from test_fuzz_cli import BASE, PATHS, changed

LONG = 200_000
ARGUMENT_LONG = 120_000  # a real process: Linux passes at most 128 KiB in one argument
RUN = ["--headless", "--epochs", "1"]


def dotted(path: tuple) -> str:
    """('model', 'layers', 0, 'units') -> 'model.layers[0].units'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


#: the places a long string can go: every key's value, and a long key in each kind of table
VALUE_PATHS = [path for path in PATHS if path[-1] != "bogus"]
KEY_PATHS = [("x" * LONG,), ("data", "x" * LONG), ("model", "layers", 0, "x" * LONG), ("target", "x" * LONG)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", VALUE_PATHS + KEY_PATHS, ids=lambda p: dotted(p)[:40])
def test_a_long_string_in_a_preset_file(tmp_path, path):
    document = changed(BASE, [(path, "x" * LONG)])
    (tmp_path / "mine.toml").write_text(toml_document(document))
    judge(run_cli(["--config", "mine.toml", *RUN], tmp_path), tmp_path, {"mine.toml"})


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", VALUE_PATHS, ids=lambda p: dotted(p)[:40])
def test_a_long_string_set_with_dash_dash_set(tmp_path, path):
    (tmp_path / "mine.toml").write_text(toml_document(BASE))
    for value in ("x" * LONG, '"' + "x" * LONG + '"', "a." * (LONG // 2)):
        judge(
            run_cli(["--config", "mine.toml", *RUN, "--set", f"{dotted(path)}={value}"], tmp_path),
            tmp_path,
            {"mine.toml"},
        )


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "key", ["x" * LONG, "data." + "x" * LONG, "x" * LONG + "[0]", "x" * (LONG // 2) + "." * (LONG // 2)]
)
def test_a_long_key_set_with_dash_dash_set_is_refused(tmp_path, key):
    judge(run_cli(["--preset", "xor", *RUN, "--set", f"{key}=1"], tmp_path), tmp_path, set(), must_refuse=True)


@pytest.mark.timeout(120)
def test_long_strings_in_a_real_process(tmp_path):
    judge(
        run_process(["--preset", "xor", *RUN, "--set", "description=" + "x" * ARGUMENT_LONG], tmp_path), tmp_path, set()
    )
    (tmp_path / "mine.toml").write_text(toml_document(changed(BASE, [(("name",), "x" * LONG)])))
    judge(run_process(["--config", "mine.toml", *RUN], tmp_path), tmp_path, {"mine.toml"})
    (tmp_path / "mine.toml").write_text(toml_document(changed(BASE, [(("description",), "x" * LONG)])))
    outcome = run_process(["--config", "mine.toml", *RUN], tmp_path)
    judge(outcome, tmp_path, {"mine.toml"})
    assert outcome.code in (0, 1)  # a long description is a description: accepted
