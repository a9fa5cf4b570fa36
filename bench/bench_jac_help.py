"""`jac --help` with and without the jac-scale plugin, measured in the same run.

How "without" is made: jaclang's own switch `JAC_DISABLED_PLUGINS=<dist>:<entry point>`
(jaclang/jac0core/helpers.jac, load_plugins_with_disabling) skips the entry point before it
is loaded, so the plugin module is never imported, exactly as if it were not installed; the
same interpreter, venv, files and caches serve both sides. Both sides set the variable (the
"with" side to a name that matches nothing) so they take the same code path, runs alternate
(with, without, with, ...) after warm-up so drift hits both equally, and each run is checked:
the "with" output must list `jac destroy`, the "without" output must not.

Two comparisons:
  plugin   jac-scale:scale on/off, other installed plugins as they are
  package  every jac-scale entry point on/off (jac-scale:*), i.e. jac-scale installed or not
plus the in-process cost of importing jac_scale.plugin and running its create_cmd work.

Bytecode: by default the children may write and use __pycache__, as an installed package
does (pip compiles wheels); --no-bytecode-cache sets PYTHONDONTWRITEBYTECODE=1 on both sides,
which makes every run compile jac_scale.plugin from source.

Usage: .venv/bin/python bench/bench_jac_help.py [--runs 20] [--json]
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

JAC = str(Path(sys.executable).parent / "jac")
NOTHING = "jac-scale:__bench_disables_nothing__"
COMPARISONS = {
    "plugin": ("jac-scale:scale", "jac --help, jac-scale:scale entry point on vs off"),
    "package": ("jac-scale:*", "jac --help, all jac-scale entry points on vs off"),
}
RUN_TIMEOUT = 60.0
#: Environment of every child; set by main() from --no-bytecode-cache.
CHILD_ENV: dict[str, str] = dict(os.environ)


def one_run(disabled: str, cwd: str, expect_plugin: bool) -> tuple[float, float]:
    """Wall and CPU (user+sys) seconds of one `jac --help`, checked to run with(out) the plugin.

    CPU time is reported too because wall time on a shared, loaded machine mostly measures
    the other processes; the child's CPU time does not depend on how long it waited.
    """
    env = {**CHILD_ENV, "JAC_DISABLED_PLUGINS": disabled}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [JAC, "--help"],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"jac --help failed ({done.returncode}): {done.stderr[-500:]}")
    listed = "Stop and remove a jac-scale deployment" in done.stdout
    if listed is not expect_plugin:
        raise SystemExit(f"JAC_DISABLED_PLUGINS={disabled}: plugin listed={listed}, unexpected")
    return elapsed, cpu


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_ms": statistics.median(times) * 1000,
        "mean_ms": statistics.fmean(times) * 1000,
        "min_ms": min(times) * 1000,
        "stdev_ms": statistics.stdev(times) * 1000 if len(times) > 1 else 0.0,
    }


def compare(off: str, runs: int, warmup: int, cwd: str) -> dict[str, Any]:
    on_runs: list[tuple[float, float]] = []
    off_runs: list[tuple[float, float]] = []
    for _ in range(warmup):
        one_run(NOTHING, cwd, True)
        one_run(off, cwd, False)
    for _ in range(runs):
        on_runs.append(one_run(NOTHING, cwd, True))
        off_runs.append(one_run(off, cwd, False))
    result: dict[str, Any] = {"disabled_with": off}
    for index, kind in enumerate(("wall", "cpu")):
        with_plugin = summary([r[index] for r in on_runs])
        without = summary([r[index] for r in off_runs])
        delta = with_plugin["median_ms"] - without["median_ms"]
        result[kind] = {
            "with": with_plugin,
            "without": without,
            "delta_median_ms": delta,
            "delta_median_pct": 100 * delta / without["median_ms"],
            "delta_min_ms": with_plugin["min_ms"] - without["min_ms"],
        }
    return result


def in_process_cost(cwd: str) -> dict[str, float]:
    """Import jac_scale.plugin and register its commands, timed inside one fresh interpreter."""
    code = (
        "import time\n"
        "import jaclang.cli.cli, jaclang.cli.help  # both loaded by jac before create_cmd\n"
        "t0 = time.perf_counter()\n"
        "from jac_scale import plugin\n"
        "t1 = time.perf_counter()\n"
        "plugin.register_commands()\n"
        "t2 = time.perf_counter()\n"
        "print((t1 - t0) * 1000, (t2 - t1) * 1000)\n"
    )
    env = {**CHILD_ENV, "JAC_DISABLED_PLUGINS": "jac-scale:*"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=True,
    )
    import_ms, register_ms = (float(x) for x in done.stdout.split())
    return {"import_ms": import_ms, "create_cmd_ms": register_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs per side (1-500)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured runs per side (0-20)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="PYTHONDONTWRITEBYTECODE=1 on both sides"
    )
    options = parser.parse_args()
    if not 1 <= options.runs <= 500 or not 0 <= options.warmup <= 20:
        parser.error("--runs must be 1-500 and --warmup 0-20")
    CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    if options.no_bytecode_cache:
        CHILD_ENV["PYTHONDONTWRITEBYTECODE"] = "1"

    with tempfile.TemporaryDirectory() as cwd:  # no jac.toml around: no [plugins].disabled
        results: dict[str, Any] = {
            "python": sys.version.split()[0],
            "runs": options.runs,
            "cpus": os.cpu_count(),
            "bytecode_cache": not options.no_bytecode_cache,
        }
        for name, (off, _) in COMPARISONS.items():
            results[name] = compare(off, options.runs, options.warmup, cwd)
        costs = [in_process_cost(cwd) for _ in range(5)]
        results["in_process"] = {
            key: statistics.median(c[key] for c in costs) for key in ("import_ms", "create_cmd_ms")
        }

    if options.json:
        print(json.dumps(results, indent=2))
        return
    cache = "on" if results["bytecode_cache"] else "off (PYTHONDONTWRITEBYTECODE=1)"
    print(
        f"jac --help, {options.runs} alternating runs per side, Python {results['python']}, "
        f"{results['cpus']} CPUs, bytecode cache {cache}"
    )
    for name, (_, title) in COMPARISONS.items():
        print(f"\n{title}  (off = JAC_DISABLED_PLUGINS={results[name]['disabled_with']})")
        for kind in ("wall", "cpu"):
            r = results[name][kind]
            for side in ("with", "without"):
                s = r[side]
                print(
                    f"  {kind:4} {side:8} median {s['median_ms']:7.1f} ms   "
                    f"mean {s['mean_ms']:7.1f} ms   min {s['min_ms']:7.1f} ms   "
                    f"stdev {s['stdev_ms']:5.1f} ms"
                )
            print(
                f"  {kind:4} delta    median {r['delta_median_ms']:+.1f} ms "
                f"({r['delta_median_pct']:+.1f}%), min {r['delta_min_ms']:+.1f} ms"
            )
    cost = results["in_process"]
    print(
        f"\nin process: import jac_scale.plugin {cost['import_ms']:.2f} ms, "
        f"create_cmd (register commands) {cost['create_cmd_ms']:.2f} ms"
    )


if __name__ == "__main__":
    main()
