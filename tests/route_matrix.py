"""Who gets what from every route: the route x role matrix, its sample arguments and its data.

Every rule in the app's URL map (except ``static``) has one row. A row gives the status each kind
of visitor gets: for a GET of the rule, or, when the rule takes only POST, for a POST carrying a
valid CSRF token and no other form data. A new route without a row fails the suite, so whoever
adds a route decides here, in one readable place, who may reach it.

Rules with URL parameters are requested with the arguments in ``SAMPLE_ARGS``; ``SAMPLE.<name>``
stands for a record that ``seed`` creates (ids differ between databases, names do not).
``snapshot`` dumps every table, so a test can show that a request changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from modules_support import content as module_content
from sqlalchemy import select
from support import PEOPLE, ROLES, add_people

from content import attachments, services
from content.services import ItemData
from modules import services as module_services
from search.indexing import all_documents
from search.models import SearchLog, Synonym
from search.outbox import apply_pending
from wisdom.auth import services as accounts
from wisdom.auth.models import User
from wisdom.db import db

ANON = "anon"
VISITORS = (ANON, *ROLES)

# fmt: off
TABLE = {
    # endpoint                    anon  service_user  practitioner  pdm  panel_member  quality_lead  admin
    "auth.sign_in":              (200,  302,          302,          302, 302,          302,          302),
    "auth.sign_out":             (302,  302,          302,          302, 302,          302,          302),
    "auth.change_password":      (302,  200,          200,          200, 200,          200,          200),
    "home.index":                (302,  200,          200,          200, 200,          200,          200),
    "admin.users":               (302,  403,          403,          403, 403,          403,          200),
    "admin.new_user":            (302,  403,          403,          403, 403,          403,          200),
    "admin.edit_user":           (302,  403,          403,          403, 403,          403,          200),
    "admin.reset_password":      (302,  403,          403,          403, 403,          403,          400),
    "admin.toggle_active":       (302,  403,          403,          403, 403,          403,          302),
    "audit.log":                 (302,  403,          403,          403, 403,          403,          200),
    "library.browse":            (302,  200,          200,          200, 200,          200,          200),
    "library.item":              (302,  200,          200,          200, 200,          200,          200),
    "library.reason":            (302,  200,          200,          200, 200,          200,          200),
    "library.history":           (302,  200,          200,          200, 200,          200,          200),
    "library.version":           (302,  200,          200,          200, 200,          200,          200),
    "library.diff":              (302,  200,          200,          200, 200,          200,          200),
    "library.print_view":        (302,  200,          200,          200, 200,          200,          200),
    "library.export":            (302,  200,          200,          200, 200,          200,          200),
    "library.download":          (302,  200,          200,          200, 200,          200,          200),
    "library.new":               (302,  403,          403,          200, 403,          403,          403),
    "library.edit":              (302,  403,          403,          200, 403,          404,          403),
    "library.upload":            (302,  403,          403,          200, 403,          404,          403),
    "library.restore":           (302,  403,          403,          302, 403,          404,          403),
    "library.archive":           (302,  403,          403,          302, 403,          404,          403),
    "library.archived":          (302,  403,          403,          200, 403,          200,          403),
    "library.actions":           (302,  403,          200,          200, 200,          200,          200),
    "library.new_action":        (302,  403,          403,          200, 200,          200,          403),
    "library.progress_action":   (302,  403,          403,          200, 200,          200,          403),
    "library.due_for_review":    (302,  403,          200,          200, 200,          200,          200),
    "library.pathways":          (302,  403,          403,          200, 403,          403,          403),
    "library.transfer":          (302,  403,          403,          200, 403,          403,          200),
    "library.export_zip":        (302,  403,          403,          200, 403,          403,          200),
    "library.import_zip":        (302,  403,          403,          400, 403,          403,          400),
    "search.page":               (302,  200,          200,          200, 200,          200,          200),
    "search.suggest":            (302,  200,          200,          200, 200,          200,          200),
    "search.go":                 (302,  302,          302,          302, 302,          302,          302),
    "search.synonyms":           (302,  403,          403,          200, 403,          403,          403),
    "search.delete_synonym":     (302,  403,          403,          302, 403,          403,          403),
    "search.analytics":          (302,  403,          403,          200, 403,          403,          403),
    "notifications.index":       (302,  200,          200,          200, 200,          200,          200),
    "notifications.mark_read":   (302,  302,          302,          302, 302,          302,          302),
    "proposals.index":           (302,  200,          200,          200, 200,          200,          200),
    "proposals.new":             (302,  200,          200,          200, 200,          200,          200),
    "proposals.step":            (302,  302,          404,          302, 302,          404,          404),
    "proposals.check":           (302,  302,          404,          302, 302,          404,          404),
    "proposals.sent":            (302,  200,          404,          404, 404,          404,          404),
    "proposals.show":            (302,  200,          200,          200, 200,          200,          200),
    "proposals.withdraw":        (302,  200,          404,          404, 404,          404,          404),
    "proposals.credit":          (302,  200,          404,          302, 302,          404,          404),
    "proposals.comment":         (302,  302,          404,          302, 404,          404,          404),
    "proposals.note":            (302,  403,          403,          302, 302,          403,          403),
    "proposals.similar_titles":  (302,  200,          200,          200, 200,          200,          200),
    "proposals.evaluate":        (302,  403,          403,          302, 403,          403,          403),
    "proposals.vote":            (302,  403,          403,          403, 302,          403,          403),
    "proposals.decide":          (302,  403,          403,          403, 200,          403,          403),
    "proposals.reconsider":      (302,  403,          403,          302, 403,          403,          403),
    "proposals.publish":         (302,  403,          403,          302, 403,          403,          403),
    "proposals.queue":           (302,  403,          403,          200, 403,          403,          403),
    "proposals.panel":           (302,  403,          403,          403, 200,          403,          403),
    "proposals.meeting":         (302,  403,          403,          200, 200,          403,          403),
    "proposals.you_said":        (302,  200,          200,          200, 200,          200,          200),
    "directory.browse":          (302,  200,          200,          200, 200,          200,          200),
    "directory.export":          (302,  200,          200,          200, 200,          200,          200),
    "directory.module":          (302,  200,          200,          200, 200,          200,          200),
    "directory.print_view":      (302,  200,          200,          200, 200,          200,          200),
    "directory.data":            (302,  200,          200,          200, 200,          200,          200),
    "directory.module_history":  (302,  403,          200,          200, 200,          200,          200),
    "directory.version":         (302,  403,          200,          200, 200,          200,          200),
    "directory.diff":            (302,  403,          200,          200, 200,          200,          200),
    "directory.correct":         (302,  403,          403,          200, 403,          403,          403),
    "directory.attach":          (302,  403,          403,          200, 403,          403,          403),
    "directory.download":        (302,  200,          200,          200, 200,          200,          200),
}
# fmt: on

# endpoint -> {visitor: expected status}
MATRIX: dict[str, dict[str, int]] = {
    endpoint: dict(zip(VISITORS, statuses, strict=True)) for endpoint, statuses in TABLE.items()
}


@dataclass(frozen=True)
class Sample:
    """A stand-in for a record that ``seed`` creates, resolved when the URL is built."""

    name: str


class _Samples:
    """``SAMPLE.user_id`` is ``Sample("user_id")``."""

    def __getattr__(self, name: str) -> Sample:
        return Sample(name)


SAMPLE = _Samples()

# URL (and query-string) arguments for rules that need them.
SAMPLE_ARGS: dict[str, dict] = {
    "admin.edit_user": {"user_id": SAMPLE.user_id},
    "admin.reset_password": {"user_id": SAMPLE.user_id},
    "admin.toggle_active": {"user_id": SAMPLE.user_id},
    "library.item": {"slug": SAMPLE.guidance},
    "library.reason": {"slug": SAMPLE.guidance},
    "library.history": {"slug": SAMPLE.guidance},
    "library.version": {"slug": SAMPLE.guidance, "number": 1},
    "library.diff": {"slug": SAMPLE.guidance},
    "library.print_view": {"slug": SAMPLE.guidance},
    "library.export": {"slug": SAMPLE.guidance},
    "library.download": {"slug": SAMPLE.guidance, "attachment_id": SAMPLE.attachment_id},
    "library.new": {"kind": "guidance"},
    "library.edit": {"slug": SAMPLE.guidance},
    "library.upload": {"slug": SAMPLE.guidance},
    "library.restore": {"slug": SAMPLE.guidance, "number": 1},
    "library.archive": {"slug": SAMPLE.guidance},
    "library.new_action": {"slug": SAMPLE.finding},
    "library.progress_action": {"slug": SAMPLE.finding, "action_id": SAMPLE.action_id},
    "search.page": {"q": "housing"},
    "search.suggest": {"q": "hous"},
    "search.go": {"log_id": SAMPLE.search_log_id, "to": "/library"},
    "search.delete_synonym": {"synonym_id": SAMPLE.synonym_id},
    "proposals.step": {"proposal_id": SAMPLE.proposal_id, "name": "title"},
    "proposals.check": {"proposal_id": SAMPLE.proposal_id},
    "proposals.sent": {"proposal_id": SAMPLE.proposal_id},
    "proposals.show": {"proposal_id": SAMPLE.proposal_id},
    "proposals.withdraw": {"proposal_id": SAMPLE.proposal_id},
    "proposals.credit": {"proposal_id": SAMPLE.proposal_id},
    "proposals.comment": {"proposal_id": SAMPLE.proposal_id},
    "proposals.note": {"proposal_id": SAMPLE.proposal_id},
    "proposals.evaluate": {"proposal_id": SAMPLE.proposal_id},
    "proposals.vote": {"proposal_id": SAMPLE.proposal_id},
    "proposals.decide": {"proposal_id": SAMPLE.proposal_id},
    "proposals.reconsider": {"proposal_id": SAMPLE.proposal_id},
    "proposals.publish": {"proposal_id": SAMPLE.proposal_id},
    "proposals.similar_titles": {"q": "housing"},
    "directory.browse": {"pathway": "emotional-wellbeing", "format": "group"},
    "directory.export": {"download": "json"},
    "directory.module": {"slug": SAMPLE.module},
    "directory.print_view": {"slug": SAMPLE.module},
    "directory.data": {"slug": SAMPLE.module},
    "directory.module_history": {"slug": SAMPLE.module},
    "directory.version": {"slug": SAMPLE.module, "number": 1},
    "directory.diff": {"slug": SAMPLE.module},
    "directory.correct": {"slug": SAMPLE.module},
    "directory.attach": {"slug": SAMPLE.module, "number": 1},
    "directory.download": {"slug": SAMPLE.module, "attachment_id": SAMPLE.module_file},
}

# A GET may write only to the audit log, except these, which count searches and clicks for the
# search analytics page (search.service._log and search.blueprint.go), by design.
GET_WRITES_ALLOWED = {
    "search.page": {"search_log"},
    "search.go": {"search_log"},
}
AUDIT_TABLES = {"audit_records", "audit_head"}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def seed(app) -> dict:
    """Create the records the sample arguments point at; return their ids and slugs."""
    with app.app_context():
        pdm = db.session.scalar(select(User).where(User.email == PEOPLE["pdm"][0]))
        sample = accounts.create_user(
            "sample.person@example.org", "Sample Person", "sample-person-test-26", ["practitioner"]
        )
        guidance = services.create(
            ItemData(
                kind="guidance",
                title="Housing on release",
                summary="Finding a home.",
                body="Refer to the housing team early.",
                classification="open",
                slug="matrix-guidance",
                tags=["housing"],
            ),
            pdm,
        )
        attachment = attachments.attach(guidance, "leaflet.png", PNG, pdm, guidance.lock_version)
        finding = services.create(
            ItemData(
                kind="finding",
                title="Records were incomplete",
                slug="matrix-finding",
                fields={"source": "audit", "found_on": "2026-03-27", "severity": "medium"},
            ),
            pdm,
        )
        action = services.add_action(finding, "Complete the records", None, None, pdm)
        module = module_services.create_module(
            module_content(), actor=pdm, change_note="First version", commit=False
        )
        module_file = module_services.attach_file(
            module, 1, "worksheet.png", PNG, "participants", actor=pdm, commit=False
        ).content["sessions"][0]["attachments"][0]["id"]
        synonym = Synonym(term="dtr", expansion="drug treatment requirement")
        search_log = SearchLog(roles="practitioner", query="housing", results=1)
        db.session.add_all([synonym, search_log])
        proposal = _referred_proposal(pdm)
        db.session.commit()
        backend = app.extensions["wisdom_search"]
        backend.rebuild(all_documents())  # a new installation's index, as 'wisdom search rebuild'
        apply_pending(backend)
        return {
            "user_id": sample.id,
            "guidance": guidance.slug,
            "attachment_id": attachment.id,
            "finding": finding.slug,
            "action_id": action.id,
            "synonym_id": synonym.id,
            "search_log_id": search_log.id,
            "proposal_id": proposal.id,
            "module": module.slug,
            "module_file": module_file,
        }


def _referred_proposal(pdm):
    """A person on probation's proposal, evaluated and referred to the Panel."""
    from workflows import deciding
    from workflows import services as proposals

    sam = db.session.scalar(select(User).where(User.email == PEOPLE["service_user"][0]))
    proposal = proposals.start("new_module", sam)
    proposals.save(
        proposal, sam, title="Cooking on a budget", reason="Money runs out.",
        content={"summary": "Cheap, healthy meals.", "description": "", "pathways": []},
    )  # fmt: skip
    proposals.submit(proposal, sam)
    answers = {key: "Checked." for key in deciding.EVALUATION_FIELDS}
    deciding.evaluate(proposal, pdm, answers, "refer", "")
    return proposal


def url_args(endpoint: str, seeded: dict) -> dict:
    """The sample arguments of a rule, with every ``SAMPLE`` resolved against ``seed``'s result."""
    return {
        key: seeded[value.name] if isinstance(value, Sample) else value
        for key, value in SAMPLE_ARGS.get(endpoint, {}).items()
    }


def rules(app) -> list:
    """Every rule of the app except the static files."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
        key=lambda rule: rule.endpoint,
    )


def method_of(rule) -> str:
    """The method the matrix checks a rule with: GET where it takes GET, else POST."""
    return "GET" if "GET" in rule.methods else "POST"


def build_app(make_app, password_hashes):
    """An app with every installed plugin enabled and one account per role."""
    app = make_app(WISDOM_PLUGINS=None)  # None: every installed plugin, so its routes count too
    add_people(app, password_hashes)
    return app


def url_of(app, rule) -> str:
    """A URL for a rule, filled in with the seeded records."""
    with app.test_request_context():
        return url_for(rule.endpoint, **url_args(rule.endpoint, app.seeded))


def snapshot(app, leave_out=frozenset()) -> dict[str, list[str]]:
    """Every row of every table (but those left out), in a stable order."""
    with app.app_context(), db.engine.connect() as conn:
        metadata = app.extensions.get("test_reflected")
        if metadata is None:  # reflect once: every table the migrations made, plugins' included
            metadata = app.extensions["test_reflected"] = sa.MetaData()
            metadata.reflect(bind=conn)
        return {
            name: sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
            for name, table in metadata.tables.items()
            if name not in leave_out
        }


def changed_tables(before: dict, after: dict) -> set[str]:
    """The tables whose rows differ between two snapshots."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
