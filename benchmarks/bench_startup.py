"""CLI start-up: `sitewatch --version` and `sitewatch --help` against bare `import click`.

Run:  .venv/bin/python benchmarks/bench_startup.py [--repeat 30]

Each command runs as a fresh process, interleaved round by round so that the machine's
state affects all alike; the table gives the median and the ratio to the baseline
(`python -c "import click"`, the floor any click CLI pays).  Also `sitewatch sites
--help` (one command module loaded) and `python -c "import sitewatch"`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS: dict[str, list[str]] = {
    'python -c "import click" (baseline)': [sys.executable, "-c", "import click"],
    "sitewatch --version": [str(BIN / "sitewatch"), "--version"],
    "sitewatch --help": [str(BIN / "sitewatch"), "--help"],
    "sitewatch sites --help": [str(BIN / "sitewatch"), "sites", "--help"],
    'python -c "import sitewatch"': [sys.executable, "-c", "import sitewatch"],
}


def once(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for argv in COMMANDS.values():  # warm the file cache
        once(argv)
    for _ in range(args.repeat):
        for name, argv in COMMANDS.items():
            times[name].append(once(argv))
    base = statistics.median(next(iter(times.values())))
    print(f"| command | median ms | ratio to import click |  ({args.repeat} runs each)")
    print("|---|---|---|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1000:.0f} | {median / base:.2f} |")


if __name__ == "__main__":
    main()
