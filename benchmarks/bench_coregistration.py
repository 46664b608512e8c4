"""Co-registration accuracy and speed on OSCD B04 with known shifts, global and local.

Global mode: for every OSCD city and both dates, B04 is shifted by a random
(dy, dx) in [-3, 3] px with two generators: cubic-spline resampling
(scipy.ndimage.shift, order 3) and an exact Fourier shift.  The shift is estimated
on the central 256 px window and the error against the truth reported as RMSE.

Local mode: each B04 is warped (cubic spline) by a smooth random field: an offset
in [-1.5, 1.5] px plus a gradient of up to 1.5 px across the scene and a sine
ripple of 0.4 px, so shifts vary by up to about 3 px.  The local mode (64 px
windows every 64 px) recovers the field; reported: RMSE and max error of the
field inside the outer half-window, time per grid point, and the kept tie points
whose own shift is off by more than 0.5 px (outliers let through, e.g. over water).

Run:  .venv/bin/python benchmarks/bench_coregistration.py [--data ../shared/data] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import rasterio
from scipy import ndimage

from sitewatch.change.align import estimate_shift, estimate_shift_field
from sitewatch.datasets.paths import data_dir


def spline_shift(a: npt.NDArray[np.float64], s: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(ndimage.shift(a, s, order=3, mode="reflect"), dtype="float64")


def fourier_shift(
    a: npt.NDArray[np.float64], s: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    return np.asarray(np.fft.ifft2(ndimage.fourier_shift(np.fft.fft2(a), s)).real, dtype="float64")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cogs = data_dir(args.data) / "oscd" / "cogs"
    rng = np.random.default_rng(args.seed)
    bands: list[tuple[str, npt.NDArray[np.float64]]] = []
    for city in sorted(p.name for p in cogs.iterdir()):
        for date in sorted(p.name for p in (cogs / city).iterdir()):
            with rasterio.open(Path(cogs, city, date, "B04.tif")) as src:
                bands.append((f"{city}/{date}", np.asarray(src.read(1), dtype="float64")))
    generators = {"cubic spline": spline_shift, "Fourier": fourier_shift}
    errors: dict[str, list[float]] = {g: [] for g in generators}
    times: list[float] = []
    for _, band in bands:
        truth = rng.uniform(-3, 3, 2)
        for name, gen in generators.items():
            moved = gen(band, truth)
            t0 = time.perf_counter()
            shift = estimate_shift(band, moved)
            times.append(time.perf_counter() - t0)
            errors[name].append(float(np.hypot(shift.dy + truth[0], shift.dx + truth[1])))
    print(
        f"{len(bands)} images (16 OSCD cities x 2 dates), shifts uniform in [-3, 3] px, "
        f"seed {args.seed}, central 256 px window"
    )
    print(f"{'generator':<14}{'RMSE px':>10}{'max px':>10}")
    for name, errs in errors.items():
        e = np.asarray(errs)
        print(f"{name:<14}{np.sqrt(np.mean(e**2)):>10.4f}{e.max():>10.4f}")
    print(
        f"time per pair: mean {np.mean(times) * 1000:.1f} ms, "
        f"median {np.median(times) * 1000:.1f} ms"
    )
    local_mode(bands, rng)


def local_mode(bands: list[tuple[str, npt.NDArray[np.float64]]], rng: np.random.Generator) -> None:
    sq: list[float] = []
    worst = 0.0
    per_point: list[float] = []
    kept = total = outliers = low_texture = 0
    for _, band in bands:
        rows, cols = band.shape
        yy, xx = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        off, grad = rng.uniform(-1.5, 1.5, 2), rng.uniform(-1.5, 1.5, 4)
        phase = rng.uniform(0, 2 * np.pi)
        dy = (
            off[0] + grad[0] * yy / rows + grad[1] * xx / cols + 0.4 * np.sin(3 * xx / cols + phase)
        )
        dx = off[1] + grad[2] * yy / rows + grad[3] * xx / cols
        moved = ndimage.map_coordinates(band, [yy + dy, xx + dx], order=3, mode="nearest")
        t0 = time.perf_counter()
        field = estimate_shift_field(band, moved)
        per_point.append((time.perf_counter() - t0) / len(field.points))
        fy, fx = field.full()
        inner = (slice(32, rows - 32), slice(32, cols - 32))
        err = np.hypot(fy - dy, fx - dx)[inner]
        sq.append(float(np.mean(err**2)))
        worst = max(worst, float(err.max()))
        total += len(field.points)
        for p in field.points:
            low_texture += p.reason == "low texture"
            if p.accepted:
                kept += 1
                r, c = int(p.row), int(p.col)
                outliers += float(np.hypot(p.dy - dy[r, c], p.dx - dx[r, c])) > 0.5
    print(
        f"local mode: {len(bands)} images, {total} grid points ({kept} kept, "
        f"{low_texture} rejected as low texture)"
    )
    print(f"  field RMSE {np.sqrt(np.mean(sq)):.4f} px, max error {worst:.3f} px")
    print(f"  kept points off by > 0.5 px: {outliers}")
    print(
        f"  time per grid point: mean {np.mean(per_point) * 1000:.2f} ms "
        "(whole estimate incl. fitting, one process)"
    )


if __name__ == "__main__":
    main()
