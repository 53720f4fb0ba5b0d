"""`tuinn [OPTIONS]`: run a preset in the Textual app, or headless for scripts and CI."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from tuinn.cli.errors import BadInput, message_of
from tuinn.cli.flag_rules import check_flags, resumed_budget
from tuinn.cli.outcome import GuardedGroup, stop_signals
from tuinn.cli.terminal import require_terminal
from tuinn.config import ConfigError, RunConfig, load_config_file, load_preset, preset_names, with_overrides
from tuinn.config.settings import with_settings
from tuinn.export.service import ExportError, check_export_path, export_network

if TYPE_CHECKING:
    from tuinn.train.baseline import Baseline
    from tuinn.train.recorder import FrameSink
    from tuinn.train.trainer import Trainer

DEFAULT_PRESET = "xor"
EXIT_CODES = """\b
Exit codes:
  0    the target was met (or the app was quit with q)
  1    the target was missed, or training diverged (a message says so)
  2    bad input: a preset, flag, data or network file (one message names it)
  3    an internal error (a bug): one line, the traceback in a log file it names
  130  stopped by SIGINT (Ctrl-C), after the current step, as q does
  141  the output went into a closed pipe (as `| head -1` closes it); nothing else is printed
  143  stopped by SIGTERM, likewise
"""


def load_run_config(preset: str | None, config_file: str | None) -> RunConfig:
    if preset is not None and config_file is not None:
        raise BadInput("give either --preset or --config, not both")
    if config_file is not None:
        return load_config_file(config_file)
    return load_preset(DEFAULT_PRESET if preset is None else preset)


def _list_presets() -> None:
    names = preset_names()
    width = max(map(len, names))
    for name in names:
        config = load_preset(name)
        first = config.description.split(". ")[0].rstrip(".")
        click.echo(f"{name:<{width}}  {first}.")


@click.group(
    cls=GuardedGroup,
    invoke_without_command=True,
    epilog=EXIT_CODES,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--preset", "-p", metavar="NAME", help=f"Built-in preset to run (default: {DEFAULT_PRESET}; see --list-presets)."
)
@click.option(
    "--config", "config_file", metavar="FILE", help="Your own preset file (TOML, same keys as the built-in ones)."
)
@click.option(
    "--headless",
    is_flag=True,
    help="Train without the UI: progress lines, a verdict, exit 0 if the target is met, 1 if not.",
)
@click.option("--json", "as_json", is_flag=True, help="With --headless: one JSON object per line instead of text.")
@click.option("--epochs", type=int, help="Override the number of epochs.")
@click.option("--lr", type=float, help="Override the learning rate.")
@click.option("--optimizer", metavar="NAME", help="Override the optimizer: sgd, adagrad, rmsprop, adam.")
@click.option("--activation", metavar="NAME", help="Set every hidden layer's activation (relu, tanh, sigmoid, ...).")
@click.option("--batch-size", type=int, help="Override the batch size (0 = the whole training set).")
@click.option("--seed", type=int, help="Override the random seed (runs are reproducible from it).")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set any preset key, e.g. --set data.noise=30 --set model.layers[0].units=8 (repeatable).",
)
@click.option(
    "--data",
    "data_path",
    metavar="PATH",
    help="Train the preset's network on your data: a folder of MNIST IDX files or of class subfolders of images, a .csv or a .npz.",
)
@click.option("--save", "save_path", metavar="PATH", help="After training, save the network (.npz) here.")
@click.option(
    "--export",
    "export_path",
    metavar="FILE",
    help="After training, export the network: FILE.onnx (ONNX) or FILE.py (a PyTorch script).",
)
@click.option(
    "--record",
    "record_path",
    metavar="FILE",
    help="Record the run's Snapshots to FILE as it goes, for `tuinn replay FILE`.",
)
@click.option(
    "--tensorboard",
    "tensorboard_dir",
    metavar="DIR",
    help="Also write TensorBoard event files to DIR (needs the extra: pip install 'tuinn[tensorboard]').",
)
@click.option(
    "--resume",
    "resume_path",
    metavar="PATH",
    help="Continue a run saved with --save exactly where it stopped (its settings; --epochs can extend it).",
)
@click.option("--load", "load_path", metavar="PATH", help="Start from weights saved with --save.")
@click.option(
    "--baseline",
    "baseline_path",
    metavar="FILE",
    help="Compare with another run: a recording (--record) or a saved run (--save). Headless prints both final "
    "figures side by side; the app pins it as a grey ghost beside the curves (key B).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    metavar="N",
    help="Threads a training step uses (default: every core this process may use headless, "
    "all but one in the app, so the screen keeps a core).",
)
@click.option(
    "--fps",
    type=click.FloatRange(min=0.5, max=60),
    default=10.0,
    show_default=True,
    metavar="N",
    help="The app redraws at most N times a second; lower it on a slow link (the status panel shows the bytes per second).",
)
@click.option(
    "--projector",
    is_flag=True,
    help="Start the app in projector mode (key P): the main picture large, the key numbers in large digits.",
)
@click.option("--summary", is_flag=True, help="Print the architecture table and exit.")
@click.option("--list-presets", is_flag=True, help="List the built-in presets and exit.")
@click.option(
    "--debug", is_flag=True, help="On an internal error, print the full traceback (otherwise it goes to a log file)."
)
@click.version_option(package_name="tuinn")
@click.pass_context
def main(
    ctx: click.Context,
    preset: str | None,
    config_file: str | None,
    headless: bool,
    as_json: bool,
    epochs: int | None,
    lr: float | None,
    optimizer: str | None,
    activation: str | None,
    batch_size: int | None,
    seed: int | None,
    settings: tuple[str, ...],
    data_path: str | None,
    save_path: str | None,
    export_path: str | None,
    record_path: str | None,
    tensorboard_dir: str | None,
    resume_path: str | None,
    load_path: str | None,
    baseline_path: str | None,
    threads: int | None,
    fps: float,
    projector: bool,
    summary: bool,
    list_presets: bool,
    debug: bool,
) -> None:
    """Train neural networks in the terminal and watch them learn.

    \b
    tuinn                            open the app on the xor preset
    tuinn --preset digits-cnn        watch a CNN learn handwritten digits
    tuinn --preset xor --headless    train without the UI (for scripts and CI)
    """
    if ctx.invoked_subcommand is not None:
        return  # the subcommand takes its own options
    check_flags(ctx.params, given_flags(ctx))
    if list_presets:
        _list_presets()
        return
    try:
        checkpoint = None
        if resume_path is not None:
            from tuinn.train.checkpoint import Checkpoint

            checkpoint = Checkpoint(resume_path)
            budget = resumed_budget(epochs, checkpoint.state["counters"]["epoch"], resume_path)
            if budget is not None:
                checkpoint.state["epoch_budget"] = budget  # --epochs is the budget, shorter or longer
        base = checkpoint.config if checkpoint is not None else load_run_config(preset, config_file)
        config = with_settings(base, settings)
        data = None
        if data_path is not None:
            from tuinn.data import data_spec_for_path

            data = data_spec_for_path(data_path, config.data)
            if config.model.get("loss") == "mse" and data["kind"] in ("csv", "npz"):
                data.setdefault("task", "regression")  # a regression preset reads your file as one
            if data["kind"] in ("images", "idx") and (config.model.get("layers") or [{}])[0].get("type") == "dense":
                data.setdefault("shape", "flat")  # a dense net (an MLP preset) reads your images flat
        config = with_overrides(
            config,
            epochs=epochs,
            lr=lr,
            optimizer=optimizer,
            activation=activation,
            batch_size=batch_size,
            seed=seed,
            data=data,
        )
        if summary:
            click.echo(_summary(config))
            return
        for flag, path in (("--save", save_path), ("--record", record_path)):
            if path is not None:
                _check_output_path(flag, path)
        if export_path is not None:
            check_export_path(export_path)
        baseline = _read_baseline(baseline_path) if baseline_path is not None else None
        if not headless:
            require_terminal("use --headless to train without the app")
        # the app trains through its budget (a class watches it settle); headless stops at the target
        trainer = _make_trainer(
            config, load_path, stop_at_target=None if headless else False, threads=threads or default_threads(headless)
        )
        if checkpoint is not None:
            checkpoint.restore(trainer)
    except BadInput:
        raise
    except (ConfigError, ExportError, ValueError, KeyError, OSError) as e:
        raise BadInput(message_of(e)) from None
    recorder: FrameSink | None = None
    if record_path is not None:
        from tuinn.train.recorder import Recorder

        recorder = Recorder(record_path)
    if tensorboard_dir is not None:  # a tee where the recorder stands: the event files get the same Snapshots
        try:
            from tuinn.report.tensorboard import BoardTee

            recorder = BoardTee(tensorboard_dir, recorder)
        except ImportError:
            raise BadInput("--tensorboard needs tensorboardX: pip install 'tuinn[tensorboard]'") from None
    signals = stop_signals()

    def finish(trained: Trainer) -> tuple[list[str], str | None]:
        return _save_and_export(trained, save_path, export_path, config.name)

    end: tuple[list[str], str | None] = ([], None)
    with signals.running():  # SIGINT/SIGTERM stop the run as q does (exit 130/143); afterwards they wait for the save
        if headless:
            code = _run_headless(
                trainer,
                as_json,
                lambda: signals.received,
                recorder,
                None if baseline is None else (baseline, baseline_path or ""),
            )
        else:
            from tuinn.train.runner import TrainingThread
            from tuinn.tui.app import run_app
            from tuinn.tui.live_source import LiveSource

            source = LiveSource(TrainingThread(trainer, interval=1 / fps), on_end=finish)  # (the run's process)
            code = run_app(
                source,
                on_stop=signals.on_stop,
                stop_code=lambda: signals.exit_code,
                fps=fps,
                recorder=recorder,
                projector=projector,
                baseline=baseline,
            )
            if source.end is not None:
                end = list(source.end.lines), source.end.refusal
    if headless:
        end = finish(trainer)
    if recorder is not None:
        recorder.close()
    if recorder is not None and record_path is not None:
        click.echo(f"Recorded {recorder.frames} frames to {record_path}", err=as_json)
    lines, refusal = end
    for line in lines:
        click.echo(line, err=as_json)
    if refusal is not None:
        raise BadInput(refusal)
    sys.exit(signals.exit_code or code)


def _save_and_export(
    trainer: Trainer, save_path: str | None, export_path: str | None, name: str
) -> tuple[list[str], str | None]:
    """Save the run (--save) and export its network (--export) once training is over, where the Trainer is (in the
    app: the run's own process); the lines to print, and the bad-input line of what could not be written."""
    lines: list[str] = []
    if save_path is not None:
        from tuinn.train.checkpoint import save_run

        try:
            saved, what = save_run(trainer, save_path)
        except OSError as e:
            return lines, f"--save {save_path}: {e.strerror or e}"
        hint = f" (continue it with --resume {saved})" if what == "a checkpoint" else ""
        lines.append(f"Saved {what} to {saved}{hint}")
    if export_path is not None:
        try:
            lines.extend(
                f"Exported the network to {written}" for written in export_network(trainer.network, export_path, name)
            )
        except ExportError as e:
            return lines, str(e)
    return lines, None


def given_flags(ctx: click.Context) -> dict[str, str]:
    """The options set on the command line (not left at their defaults): name -> flag."""
    return {
        p.name: p.opts[0]
        for p in ctx.command.params
        if p.name is not None and p.opts and ctx.get_parameter_source(p.name) not in (None, ParameterSource.DEFAULT)
    }


def _check_output_path(flag: str, path: str) -> None:
    """Refuse, before training, an output path (--save, --record) that could not be written."""
    target = Path(path)
    if not path or target.is_dir():
        raise ConfigError(
            f"{flag} {path!r}: give a file name, such as {'run.rec' if flag == '--record' else 'net.npz'}"
        )
    folder = target.resolve().parent
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--save {path}: {folder} is a file, not a folder")
    if not folder.is_dir():
        raise ConfigError(f"{flag} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{flag} {path}: the folder {folder} is not writable")


def default_threads(headless: bool) -> int:
    """Every core this process may use headless; in the app all but one, for the event loop."""
    from tuinn.nn.parallel import available_cores

    return available_cores() if headless else max(1, available_cores() - 1)


def _read_baseline(path: str) -> Baseline:
    """The run `--baseline` names (a recording or a saved run); BadInput naming the file when it holds none."""
    from tuinn.train.baseline import BaselineError, read_baseline

    try:
        return read_baseline(path)
    except BaselineError as e:
        raise BadInput(f"--baseline {e}") from None


def _make_trainer(config: RunConfig, load_path: str | None, stop_at_target: bool | None, threads: int) -> Trainer:
    from tuinn.train.trainer import Trainer

    trainer = Trainer(config, stop_at_target=stop_at_target, threads=threads)
    if load_path is not None:
        if not load_path:
            raise ConfigError("--load '': give the path of a network file saved with --save (.npz)")
        if not Path(load_path).is_file():
            what = "a folder, not a network file" if Path(load_path).is_dir() else "no such file"
            raise ConfigError(f"--load {load_path!r}: {what}")
        try:
            trainer.load_weights(load_path)
        except (ValueError, OSError, KeyError) as e:
            raise ConfigError(f"--load: {message_of(e)}") from None
    return trainer


def _summary(config: RunConfig) -> str:
    """The architecture table, counted from shapes: it works for nets too large to allocate."""
    from tuinn.report.summary import summary_table
    from tuinn.train.setup import plan_model, preset_input_shape

    plan = plan_model(config, preset_input_shape(config))
    return f"{config.name}: {config.description}\n{summary_table(plan.rows, plan.input_shape)}"


def _run_headless(
    trainer: Trainer,
    as_json: bool,
    stop_signal: Callable[[], int],
    recorder: FrameSink | None = None,
    baseline: tuple[Baseline, str] | None = None,
) -> int:
    from threadpoolctl import threadpool_limits

    from tuinn.report.console import ConsoleReporter, JsonReporter
    from tuinn.report.headless import run_headless

    reporter = JsonReporter(baseline=baseline) if as_json else ConsoleReporter(baseline=baseline)
    with threadpool_limits(limits=1):  # one BLAS thread per worker: the step's threads are ours
        return run_headless(trainer, reporter, stop_signal, recorder)


if __name__ == "__main__":  # pragma: no cover
    main()
