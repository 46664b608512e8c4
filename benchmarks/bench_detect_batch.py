"""`sitewatch detect` on many images: one call per image against one call for all of
them (`--out-dir`), the same Pleiades extracts declared as 0.3 m (0.59 km^2 each), both
classes, 2 threads.  The baseline is the per-image calls, measured in the same run; the
difference is what a batch saves: the interpreter, the imports and the model load,
paid once instead of per image.

Run:  .venv/bin/python benchmarks/bench_detect_batch.py [--data ../shared/data] [--images 6]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sitewatch.datasets.paths import data_dir

KM2_PER_IMAGE = 2560 * 2560 * 0.3**2 / 1e6


def sitewatch(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sitewatch", *args], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--images", type=int, default=6)
    args = parser.parse_args()
    paths = sorted((data_dir(args.data) / "airbus-aircraft" / "images").glob("*.jpg"))
    paths = paths[: args.images]
    km2 = KM2_PER_IMAGE * len(paths)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        for p in paths:
            sitewatch("detect", str(p), "--gsd", "0.3", "--out", f"{tmp}/{p.stem}.geojson")
        single = time.perf_counter() - t0
        t0 = time.perf_counter()
        sitewatch("detect", *map(str, paths), "--gsd", "0.3", "--out-dir", f"{tmp}/batch")
        batch = time.perf_counter() - t0
        assert len(list(Path(tmp, "batch").glob("*.geojson"))) == len(paths)
    print(f"{len(paths)} images, {km2:.2f} km2")
    print("| calls | seconds | km2/s | ratio |")
    print("|---|---|---|---|")
    print(f"| one per image (baseline) | {single:.2f} | {km2 / single:.2f} | 1.00 |")
    print(f"| one for all (--out-dir) | {batch:.2f} | {km2 / batch:.2f} | {batch / single:.2f} |")


if __name__ == "__main__":
    main()
