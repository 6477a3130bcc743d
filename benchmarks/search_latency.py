"""Measure save-to-searchable and search latency again on an instance benchmarks/search.py left
behind (no load, no rebuild): wall time and this process's CPU time, which a busy machine inflates
far less.

    .venv/bin/python benchmarks/search_latency.py /tmp/wisdom-bench-XXXX
    .venv/bin/python benchmarks/search_latency.py /tmp/bench/keep --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
_spec = importlib.util.spec_from_file_location("search_benchmark", HERE / "search.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def saves(app) -> tuple[list[float], list[float]]:
    """Save 30 items, apply the outbox and find each change: wall and CPU milliseconds."""
    from sqlalchemy import select

    from content import services
    from content.models import Item
    from search import outbox, service
    from wisdom.auth.services import find_by_email
    from wisdom.db import db

    pdm, wall, cpu = find_by_email("pdm@example.org"), [], []
    for n in range(30):
        item = db.session.scalar(select(Item).where(Item.slug == f"bench-{n * 11 + 1}"))
        token = f"zzagain{time.time_ns()}"
        data = services.ItemData.of(item, item.kind)
        data.title = f"{item.title.split(' zz')[0]} {token}"
        t0, c0 = time.perf_counter(), time.process_time()
        services.update(item, data, item.lock_version, pdm, change_note="benchmark")
        db.session.commit()
        outbox.apply_pending(app.extensions["wisdom_search"])
        found = service.run(pdm, token, record=False)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        if hasattr(
            app.extensions["wisdom_search"], "merge"
        ):  # as the app does once the response has been sent
            app.extensions["wisdom_search"].merge()
        assert found.results and found.results.total == 1, token
    return wall, cpu


def main() -> None:
    """Run the query mix of benchmarks/search.py as an uncleared and a cleared user."""
    parser = argparse.ArgumentParser()
    parser.add_argument("instance", type=Path, help="the folder benchmarks/search.py used")
    parser.add_argument("--database-url", help="PostgreSQL runs: the benchmark's database")
    args = parser.parse_args()
    os.environ["WISDOM_INSTANCE_PATH"] = str(args.instance / "instance")
    os.environ["WISDOM_DATABASE_URL"] = (
        args.database_url or f"sqlite:///{args.instance / 'bench.db'}"
    )
    from search import service
    from wisdom import create_app
    from wisdom.auth.services import find_by_email

    app = create_app({"WISDOM_LOG_LEVEL": "WARNING"})
    mix = bench.query_mix(random.Random(11))
    print(
        f"- command: `{' '.join(['.venv/bin/python', 'benchmarks/search_latency.py', *sys.argv[1:]])}`"
    )
    print(f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {os.getloadavg()[0]:.2f}")
    with app.test_request_context("/"):
        name = app.extensions["wisdom_search"].name
        wall, cpu = saves(app)
        print(
            f"- {name}, save-to-searchable (30 saves): wall p50 {bench.percentile(wall, 50):.0f} ms, "
            f"p95 {bench.percentile(wall, 95):.0f}; CPU of this process p50 "
            f"{bench.percentile(cpu, 50):.0f} ms, p95 {bench.percentile(cpu, 95):.0f}"
        )
        for label, email in (("uncleared", "staff@example.org"), ("cleared", "pdm@example.org")):
            user = find_by_email(email)
            for text, filters in mix[:10]:  # warm up
                service.run(user, text, filters=filters, record=False)
            wall, cpu = [], []
            for text, filters in mix:
                t0, c0 = time.perf_counter(), time.process_time()
                outcome = service.run(user, text, filters=filters, record=False)
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                assert outcome.error is None, outcome.error
            print(
                f"- {name}, search as {label}: wall p50 {bench.percentile(wall, 50):.1f} ms, "
                f"p95 {bench.percentile(wall, 95):.1f}, p99 {bench.percentile(wall, 99):.1f}; "
                f"CPU of this process p50 {bench.percentile(cpu, 50):.1f} ms, "
                f"p95 {bench.percentile(cpu, 95):.1f}, p99 {bench.percentile(cpu, 99):.1f}"
            )
    print(f"- load at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
