"""``wisdom search``: query, rebuild, sync and check."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from search import outbox
from search.engine import SearchUnavailable


def _backend():
    return current_app.extensions["wisdom_search"]


@click.group(help="Search: query as a user, rebuild, sync and check the index.")
def search():
    """The ``search`` command group."""


@search.command("query")
@click.argument("text")
@click.option("--as", "email", required=True, help="Search as this user.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@with_appcontext
def query_command(text, email, as_json, limit):
    """Run exactly what the search page runs, as EMAIL. TEXT '-' reads one query a line from stdin."""
    from search import service
    from wisdom.auth.services import find_by_email

    user = find_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"No active account has the email address {email}")
    queries = [line.rstrip("\n") for line in sys.stdin] if text == "-" else [text]
    for q in queries:
        outcome = service.run(user, q, record=False, page_size=limit)
        if outcome.error:
            raise click.ClickException(outcome.error)
        payload = _payload(q, outcome)
        if as_json or text == "-":
            click.echo(json.dumps(payload, default=str))
        else:
            about = "About " if payload["estimated"] else ""
            click.echo(f"{about}{payload['total']:,} results for {q!r}")
            for hit in payload["hits"]:
                click.echo(
                    f"  {hit['score']:7.2f}  {hit['kind']:<10} {hit['title']}  ({hit['slug']})"
                )
            if outcome.suggestion:
                click.echo(f"Did you mean: {outcome.suggestion}")


def _payload(q, outcome) -> dict:
    results = outcome.results
    hits = results.hits if results else []
    return {
        "query": q,
        "total": results.total if results else 0,
        "estimated": bool(results and results.estimated),
        "facets": results.facets if results else {},
        "suggestion": outcome.suggestion,
        "hits": [
            {
                "id": h.id,
                "slug": h.slug,
                "kind": h.kind,
                "title": h.title,
                "score": round(h.score, 4),
                "snippet": h.snippet,
            }
            for h in hits
        ],
    }


@search.command("rebuild")
@with_appcontext
def rebuild_command():
    """Rebuild the index from the database aside, then swap it in (search keeps working)."""
    from search.indexing import all_documents, count_documents

    total = count_documents()
    with click.progressbar(length=total, label="Indexing") as bar:
        count = _backend().rebuild(all_documents(), progress=bar.update)
    applied = outbox.apply_pending(_backend())
    click.echo(
        f"Rebuilt the search index: {count} documents ({applied} queued changes applied after)"
    )


@search.command("sync")
@with_appcontext
def sync_command():
    """Apply every queued change to the index (rebuilding it if it is missing or unreadable)."""
    backend = _backend()
    if not backend.healthy():
        click.echo(
            "The search index is missing, unreadable or from an earlier version: rebuilding it from the database"
        )
        from search.indexing import all_documents

        backend.rebuild(all_documents())
    try:
        applied = outbox.apply_pending(backend)
    except SearchUnavailable as error:
        raise click.ClickException(str(error)) from None
    if hasattr(backend, "merge"):
        backend.merge()
    click.echo(f"Applied {applied} queued changes; {outbox.pending()} waiting")


@search.command("check")
@with_appcontext
def check_command():
    """List documents missing from, stale in, or extra to the index; exit 1 if any."""
    from search.indexing import check

    try:
        report = check(_backend())
    except SearchUnavailable as error:
        raise click.ClickException(str(error)) from None
    for label in ("missing", "stale", "extra"):
        for doc_id in report[label]:
            click.echo(f"{label}: {doc_id}")
    problems = sum(len(v) for v in report.values())
    if problems:
        raise click.ClickException(f"The index differs from the database in {problems} documents")
    click.echo("The index matches the database")
