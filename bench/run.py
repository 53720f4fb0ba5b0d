"""Benchmark tuinn's training step against PyTorch CPU: python bench/run.py [options].

Each measurement is a separate process (bench/worker.py); tuinn and PyTorch processes
alternate (A B A B ...) so that drift in the machine's speed hits both. Figures are the
median over all timed runs of all processes, with the min-max range.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workloads here, and this checkout's tuinn

from workloads import WORKLOADS, Workload  # noqa: E402

#: set on some processors for old OpenBLAS builds; they slow a current one
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
STAT = Path("/proc/stat")
#: the share of the CPUs other processes may use while a measurement still counts as clean
QUIET = 0.1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"comma-separated, from {', '.join(WORKLOADS)}"
    )
    parser.add_argument("--repeats", type=int, default=3, help="processes per engine and workload")
    parser.add_argument("--runs", type=int, default=5, help="timed runs in each process")
    parser.add_argument("--run-seconds", type=float, default=0.25, help="length of one timed run")
    parser.add_argument("--no-torch", action="store_true", help="time tuinn only")
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


def measure(engine: str, w: Workload, args: argparse.Namespace, env: dict[str, str]) -> dict:
    """One measurement; with --wait-idle, after idle CPUs, redone while others disturbed it."""
    for _ in range(3 if args.wait_idle else 1):
        wait_idle(args.wait_idle)
        result = run_worker(engine, w, args, env)
        if result["others_busy"] <= QUIET:
            break
    return result


def run_worker(engine: str, w: Workload, args: argparse.Namespace, env: dict[str, str]) -> dict:
    """One measurement in a fresh process; its JSON line, with the CPU share others used."""
    cmd = [sys.executable, str(HERE / "worker.py"), engine, w.name]
    cmd += ["--runs", str(args.runs), "--run-seconds", str(args.run_seconds)]
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
    }


def figure(w: Workload, s: dict) -> str:
    """'18.2 µs (17.9–19.4)' for tiny nets, '131k samples/s (120k–138k)' for the rest."""
    if w.per_step:
        return f"{s['median'] * 1e6:.1f} µs ({s['min'] * 1e6:.1f}–{s['max'] * 1e6:.1f})"

    def rate(seconds: float) -> str:
        return f"{w.batch / seconds / 1e3:.1f}k"

    # the slowest step is the lowest rate
    return f"{rate(s['median'])} samples/s ({rate(s['max'])}–{rate(s['min'])})"


def verdict(w: Workload, ours: dict, theirs: dict | None) -> tuple[str, str, str]:
    """The speed ratio over PyTorch, the target, and whether it is met."""
    ratio = theirs["median"] / ours["median"] if theirs else None
    ratio_text = f"{ratio:.2f}×" if ratio else "—"
    if w.max_step_seconds is not None:
        return ratio_text, f"≤ {w.max_step_seconds * 1e6:g} µs", yes(ours["median"] <= w.max_step_seconds)
    if w.min_ratio is not None:
        return ratio_text, f"≥ {w.min_ratio:g}× PyTorch", yes(ratio >= w.min_ratio) if ratio else "—"
    return ratio_text, "figures", "—"


def details(summary: dict[str, dict]) -> str:
    """Memory of both sides and how much of the CPUs other processes took, for one workload."""
    ours, theirs = summary["tuinn"], summary.get("torch")
    text = f"max RSS tuinn {size(ours['maxrss_kib'] * 1024)}"
    if theirs:
        text += f", PyTorch {size(theirs['maxrss_kib'] * 1024)}"
    if ours["traced_peak_bytes"]:
        text += f"; NumPy peak in a step {size(ours['traced_peak_bytes'])}"
    busy = max(s["others_busy"] for s in summary.values())
    return f"{text}; others used ≤ {busy:.0%} of the CPUs"


def size(n: int) -> str:
    """Bytes as KiB or MiB."""
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.1f} KiB"


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def table(rows: list[tuple[str, ...]]) -> str:
    head = ("workload", "tuinn", "PyTorch", "ratio", "target", "met?")
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


def main(argv: list[str] | None = None) -> None:
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
    raw, rows = {}, []
    for w in workloads:
        results: dict[str, list[dict]] = {e: [] for e in engines}
        for _ in range(args.repeats):
            for engine in engines:  # A B A B: drift hits both sides
                results[engine].append(measure(engine, w, args, env))
        summary = {e: summarize(r) for e, r in results.items()}
        ours, theirs = summary["tuinn"], summary.get("torch")
        rows.append((w.title, figure(w, ours), figure(w, theirs) if theirs else "—", *verdict(w, ours, theirs)))
        print(f"{w.name}: {rows[-1][1]} vs {rows[-1][2]}; {details(summary)}", flush=True)
        raw[w.name] = {"results": results, "summary": summary}
    infos = {e: s["info"] for w in raw.values() for e, s in w["summary"].items()}
    print("  ".join(f"{k}={v}" for info in infos.values() for k, v in info.items()))
    print(f"load {os.getloadavg()[0]:.2f} at the end\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"openblas_env": shown, "workloads": raw}, indent=1))


if __name__ == "__main__":
    main()
