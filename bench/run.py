"""Benchmark tuinn's training step against PyTorch CPU: python bench/run.py [options].

Each measurement is a separate process (bench/worker.py); tuinn and PyTorch processes
alternate (A B A B ...) so that drift in the machine's speed hits both. Figures are the
median over all timed runs of all processes, with the min-max range. Every workload runs
at each engine's default thread count, at one thread (the scaling table), and at the
default with one core taken by a competing CPU-bound process (the busy-machine table);
the float32 GEMM peak is measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workloads here, and this checkout's tuinn

from workloads import WORKLOADS, Workload  # noqa: E402

#: set on some processors for old OpenBLAS builds; they slow a current one
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
STAT = Path("/proc/stat")
#: the share of the CPUs other processes may use while a measurement still counts as clean
QUIET = 0.1
#: the share of the idle speed each workload must keep with one core taken by another process
BUSY_SHARE = 0.4
#: a CPU-bound loop pinned to one CPU: the competing process of the busy-machine row
SPIN = "import os, sys\nos.sched_setaffinity(0, {int(sys.argv[1])})\nwhile True: pass"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"comma-separated, from {', '.join(WORKLOADS)}"
    )
    parser.add_argument("--repeats", type=int, default=3, help="processes per engine and workload")
    parser.add_argument("--runs", type=int, default=5, help="timed runs in each process")
    parser.add_argument("--run-seconds", type=float, default=0.25, help="length of one timed run")
    parser.add_argument("--no-torch", action="store_true", help="time tuinn only")
    parser.add_argument("--no-scaling", action="store_true", help="skip the one-thread runs")
    parser.add_argument("--no-busy", action="store_true", help="skip the busy-machine runs")
    parser.add_argument(
        "--unset-openblas-env",
        action="store_true",
        help=f"run both sides with {' and '.join(OPENBLAS_VARS)} unset",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each process, wait up to this long for idle CPUs; redo (twice at most) "
        "a measurement that other processes disturbed",
    )
    parser.add_argument("--json", type=Path, help="also write every raw result to this file")
    return parser.parse_args(argv)


def worker_env(unset_openblas: bool) -> dict[str, str]:
    env = dict(os.environ)
    if unset_openblas:
        for name in OPENBLAS_VARS:
            env.pop(name, None)
    return env


def cpu_ticks() -> tuple[int, int]:
    """Clock ticks of all CPUs so far: (all, busy); zeros where /proc/stat is missing."""
    if not STAT.exists():
        return 0, 0
    fields = [int(v) for v in STAT.read_text().split("\n", 1)[0].split()[1:9]]
    return sum(fields), sum(fields) - fields[3] - fields[4]  # less idle and iowait


def others_share(before: tuple[int, int], after: tuple[int, int], own_seconds: float) -> float:
    """The share of all CPU time between two samples that processes other than ours used."""
    total = after[0] - before[0]
    if total <= 0:
        return 0.0
    own = own_seconds * os.sysconf("SC_CLK_TCK")
    return max(0.0, (after[1] - before[1] - own) / total)


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_idle(limit: float) -> None:
    """Wait up to `limit` seconds until other processes leave the CPUs (nearly) idle."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_ticks()
        time.sleep(0.5)
        if others_share(before, cpu_ticks(), 0.0) <= QUIET:
            return


@contextmanager
def competitor(busy: bool) -> Iterator[None]:
    """With `busy`, a CPU-bound process pinned to the last CPU we may use, for the duration."""
    if not busy:
        yield
        return
    cpu = max(os.sched_getaffinity(0))
    spin = subprocess.Popen([sys.executable, "-c", SPIN, str(cpu)])
    try:
        time.sleep(0.2)  # let it take its core
        yield
    finally:
        spin.kill()
        spin.wait()


def measure(
    engine: str, w: Workload | None, args: argparse.Namespace, env: dict[str, str], threads: int = 0, busy: bool = False
) -> dict:
    """One measurement; with --wait-idle, after idle CPUs, redone while others disturbed it.

    A busy measurement waits for idle CPUs before its competitor starts and is not redone
    (the competitor is the disturbance it measures).
    """
    for _ in range(3 if args.wait_idle and not busy else 1):
        wait_idle(args.wait_idle)
        with competitor(busy):
            result = run_worker(engine, w, args, env, threads)
        if result["others_busy"] <= QUIET:
            break
    return result


def run_worker(engine: str, w: Workload | None, args: argparse.Namespace, env: dict[str, str], threads: int) -> dict:
    """One measurement in a fresh process; its JSON line, with the CPU share others used."""
    cmd = [sys.executable, str(HERE / "worker.py"), engine, *([w.name] if w else [])]
    cmd += ["--threads", str(threads), "--runs", str(args.runs), "--run-seconds", str(args.run_seconds)]
    before, own = cpu_ticks(), children_cpu_seconds()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{engine} {w.name} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["others_busy"] = others_share(before, cpu_ticks(), children_cpu_seconds() - own)
    return result


def summarize(results: list[dict]) -> dict:
    """Median and range of seconds per step over every run of every process."""
    times = [t for r in results for t in r["step_seconds"]]
    peaks = [r["traced_peak_bytes"] for r in results if r["traced_peak_bytes"] is not None]
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "maxrss_kib": max(r["maxrss_kib"] for r in results),
        "traced_peak_bytes": max(peaks) if peaks else None,
        "others_busy": max(r["others_busy"] for r in results),
        "info": results[0]["info"],
        # tuinn measures its step's plan in each process: they may differ
        "plans": sorted({plan_of(r["info"]) for r in results if "tuinn_threads" in r["info"]}),
    }


def figure(w: Workload, s: dict) -> str:
    """'18.2 µs (17.9–19.4)' for tiny nets, '131k samples/s (120k–138k)' for the rest."""
    if w.per_step:
        return f"{s['median'] * 1e6:.1f} µs ({s['min'] * 1e6:.1f}–{s['max'] * 1e6:.1f})"

    def rate(seconds: float) -> str:
        per_second = w.batch / seconds / 1e3
        return f"{per_second:.1f}k" if per_second >= 10 else f"{per_second:.2f}k"

    # the slowest step is the lowest rate
    return f"{rate(s['median'])} samples/s ({rate(s['max'])}–{rate(s['min'])})"


def verdict(w: Workload, ours: dict, theirs: dict | None, peak: float | None) -> tuple[str, str, str]:
    """The speed ratio over PyTorch, the target, and whether it is met."""
    ratio = theirs["median"] / ours["median"] if theirs else None
    ratio_text = f"{ratio:.2f}×" if ratio else "—"
    if w.max_step_seconds is not None:
        return ratio_text, f"≤ {w.max_step_seconds * 1e6:g} µs", yes(ours["median"] <= w.max_step_seconds)
    if w.min_peak_share is not None:
        target = f"≥ {w.min_peak_share:.0%} of the GEMM peak"
        if not peak:
            return ratio_text, target, "—"
        rate = w.gemm_flops() / ours["median"] / 1e9
        share = rate / peak
        return ratio_text, target, f"{yes(share >= w.min_peak_share)} ({share:.0%}: {rate:.0f} of {peak:.0f} GFLOP/s)"
    if w.min_ratio is not None:
        return ratio_text, f"≥ {w.min_ratio:g}× PyTorch", yes(ratio >= w.min_ratio) if ratio else "—"
    return ratio_text, "figures", "—"


def plan_of(info: dict) -> str:
    """tuinn's threads and its step's plan (`StepPlan.describe`): '2 threads, 2 slices in processes'."""
    return f"{info['tuinn_threads']} threads, {info['tuinn_plan']}"


def threads_of(s: dict) -> str:
    """The thread count an engine ran with (and tuinn's plans in its processes), from its workers' info."""
    info = s["info"]
    if "tuinn_threads" in info:
        return " / ".join(s["plans"])
    return str(info.get("torch_threads", info.get("blas_threads")))


def scaling_row(w: Workload, summary: dict[tuple[str, int, bool], dict], engines: list[str]) -> tuple[str, ...]:
    """1 thread, the default, and the speed-up, per engine; tuinn's speed-up target."""
    cells = [w.title]
    for engine in engines:
        one, default = summary[(engine, 1, False)], summary[(engine, 0, False)]
        cells += [
            figure(w, one),
            f"{figure(w, default)} [{threads_of(default)}]",
            f"{one['median'] / default['median']:.2f}×",
        ]
    speedup = summary[("tuinn", 1, False)]["median"] / summary[("tuinn", 0, False)]["median"]
    if w.min_speedup is None:
        return (*cells, "—", "—")
    return (*cells, f"tuinn ≥ {w.min_speedup:g}×", yes(speedup >= w.min_speedup))


def busy_row(w: Workload, summary: dict[tuple[str, int, bool], dict], engines: list[str]) -> tuple[str, ...]:
    """The idle and busy figures and the share kept, per engine; tuinn's target."""
    cells = [w.title]
    for engine in engines:
        idle, busy = summary[(engine, 0, False)], summary[(engine, 0, True)]
        cells += [figure(w, busy), f"{idle['median'] / busy['median']:.0%}"]
    share = summary[("tuinn", 0, False)]["median"] / summary[("tuinn", 0, True)]["median"]
    return (*cells, f"tuinn ≥ {BUSY_SHARE:.0%}", yes(share >= BUSY_SHARE))


def details(summary: dict[tuple[str, int, bool], dict]) -> str:
    """Memory of both sides and how much of the CPUs other processes took, for one workload.

    (The competitor of busy measurements counts as another process.)
    """
    ours, theirs = summary[("tuinn", 0, False)], summary.get(("torch", 0, False))
    text = f"max RSS tuinn {size(ours['maxrss_kib'] * 1024)}"
    if theirs:
        text += f", PyTorch {size(theirs['maxrss_kib'] * 1024)}"
    if ours["traced_peak_bytes"]:
        text += f"; NumPy peak in a step {size(ours['traced_peak_bytes'])}"
    busy = max(s["others_busy"] for (_, _, loaded), s in summary.items() if not loaded)
    return f"{text}; others used ≤ {busy:.0%} of the CPUs when idle"


def size(n: int) -> str:
    """Bytes as KiB or MiB."""
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.1f} KiB"


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def selected(names: str, with_conv: bool) -> list[Workload]:
    chosen = []
    for name in names.split(","):
        if name not in WORKLOADS:
            raise SystemExit(f"unknown workload {name!r}; known: {', '.join(WORKLOADS)}")
        w = WORKLOADS[name]
        if w.needs_conv and not with_conv:
            print(f"skipping {name}: this tuinn has no conv2d layer", file=sys.stderr)
            continue
        chosen.append(w)
    return chosen


def has_conv() -> bool:
    from tuinn.nn.layers import LAYERS

    return "conv2d" in LAYERS


def machine() -> str:
    """CPU model, vCPU count and Python version, for the report's header."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [l.split(":", 1)[1].strip() for l in cpuinfo.read_text().splitlines() if l.startswith("model name")]
        cpu = names[0] if names else cpu
    return f"{cpu}, {os.cpu_count()} vCPUs, Python {platform.python_version()}"


def gemm_peak(args: argparse.Namespace, env: dict[str, str]) -> tuple[float, float, float]:
    """The float32 GEMM peak in GFLOP/s: median, min and max over `repeats` processes."""
    from worker import GEMM_SIZE

    s = summarize([measure("gemm", None, args, env) for _ in range(args.repeats)])
    flops = 2 * GEMM_SIZE**3 / 1e9
    return flops / s["median"], flops / s["max"], flops / s["min"]


def main(argv: list[str] | None = None) -> None:
    # a SIGTERM unwinds like an exception, so `competitor` kills its CPU-bound process
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args(argv)
    workloads = selected(args.workloads, has_conv())
    use_torch = not args.no_torch and importlib.util.find_spec("torch") is not None
    if not use_torch and not args.no_torch:
        print("PyTorch is not importable: timing tuinn only", file=sys.stderr)
    env = worker_env(args.unset_openblas_env)
    engines = ["tuinn", "torch"] if use_torch else ["tuinn"]
    shown = {n: env.get(n, "(unset)") for n in OPENBLAS_VARS}
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  {machine()}  load {os.getloadavg()[0]:.2f}")
    print("  ".join(f"{k}={v}" for k, v in shown.items()))
    peak = None
    if any(w.min_peak_share is not None for w in workloads):
        peak, low, high = gemm_peak(args, env)
        print(f"float32 {1024}² GEMM peak: {peak:.0f} GFLOP/s ({low:.0f}–{high:.0f})", flush=True)
    # (engine, threads (0: its default), busy): every configuration, interleaved per repeat
    configs = [(0, False)] + [(1, False)] * (not args.no_scaling) + [(0, True)] * (not args.no_busy)
    raw, rows, scaling, busy = {}, [], [], []
    for w in workloads:
        results: dict[tuple[str, int, bool], list[dict]] = {(e, *c): [] for c in configs for e in engines}
        for _ in range(args.repeats):
            for threads, loaded in configs:
                for engine in engines:  # A B A B: drift hits both sides
                    results[(engine, threads, loaded)].append(measure(engine, w, args, env, threads, loaded))
        summary = {key: summarize(r) for key, r in results.items()}
        ours, theirs = summary[("tuinn", 0, False)], summary.get(("torch", 0, False))
        rows.append((w.title, figure(w, ours), figure(w, theirs) if theirs else "—", *verdict(w, ours, theirs, peak)))
        print(f"{w.name}: {rows[-1][1]} vs {rows[-1][2]}; {details(summary)}", flush=True)
        if not args.no_scaling:
            scaling.append(scaling_row(w, summary, engines))
        if not args.no_busy:
            busy.append(busy_row(w, summary, engines))
        raw[w.name] = {"/".join(map(str, k)): {"results": results[k], "summary": s} for k, s in summary.items()}
    infos = {k[0]: s["info"] for w in raw.values() for k, s in ((k.split("/"), v["summary"]) for k, v in w.items())}
    print("  ".join(f"{k}={v}" for info in infos.values() for k, v in info.items()))
    print(f"load {os.getloadavg()[0]:.2f} at the end\n")
    print(table(("workload", "tuinn", "PyTorch", "ratio", "target", "met?"), rows))
    names = {"tuinn": "tuinn", "torch": "PyTorch"}
    if scaling:
        head = [f"{names[e]} {kind}" for e in engines for kind in ("1 thread", "default [threads]", "speed-up")]
        print("\n" + table(("workload", *head, "target", "met?"), scaling))
    if busy:
        head = [f"{names[e]} {kind}" for e in engines for kind in ("busy", "of idle")]
        print("\nOne core taken by a CPU-bound process, default flags:\n")
        print(table(("workload", *head, "target", "met?"), busy))
    if args.json:
        args.json.write_text(json.dumps({"openblas_env": shown, "gemm_peak_gflops": peak, "workloads": raw}, indent=1))


if __name__ == "__main__":
    main()
