"""Seeding canaries: confidential items and sections that each carry one unique token.

A token is ``CANARY-<16 hex digits>``. It is written (in the cases the application lowers it, as
``canary-<hex>``) into every place a confidential thing can live: title (and so the slug made
from it), summary, body, tags, the kind's own text fields, a later version's change note,
an action, an attached file's name and bytes, and confidential sections of open and staff items.
A response "holds" a token when its 16 hex digits appear in it, in any case or wrapping.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from support import PEOPLE

from content import attachments, services
from content.models import Attachment, Item
from content.services import ItemData
from wisdom import markup
from wisdom.auth.models import User
from wisdom.db import db


def new_hex() -> str:
    """Sixteen random hex digits: the unique part of a token (or of a decoy)."""
    return secrets.token_hex(8)


def png(text: str) -> bytes:
    """A valid 1x1 PNG carrying ``text`` in a tEXt chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + text.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


@dataclass
class Canary:
    """One seeded secret: where it lives and the token that marks it."""

    label: str
    hex: str
    slug: str = ""  # the item it lives in
    whole_item: bool = False  # True: a confidential item; False: a section of an open/staff item
    places: set[str] = field(default_factory=set)  # kinds of page a cleared reader finds it on

    @property
    def token(self) -> str:
        return f"CANARY-{self.hex}"


@dataclass
class Seeded:
    """What was seeded: the canaries, every item, and the links only cleared readers may see."""

    canaries: list[Canary] = field(default_factory=list)  # the 20 the issue asks for
    extras: list[Canary] = field(default_factory=list)  # the reclassified item's old token
    slugs: list[str] = field(default_factory=list)  # every seeded item
    versions: dict[str, int] = field(default_factory=dict)  # slug -> number of versions
    files: dict[str, list[int]] = field(default_factory=dict)  # slug -> attachment ids
    secret_links: list[tuple[str, str]] = field(default_factory=list)  # (source, target)
    confidential_slugs: list[str] = field(default_factory=list)
    sensitive_slugs: list[str] = field(default_factory=list)  # confidential or with sections
    pathways: list[str] = field(default_factory=list)
    beacon_slug: str = ""
    review_slug: str = ""  # the confidential SFO review the beacon came from

    @property
    def all_canaries(self) -> list[Canary]:
        return [*self.canaries, *self.extras]


def _user(role: str) -> User:
    return db.session.scalar(select(User).where(User.email == PEOPLE[role][0]))


SOON = date.today() + timedelta(days=10)

# The ten kinds of confidential item: kind, title words, the kind's own fields (where TOKEN is
# replaced by the canary's token), and extra settings.
WHOLE_ITEMS = [
    (
        "guidance",
        "Handling a named high-risk case",
        {},
        {"classification": "confidential", "pathways": ["accommodation"]},
    ),
    (
        "finding",
        "SFO review of a named case",
        {"source": "sfo_review", "found_on": "2026-01-12", "severity": "high"},
        {"action": True, "pathways": ["thinking-behaviour"]},
    ),
    (
        "finding",
        "Case-based inspection finding",
        {
            "source": "inspection",
            "found_on": "2026-02-03",
            "severity": "medium",
            "case_based": True,
        },
        {"action": True},
    ),
    (
        "beacon",
        "What worked with a named family",
        {"nominated_by": "TOKEN reviewer", "why_it_worked": "TOKEN it worked because"},
        {"classification": "confidential", "pathways": ["relationships"]},
    ),
    (
        "resource",
        "Refuge contact list",
        {"network": "community", "link": "https://example.org/TOKEN", "contact": "TOKEN desk"},
        {"classification": "confidential", "pathways": ["womens-services"]},
    ),
    (
        "workbank",
        "Placement at a protected site",
        {
            "place": "TOKEN site",
            "work_type": "community_payback",
            "tasks": "TOKEN tasks",
            "capacity": 4,
            "contact": "TOKEN supervisor",
            "project_status": "open",
        },
        {"classification": "confidential"},
    ),
    (
        "feedback",
        "Feedback from victims",
        {"exercise": "TOKEN exercise", "period": "April to June 2026", "respondents": 12},
        {"classification": "confidential"},
    ),
    (
        "finding",
        "Audit of restricted records",
        {"source": "audit", "found_on": "2026-03-01", "severity": "low"},
        {"classification": "confidential", "action": True},
    ),
    (
        "guidance",
        "Archived protocol for a named partner",
        {},
        {"classification": "confidential", "archive": True, "pathways": ["drugs"]},
    ),
    (
        "feedback",
        "Staff wellbeing survey comments",
        {"exercise": "TOKEN survey", "period": "2025", "respondents": 40},
        {"classification": "confidential", "pathways": ["emotional-wellbeing"]},
    ),
]


def _fill(fields: dict, token: str) -> dict:
    return {k: v.replace("TOKEN", token) if isinstance(v, str) else v for k, v in fields.items()}


def _section(text: str, fence: str = "```", info: str = "confidential") -> str:
    return f"{fence}{info}\n{text}\n{fence}"


def seed() -> Seeded:
    """Seed the canaries (as the PDM, through content.services) and commit."""
    pdm, practitioner = _user("pdm"), _user("practitioner")
    out = Seeded()

    def create(data: ItemData, note: str = "First version") -> Item:
        item = services.create(data, pdm, change_note=note)
        out.slugs.append(item.slug)
        return item

    def update(item: Item, note: str, **changes) -> None:
        data = ItemData.of(item, item.kind)
        for key, value in changes.items():
            setattr(data, key, value)
        services.update(item, data, item.lock_version, pdm, change_note=note)

    # --- Ten confidential items --------------------------------------------------------------
    for n, (kind, words, fields, extra) in enumerate(WHOLE_ITEMS, 1):
        canary = Canary(f"confidential {kind} #{n}", new_hex(), whole_item=True)
        token = canary.token
        item = create(
            ItemData(
                kind=kind,
                title=f"{token} {words}",
                summary=f"Summary naming {token}.",
                body=f"# About the case\n\nThe details: {token}, and more.\n\n- point {token}",
                classification=extra.get("classification", ""),
                tags=[token.lower(), "canary-test"],
                pathways=extra.get("pathways", []),
                fields=_fill(fields, token),
                owner_id=practitioner.id,  # an uncleared owner: the review list must hide it
                review_by=SOON,
            )
        )
        assert item.classification == "confidential", (kind, item.classification)
        update(
            item,
            f"Revised after the panel discussed {token}",
            body=item.body + f"\n\nA later paragraph, {token}.",
        )
        attachments.attach(item, f"{token} evidence.png", png(token), pdm, item.lock_version)
        if extra.get("action"):
            services.add_action(
                item, f"Act on {token}", practitioner.id, date.today() - timedelta(days=3), pdm
            )
        canary.slug = item.slug
        canary.places = {"page", "history", "version", "diff", "print", "export", "attachment"}
        canary.places |= {"edit", "zip"}
        canary.places |= {"archived"} if extra.get("archive") else {"browse", "search", "review"}
        if extra.get("action"):
            canary.places |= {"actions"}
        out.canaries.append(canary)
        out.confidential_slugs.append(item.slug)
        if n == 2:
            out.review_slug = item.slug
        if extra.get("archive"):
            services.set_archived(item, True, pdm)

    # --- Targets of links written only inside confidential sections --------------------------
    target_open = create(
        ItemData(
            kind="guidance",
            title="Checking in after a move",
            summary="How to keep in touch after someone moves.",
            body="Open advice anyone may read.",
            classification="open",
            tags=["canary-target"],
        )
    )
    target_staff = create(
        ItemData(
            kind="resource",
            title="Local tenancy support service",
            summary="A service that helps people keep a tenancy.",
            body="Staff-only details of the service.",
            classification="staff",
            fields={"network": "organisational", "contact": "Front desk"},
        )
    )

    # --- Ten confidential sections inside open and staff items -------------------------------
    def section_canary(label: str) -> Canary:
        canary = Canary(label, new_hex())
        out.canaries.append(canary)
        return canary

    def done(item: Item, canary: Canary) -> None:
        canary.slug = item.slug
        canary.places = {"version", "zip"}
        if canary.hex in item.body:
            canary.places |= {"page", "print", "export", "edit"}
        if item.current_version > 1:
            canary.places |= {"diff"}

    c = section_canary("section in open guidance, links to an open item")
    item = create(
        ItemData(
            kind="guidance",
            title="Finding a place to live after release",
            summary="Steps for the first week.",
            body="Start with the council.\n\n"
            + _section(f"Named case: {c.token}. See [[{target_open.slug}]]."),
            classification="open",
            pathways=["accommodation"],
        )
    )
    done(item, c)
    out.secret_links.append((item.slug, target_open.slug))

    c = section_canary("section added to staff guidance in version 2")
    item = create(
        ItemData(
            kind="guidance",
            title="Preparing a risk review",
            summary="What to gather before a review.",
            body="Gather the records.",
            classification="staff",
        )
    )
    update(item, "Added a restricted note", body=item.body + "\n\n" + _section(f"Note {c.token}"))
    done(item, c)

    c = section_canary("section changed in an open resource")
    item = create(
        ItemData(
            kind="resource",
            title="Debt advice drop-in",
            summary="Free advice every Tuesday.",
            body="Open on Tuesdays.\n\n" + _section(f"First wording {c.token}."),
            classification="open",
            fields={"network": "community", "contact": "Reception"},
            pathways=["finance-benefit-debt"],
        )
    )
    update(
        item,
        "Changed the opening times and the restricted note",
        body="Open on Tuesdays and Thursdays.\n\n" + _section(f"Revised wording {c.token}."),
    )
    done(item, c)

    c = section_canary("section removed from a staff finding in version 2")
    item = create(
        ItemData(
            kind="finding",
            title="Audit of induction records",
            summary="Induction records were incomplete.",
            body="Records were incomplete.\n\n" + _section(f"Named officer {c.token}."),
            classification="staff",
            fields={"source": "audit", "found_on": "2026-01-20", "severity": "low"},
        )
    )
    assert item.classification == "staff"
    update(item, "Removed the names", body="Records were incomplete.")
    services.add_action(item, "Complete the records", practitioner.id, SOON, pdm)
    done(item, c)

    c = section_canary("section in an open workbank project, links to a staff item")
    item = create(
        ItemData(
            kind="workbank",
            title="Canal towpath clearance",
            summary="Clearing the towpath between the locks.",
            body="Bring boots.\n\n" + _section(f"Site risk {c.token}: [[{target_staff.slug}]]."),
            classification="open",
            fields={
                "place": "Lock 5",
                "work_type": "community_payback",
                "tasks": "Clearing",
                "capacity": 6,
                "contact": "Site lead",
                "project_status": "open",
            },
        )
    )
    update(item, "Added gloves", body=item.body.replace("Bring boots.", "Bring boots and gloves."))
    done(item, c)
    out.secret_links.append((item.slug, target_staff.slug))

    c = section_canary("section added then changed in a staff beacon")
    item = create(
        ItemData(
            kind="beacon",
            title="Peer mentors at induction",
            summary="Mentors met people at their first appointment.",
            body="It worked well.",
            classification="staff",
            fields={"nominated_by": "A reviewer", "why_it_worked": "People felt welcome."},
        )
    )
    update(item, "Added a restricted example", body="It worked well.\n\n" + _section(c.token))
    update(
        item,
        "Reworded the example",
        body="It worked well.\n\n" + _section(f"Reworded: {c.token}."),
    )
    done(item, c)

    c = section_canary("section removed then restored in open feedback")
    item = create(
        ItemData(
            kind="feedback",
            title="What people said about reporting centres",
            summary="Results of the spring survey.",
            body="Most people found the centre easy to reach.\n\n" + _section(f"Quote {c.token}."),
            classification="open",
            fields={"exercise": "Spring survey", "period": "Spring 2026", "respondents": 30},
        )
    )
    update(item, "Took out the quote", body="Most people found the centre easy to reach.")
    services.restore(item, 1, item.lock_version, pdm)
    done(item, c)

    c = section_canary("unclosed confidential fence in a staff workbank project")
    item = create(
        ItemData(
            kind="workbank",
            title="Allotment project",
            summary="Growing vegetables for the food bank.",
            body="Tools are provided.\n\n```confidential\nGate code " + c.token + "\n\nMore.",
            classification="staff",
            fields={
                "place": "Allotments",
                "work_type": "voluntary_reparation",
                "tasks": "Digging",
                "capacity": 3,
                "contact": "Allotment secretary",
                "project_status": "full",
            },
        )
    )
    done(item, c)

    c = section_canary("tilde fence with a heading and a table in open guidance")
    item = create(
        ItemData(
            kind="guidance",
            title="Talking about alcohol",
            summary="Opening a conversation about drinking.",
            body="Ask open questions.\n\n"
            + _section(
                f"## Heading {c.token}\n\n| who | what |\n|---|---|\n| {c.token} | note |",
                fence="~~~",
                info="Confidential",
            ),
            classification="open",
            pathways=["alcohol"],
        )
    )
    done(item, c)

    c = section_canary("long fence holding a code block in staff feedback, links to an open item")
    item = create(
        ItemData(
            kind="feedback",
            title="Practitioner survey on caseloads",
            summary="Caseload pressures reported by staff.",
            body="Caseloads rose.\n\n"
            + _section(f"```\ncode {c.token}\n```\n\nSee [[{target_open.slug}]].", fence="````"),
            classification="staff",
            fields={"exercise": "Caseload survey", "period": "2026", "respondents": 55},
        )
    )
    done(item, c)
    out.secret_links.append((item.slug, target_open.slug))

    assert len(out.canaries) == 20

    # --- An item that was confidential in version 1 and staff from version 4 -----------------
    old = Canary("version 1 to 3 of an item now staff", new_hex(), whole_item=True)
    item = create(
        ItemData(
            kind="guidance",
            title=f"{old.token} Interim note on a named case",
            summary=f"About {old.token}.",
            body=f"Everything about {old.token}.",
            classification="confidential",
            tags=[old.token.lower()],
            slug=f"reclassified-note-{new_hex()[:6]}",
        ),
        note=f"First version about {old.token}",
    )
    attachments.attach(item, f"{old.token} scan.png", png(old.token), pdm, item.lock_version)
    attached = db.session.scalar(select(Attachment).where(Attachment.item_id == item.id))
    attachments.detach(item, attached, pdm, item.lock_version)
    update(
        item,
        "Cleared for all staff after the review",
        title="Note on keeping records",
        summary="How to keep records.",
        body="Keep records up to date.",
        classification="staff",
        tags=["records"],
    )
    old.slug = item.slug
    old.places = {"history", "version", "diff", "attachment", "zip"}
    out.extras.append(old)

    # --- A staff beacon that came from the confidential SFO review ---------------------------
    beacon = create(
        ItemData(
            kind="beacon",
            title="Joint visits with housing officers",
            summary="Joint visits found housing faster.",
            body="Housing was found faster.",
            classification="staff",
            fields={"nominated_by": "A reviewer", "why_it_worked": "Shared knowledge."},
        )
    )
    update(
        beacon,
        "Linked the review it came from",
        fields={**beacon.fields, "source_item": out.review_slug},
    )
    out.beacon_slug = beacon.slug

    # --- A staff finding whose action was answered by confidential guidance ------------------
    finding = create(
        ItemData(
            kind="finding",
            title="Manager review of supervision notes",
            summary="Supervision notes were brief.",
            body="Notes were brief.",
            classification="staff",
            fields={"source": "manager_review", "found_on": "2026-02-14", "severity": "medium"},
        )
    )
    action = services.add_action(finding, "Write fuller notes", practitioner.id, SOON, pdm)
    answer = db.session.scalar(select(Item).where(Item.slug == out.canaries[0].slug))
    services.update_action(
        action, status="in_progress", evidence="Guidance written", answered_by=answer, actor=pdm
    )

    db.session.commit()
    for item in db.session.scalars(select(Item).where(Item.slug.in_(out.slugs))):
        out.versions[item.slug] = item.current_version
        out.files[item.slug] = list(
            db.session.scalars(select(Attachment.id).where(Attachment.item_id == item.id))
        )
        bodies = [v.body for v in item.versions]
        if item.classification == "confidential" or any(map(markup.has_confidential, bodies)):
            out.sensitive_slugs.append(item.slug)
        if any(v.classification == "confidential" for v in item.versions):
            out.sensitive_slugs.append(item.slug)
        out.pathways.extend(p for p in item.pathways if p not in out.pathways)
    out.sensitive_slugs = sorted(set(out.sensitive_slugs))
    return out
