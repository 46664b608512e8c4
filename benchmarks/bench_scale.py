"""Scale-out: the sample sites' run locally and on Dask LocalClusters of 1 and 2 workers,
side by side in one run, with the Dask overhead per task and the per-task costs and
store sizes that docs/scaling.md sizes a deployment from.

Each case starts from a copy of one store where the demo sites' subscriptions are
already ingested, so every case computes the same 26 chips and 20 pairs (with
detection and change models).  The baseline is the local run, measured in the same
run.  Overhead per task: 400 empty tasks through each executor.  Sizes: rows and bytes
per table after the run, on SQLite and (copied with `store copy`) on PostgreSQL +
PostGIS, started from Debian's packages as the tests do.

Run:  .venv/bin/python benchmarks/bench_scale.py [--data ../shared/data] [--no-postgres]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sitewatch.datasets.paths import data_dir
from sitewatch.demo import watch_demo_sites
from sitewatch.pipeline.executor import open_executor
from sitewatch.pipeline.monitor import ingest_subscription, run_sites
from sitewatch.store import Store, copy_store

EMPTY_TASKS = 400
TABLES = ("observations", "chips", "pairs", "scenes", "change_objects", "detections")


def empty(i: int) -> int:
    return i


def prepared_store(folder: Path, root: Path) -> Path:
    """A store with the demo sites and their sample imagery ingested (not yet run)."""
    db = folder / "base.db"
    with Store(f"sqlite:///{db}") as store:
        for site in watch_demo_sites(store, root):
            for sub in store.list_subscriptions(site.id):
                ingest_subscription(store, sub, site)
    return db


def case(name: str, base: Path, folder: Path, workers: int | None) -> dict[str, Any]:
    db = folder / f"{name}.db"
    shutil.copy(base, db)
    t0 = time.perf_counter()
    executor = open_executor("dask" if workers else "local", workers=workers)
    started = time.perf_counter() - t0
    with executor, Store(f"sqlite:///{db}") as store:
        t1 = time.perf_counter()
        report = run_sites(store, store.list_sites(), ingest_subscriptions=False,
                           deliver=False, executor=executor)  # fmt: skip
        seconds = time.perf_counter() - t1
        t2 = time.perf_counter()
        done = list(executor.map(empty, [(i,) for i in range(EMPTY_TASKS)]))
        per_task = (time.perf_counter() - t2) / EMPTY_TASKS
        assert len(done) == EMPTY_TASKS
    summary = report.to_dict()
    return {
        "name": name,
        "workers": workers or 0,
        "start": started,
        "seconds": seconds,
        "tasks": summary["chips_computed"] + summary["pairs_computed"],
        "chips": summary["chips_computed"],
        "pairs": summary["pairs_computed"],
        "per_task": per_task,
        "db": db,
        "report": report,
    }


def sizes(store: Store) -> dict[str, tuple[int, int, float]]:
    """(rows, bytes with indexes, mean bytes of a row's values) per table; the last on
    PostgreSQL only (``pg_column_size``), where small tables' totals are mostly empty
    page space."""
    out = {}
    with store.engine.connect() as conn:
        for table in TABLES:
            rows = int(conn.exec_driver_sql(f"select count(*) from {table}").scalar() or 0)
            if store.engine.dialect.name == "postgresql":
                size = conn.exec_driver_sql(f"select pg_total_relation_size('{table}')").scalar()
            else:
                size = conn.exec_driver_sql(
                    "select sum(pgsize) from dbstat where name = ? or name in "
                    "(select name from sqlite_master where tbl_name = ? and type = 'index')",
                    (table, table),
                ).scalar()
            mean = 0.0
            if store.engine.dialect.name == "postgresql" and rows:
                mean = float(
                    conn.exec_driver_sql(f"select avg(pg_column_size(t.*)) from {table} t").scalar()
                    or 0
                )
            out[table] = (rows, int(size or 0), mean)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    root = data_dir(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = prepared_store(folder, root)
        results = [case("local", base, folder, None)]
        results += [case(f"dask-{n}", base, folder, n) for n in (1, 2)]
        local = results[0]
        print("| executor | workers | cluster start s | run s | tasks | vs local | "
              "speed-up vs 1 worker | efficiency | empty task ms |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|")
        one = results[1]["seconds"]
        for r in results:
            n = r["workers"]
            speedup = f"{one / r['seconds']:.2f}" if n else ""
            efficiency = f"{one / (n * r['seconds']):.0%}" if n else ""
            print(f"| {r['name']} | {n or ''} | {r['start']:.2f} | {r['seconds']:.2f} | "
                  f"{r['tasks']} | {r['seconds'] / local['seconds']:.3f} | {speedup} | "
                  f"{efficiency} | {r['per_task'] * 1000:.2f} |")  # fmt: skip
        overhead = (results[1]["seconds"] - local["seconds"]) / local["tasks"]
        print(f"\nDask overhead per task (1 worker run - local run, over {local['tasks']} "
              f"tasks): {overhead * 1000:.0f} ms")  # fmt: skip
        report = local["report"]
        print("\nper-site task cost, local run (s per chip and pair task, stage sums):")
        for r in report.sites:
            tasks = len(r.new_chips) + len(r.new_pairs)
            total = sum(r.timings.values())
            print(f"  {r.site.id}: {len(r.new_chips)} chips, {len(r.new_pairs)} pairs, "
                  f"{total:.2f} s, {total / max(tasks, 1):.3f} s/task, "
                  f"{ {k: round(v, 2) for k, v in sorted(r.timings.items())} }")  # fmt: skip
        with Store(f"sqlite:///{local['db']}") as store:
            files = list((local["db"].with_name("local-workspace")).rglob("*.tif"))
            print(f"\nworkspace: {len(files)} files, "
                  f"{sum(f.stat().st_size for f in files) / 1e6:.1f} MB")  # fmt: skip
            backends = {"sqlite": sizes(store)}
            if not args.no_postgres:
                sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
                from tests.pgserver import postgres_server

                with postgres_server() as pg:
                    url = pg.new_database()
                    copy_store(store, url, dest_workspace=folder / "pg-workspace")
                    with Store(url) as dest:
                        backends["postgresql"] = sizes(dest)
        print("\n| backend | table | rows | bytes with indexes | mean row bytes |")
        print("|---|---|---|---|---|")
        for backend, tables in backends.items():
            for table, (rows, size, mean) in tables.items():
                print(f"| {backend} | {table} | {rows} | {size} | {mean:.0f} |")


if __name__ == "__main__":
    main()
