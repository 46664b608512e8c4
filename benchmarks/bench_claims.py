"""Claims extraction on adversarial text: a sentence naming a site and an activity,
followed by 100,000 characters built to make backtracking patterns quadratic (one run of
capital letters, repeated "U.S.", repeated "Aa "), against ordinary prose of the same
length (the baseline, measured in the same run).

Run:  .venv/bin/python benchmarks/bench_claims.py [--chars 100000]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from sitewatch.claims import extract_claims
from sitewatch.sites import builtin_sites

HEAD = "Trucks were seen moving at Sohae on Tuesday, "
PROSE = (
    "Commercial satellite imagery of the launch station shows the rail-mounted transfer "
    "building being reassembled, analysts at a think tank said. "
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chars", type=int, default=100_000)
    n = parser.parse_args().chars
    cases = {
        "ordinary prose (baseline)": HEAD + (PROSE * (n // len(PROSE) + 1))[:n],
        "one run of capitals": HEAD + "A" * n,
        'repeated "U.S."': HEAD + "U.S." * (n // 4),
        'repeated "Aa "': HEAD + "Aa " * (n // 3),
    }
    sites = builtin_sites()
    times = {}
    for name, text in cases.items():
        t0 = time.perf_counter()
        extract_claims(text, sites, date(2019, 3, 8))
        times[name] = time.perf_counter() - t0
    base = next(iter(times.values()))
    print(f"{'text':<28} {'chars':>8} {'seconds':>8} {'ratio':>6}")
    for name, seconds in times.items():
        print(f"{name:<28} {len(cases[name]):>8} {seconds:8.3f} {seconds / base:6.2f}")


if __name__ == "__main__":
    main()
