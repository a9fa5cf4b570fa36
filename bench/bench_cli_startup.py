"""Start-up cost of the CLI: `jac-scale --help` and `jac-scale targets` beside `jac --help`.

.venv/bin/python bench/bench_cli_startup.py [runs]
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def wall_times(argv: list[str], runs: int) -> list[float]:
    times: list[float] = []
    subprocess.run(argv, capture_output=True, check=True, timeout=120)  # warm the OS caches
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, timeout=120)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    commands = {
        "jac-scale --help": [str(BIN / "jac-scale"), "--help"],
        "jac-scale targets": [str(BIN / "jac-scale"), "targets"],
        "jac --help": [str(BIN / "jac"), "--help"],
    }
    print(f"{'command':20} {'median s':>9} {'min s':>7} {'max s':>7}  ({runs} runs each)")
    medians: dict[str, float] = {}
    for name, argv in commands.items():
        times = wall_times(argv, runs)
        medians[name] = statistics.median(times)
        print(f"{name:20} {medians[name]:9.3f} {min(times):7.3f} {max(times):7.3f}")
    ratio = medians["jac-scale --help"] / medians["jac --help"]
    print(f"jac-scale --help / jac --help = {ratio:.2f}")


if __name__ == "__main__":
    main()
