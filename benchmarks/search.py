"""Benchmark search: load a realistic corpus through the services, then measure rebuild time and
peak memory, save-to-searchable latency, and search latency (WISDOM and the raw engine).

    .venv/bin/python benchmarks/search.py --backend whoosh --docs 10000
    .venv/bin/python benchmarks/search.py --backend postgres --docs 100000

PostgreSQL runs use the database WISDOM_BENCH_POSTGRES_URL (default: bench_search on 127.0.0.1),
which is dropped and created afresh through a connection to WISDOM_BENCH_POSTGRES_ADMIN_URL
(default: the test_search database; never a database someone else's run uses).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This file is named like the 'search' package: take its folder off the path, load corpus by file.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
_spec = importlib.util.spec_from_file_location("corpus", HERE / "corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)
VOCABULARY, document = corpus.VOCABULARY, corpus.document

PG_ADMIN = os.environ.get(
    "WISDOM_BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_search"
)


def query_mix(rng: random.Random) -> list[tuple[str, dict]]:
    """A fixed mix of 100 queries: terms, pairs, phrases, facet filters, misspellings, prefixes."""
    mix: list[tuple[str, dict]] = []
    mix += [(rng.choice(VOCABULARY), {}) for _ in range(40)]
    mix += [(f"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}", {}) for _ in range(20)]
    mix += [
        (
            f'"{rng.choice(["sentence plan", "risk of serious harm", "no fixed abode", "domestic abuse", "universal credit", "crack cocaine", "job centre"])}"',
            {},
        )
        for _ in range(15)
    ]
    mix += [
        (rng.choice(VOCABULARY), {"kind": [rng.choice(["guidance", "finding", "beacon"])]})
        for _ in range(5)
    ]
    mix += [
        (rng.choice(VOCABULARY), {"pathways": [rng.choice(["accommodation", "drugs", "ete"])]})
        for _ in range(5)
    ]
    for _ in range(10):
        word = rng.choice([w for w in VOCABULARY if len(w) > 5])
        cut = rng.randrange(1, len(word) - 1)
        mix.append((word[:cut] + word[cut + 1 :], {}))
    mix += [(rng.choice([w for w in VOCABULARY if len(w) > 5])[:4] + "*", {}) for _ in range(5)]
    return mix


def broad_against_exact(engine, user, mix) -> str:
    """How PostgreSQL's searches that are not exact (estimated counts, tiered ranking) compare
    with exact ones:
    the share of the exact first page on the broad first page, the same top hit, and how far the
    estimated total is from the exact one."""
    from search import query as parsing
    from search import service as search_service

    overlap, same_top, error = [], 0, []
    for text, filters in mix:
        request = search_service.build_request(
            parsing.parse(text), user, filters=filters, page_size=10
        )
        if not request.clauses:
            continue
        fast = engine.search(request)
        if not fast.estimated and fast.total <= engine.rank_all:
            continue  # counted and ranked exactly already
        engine.broad_at = engine.rank_all = 10**9  # this instance only: every search exact
        try:
            slow = engine.search(request)
        finally:
            del engine.broad_at, engine.rank_all
        fast_ids, slow_ids = [h.id for h in fast.hits], [h.id for h in slow.hits]
        overlap.append(len(set(fast_ids) & set(slow_ids)) / max(1, len(slow_ids)))
        same_top += fast_ids[:1] == slow_ids[:1]
        error.append(abs(fast.total - slow.total) / max(1, slow.total))
    if not overlap:
        return "- broad searches: none in the mix"
    return (
        f"- searches ranked in tiers ({len(overlap)} of the {len(mix)} queries, as uncleared), against "
        f"the same searches counted and ranked exactly: first page shares "
        f"{statistics.mean(overlap):.0%} of the exact first page (lowest {min(overlap):.0%}), same "
        f"top hit in {same_top} of {len(overlap)}; estimated total off by {statistics.mean(error):.1%} "
        f"on average, {max(error):.1%} at most"
    )


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def load_report(load: list[float]) -> str:
    """The machine's 1-minute load average at the start, rebuild, searches and end of the run."""
    phases = ("start", "rebuild", "searches", "end")
    return (
        "load average (1 min) "
        + ", ".join(f"{phase} {value:.2f}" for phase, value in zip(phases, load, strict=True))
        + f" on {os.cpu_count()} cores"
    )


def setup_database(backend: str, tmp: Path, fresh: bool = True) -> str:
    """The run's database, created afresh unless an earlier run's is reused."""
    if backend == "whoosh":
        return f"sqlite:///{tmp / 'bench.db'}"
    import sqlalchemy as sa

    url = os.environ.get(
        "WISDOM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_search"
    )
    if not fresh:
        return url
    name = url.rsplit("/", 1)[1]
    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return url


def load_corpus(count: int):
    """Create the PDM, a practitioner and ``count`` items through the content services."""
    from content import services
    from search import outbox
    from wisdom.auth.services import create_user
    from wisdom.db import db

    pdm = create_user("pdm@example.org", "Bench PDM", "benchmark-pdm-password", ["pdm"])
    staff = create_user(
        "staff@example.org", "Bench Practitioner", "benchmark-staff-password", ["practitioner"]
    )
    db.session.commit()
    rng = random.Random(7)
    for n in range(count):
        doc = document(rng, n)
        services.create(
            services.ItemData(
                kind=doc["kind"],
                title=doc["title"],
                summary=doc["summary"],
                body=doc["body"],
                classification=doc["classification"],
                tags=doc["tags"],
                pathways=doc["pathways"],
                fields=doc["fields"],
                slug=doc["slug"],
            ),
            pdm,
        )
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()
    db.session.execute(outbox.OutboxEntry.__table__.delete())  # the rebuild below indexes them
    db.session.commit()
    return pdm, staff


def main() -> None:  # noqa: PLR0915 - one linear measurement script
    """Run the benchmark and print a Markdown report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep the instance in this folder")
    parser.add_argument(
        "--load-only", action="store_true", help="stop once the corpus is loaded (with --keep)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure an instance an earlier --keep run loaded, with the code as it is now",
    )
    args = parser.parse_args()
    if (args.load_only or args.reuse) and not args.keep:
        parser.error("--load-only and --reuse need --keep")
    load = [os.getloadavg()[0]]
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="wisdom-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    loaded = tmp / "loaded.txt"  # the load's figures, for a later --reuse run
    if args.reuse and not loaded.exists():
        parser.error(f"{tmp} holds no finished load: run with --keep {tmp} --load-only first")
    url = setup_database(args.backend, tmp, fresh=not args.reuse)
    env = {**os.environ, "WISDOM_INSTANCE_PATH": str(tmp / "instance"), "WISDOM_DATABASE_URL": url}
    os.environ.update(env)
    wisdom = str(Path(sys.executable).parent / "wisdom")
    subprocess.run([wisdom, "db", "upgrade"], env=env, check=True, capture_output=True)

    from content import services
    from search import outbox
    from search import service as search_service
    from search.engine import SearchRequest  # noqa: F401 - documents the contract timed below
    from wisdom import create_app
    from wisdom.auth.services import find_by_email
    from wisdom.db import db

    app = create_app({"WISDOM_SEARCH_BACKEND": args.backend, "WISDOM_LOG_LEVEL": "WARNING"})
    with app.test_request_context("/"):
        if args.reuse:
            pdm, staff = find_by_email("pdm@example.org"), find_by_email("staff@example.org")
            load_seconds, load_when = loaded.read_text().split(maxsplit=1)
            load_seconds = float(load_seconds)
        else:
            started = time.perf_counter()
            pdm, staff = load_corpus(args.docs)
            load_seconds = time.perf_counter() - started
            load_when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            loaded.write_text(f"{load_seconds:.0f} {load_when}")
    if args.load_only:
        print(f"- loaded {args.docs:,} items through the services in {load_seconds:.0f} s")
        return

    load.append(os.getloadavg()[0])
    rebuild_started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", wisdom, "search", "rebuild"],
        env={**env, "WISDOM_SEARCH_BACKEND": args.backend},
        capture_output=True,
        text=True,
        check=True,
    )
    rebuild_seconds = time.perf_counter() - rebuild_started
    peak_kb, user_s, system_s = done.stderr.strip().splitlines()[-1].split()
    peak_mb, rebuild_cpu = int(peak_kb) / 1024, float(user_s) + float(system_s)

    with app.test_request_context("/"):
        engine = app.extensions["wisdom_search"]
        pdm = db.session.merge(pdm)
        staff = db.session.merge(staff)
        # Save to searchable: commit a change, apply the outbox, find it.
        latencies, latencies_cpu = [], []
        from sqlalchemy import select

        from content.models import Item

        for n in range(30):
            item = db.session.scalar(select(Item).where(Item.slug == f"bench-{n * 7}"))
            token = f"zzfresh{n}token"
            data = services.ItemData.of(item, item.kind)
            data.title = f"{item.title} {token}"
            t0, c0 = time.perf_counter(), time.process_time()
            services.update(item, data, item.lock_version, pdm, change_note="benchmark")
            db.session.commit()
            outbox.apply_pending(engine)
            found = search_service.run(pdm, token, record=False)
            latencies.append((time.perf_counter() - t0) * 1000)
            latencies_cpu.append((time.process_time() - c0) * 1000)
            if hasattr(engine, "merge"):  # as the app does once the response has been sent
                engine.merge()
            assert found.results and found.results.total >= 1, token
        load.append(os.getloadavg()[0])
        mix = query_mix(random.Random(11))
        report = {}
        for label, user in (("uncleared", staff), ("cleared", pdm)):
            for text, filters in mix[:10]:  # warm up
                search_service.run(user, text, filters=filters, record=False)
            wisdom_ms, raw_ms, cpu_ms = [], [], []
            for text, filters in mix:
                t0, c0 = time.perf_counter(), time.process_time()
                outcome = search_service.run(user, text, filters=filters, record=False)
                wisdom_ms.append((time.perf_counter() - t0) * 1000)
                cpu_ms.append((time.process_time() - c0) * 1000)
                from search import query as parsing

                request = search_service.build_request(
                    parsing.parse(text), user, filters=filters, page_size=10
                )
                if request.clauses:
                    t0 = time.perf_counter()
                    engine.search(request)
                    raw_ms.append((time.perf_counter() - t0) * 1000)
                assert outcome.error is None, outcome.error
            report[label] = (wisdom_ms, raw_ms, cpu_ms)
        agreement = broad_against_exact(engine, staff, mix) if args.backend == "postgres" else ""

    load.append(os.getloadavg()[0])
    print(f"### {args.backend}, {args.docs:,} documents\n")
    print(f"- command: `{' '.join(['.venv/bin/python', 'benchmarks/search.py', *sys.argv[1:]])}`")
    print(f"- finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {load_report(load)}")
    print(
        f"- load through the services: {load_seconds:.0f} s ({args.docs / load_seconds:.0f} items/s)"
        + (f", an earlier run (--load-only, finished {load_when})" if args.reuse else "")
    )
    print(
        f"- rebuild: {rebuild_seconds:.1f} s, {rebuild_cpu:.0f} s CPU (user + system, helper "
        f"processes included), peak memory {peak_mb:.0f} MB"
    )
    print(
        f"- save-to-searchable (30 saves): p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms; "
        f"CPU of this process p50 {percentile(latencies_cpu, 50):.0f} ms, p95 {percentile(latencies_cpu, 95):.0f} ms"
    )
    for label, (wisdom_ms, raw_ms, cpu_ms) in report.items():
        print(
            f"- search as {label} (100 queries, facets and snippets): p50 {percentile(wisdom_ms, 50):.1f} ms, "
            f"p95 {percentile(wisdom_ms, 95):.1f} ms, p99 {percentile(wisdom_ms, 99):.1f} ms; raw engine p50 "
            f"{percentile(raw_ms, 50):.1f} ms, p95 {percentile(raw_ms, 95):.1f} ms, p99 {percentile(raw_ms, 99):.1f} ms; "
            f"mean {statistics.mean(wisdom_ms):.1f} ms; CPU of this process (the load-independent "
            f"part; PostgreSQL's own work not included) p50 {percentile(cpu_ms, 50):.1f} ms, "
            f"p95 {percentile(cpu_ms, 95):.1f} ms"
        )
    if agreement:
        print(agreement)


if __name__ == "__main__":
    main()
