"""Relevance of search over the demo library: MRR@10 and recall@10 for the judged queries.

.venv/bin/python benchmarks/relevance.py                      (SQLite + Whoosh, a temporary instance)
.venv/bin/python benchmarks/relevance.py --backend postgres   (PostgreSQL full text)

PostgreSQL runs use the database WISDOM_BENCH_POSTGRES_URL (default: bench_relevance on 127.0.0.1),
dropped and created afresh through WISDOM_BENCH_POSTGRES_ADMIN_URL (default: test_search).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# benchmarks/search.py is named like the 'search' package: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
_spec = importlib.util.spec_from_file_location("judged_queries", HERE / "judged_queries.py")
_judged = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_judged)
JUDGED = _judged.JUDGED


def evaluate(user, run) -> dict:
    """MRR@10 and recall@10 of ``run(user, query) -> [slugs]`` over the judged queries."""
    reciprocal, recall, misses = [], [], []
    for query, relevant in JUDGED:
        slugs = run(user, query)[:10]
        rank = next((n for n, slug in enumerate(slugs, 1) if slug in relevant), None)
        reciprocal.append(1 / rank if rank else 0.0)
        recall.append(len(set(slugs) & set(relevant)) / len(relevant))
        if rank != 1:
            misses.append((query, rank, slugs[:3]))
    return {
        "queries": len(JUDGED),
        "mrr_at_10": sum(reciprocal) / len(reciprocal),
        "recall_at_10": sum(recall) / len(recall),
        "not_first": misses,
    }


def search_slugs(user, query: str) -> list[str]:
    """The slugs the search service returns for a query, best first."""
    from search import service

    outcome = service.run(user, query, record=False)
    return [hit.slug for hit in outcome.results.hits] if outcome.results else []


def postgres_database() -> str:
    """A fresh PostgreSQL database for the run."""
    import sqlalchemy as sa

    url = os.environ.get(
        "WISDOM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_relevance"
    )
    admin = os.environ.get(
        "WISDOM_BENCH_POSTGRES_ADMIN_URL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test_search",
    )
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        name = url.rsplit("/", 1)[1]
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return url


def main() -> None:
    """Load the demo library into a fresh instance and report the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WISDOM_INSTANCE_PATH": tmp}  # the database decides the backend
        env.pop("WISDOM_DATABASE_URL", None)
        if args.backend == "postgres":
            env["WISDOM_DATABASE_URL"] = postgres_database()
        wisdom = str(Path(sys.executable).parent / "wisdom")
        for command in (["db", "upgrade"], ["demo", "load"], ["search", "sync"]):
            subprocess.run([wisdom, *command], env=env, check=True, capture_output=True)
        os.environ.update(env)
        from wisdom import create_app
        from wisdom.auth.services import find_by_email

        app = create_app()
        with app.test_request_context("/"):
            figures = evaluate(find_by_email("morgan@example.org"), search_slugs)
    print(
        f"{args.backend}: {figures['queries']} judged queries: MRR@10 {figures['mrr_at_10']:.3f}, recall@10 {figures['recall_at_10']:.3f}"
    )
    for query, rank, top in figures["not_first"]:
        print(f"  {query!r}: first relevant at {rank}; top 3 {top}")


if __name__ == "__main__":
    main()
