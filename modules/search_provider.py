"""Turns modules into search documents: a staff document and, for active modules, an easy-read one.

The staff document (ACL ``staff``) carries the description, eligibility and session text, with
facilitator notes only in the restricted field. The easy-read document (ACL
``role:service_user``) carries only what the easy-read page shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from sqlalchemy import select

from modules import policy, reading
from modules.models import FORMATS, Module, ModuleVersion
from modules.text import plain
from search.documents import SearchDocument
from wisdom import access
from wisdom.db import db

KIND = "module"
EASY = "-easy"


def _parse(key: str) -> tuple[int, bool] | None:
    """A key's module id and whether it is the easy-read document."""
    easy = key.endswith(EASY)
    number = key.removesuffix(EASY)
    return (int(number), easy) if number.isdigit() else None


def staff_document(module: Module, content: dict) -> SearchDocument:
    """The staff search document of a module's current version."""
    sessions = content["sessions"]
    words = [
        plain(content["description"]), content["delivered_by"], *content["outcomes"],
        *content["areas"], *[FORMATS[f] for f in content["formats"]],
        content["referral"]["route"],
        *[text for s in sessions for text in (s["title"], s["objectives"], plain(s["participant_materials"]))],
    ]  # fmt: skip
    notes = " ".join(plain(s["facilitator_notes"]) for s in sessions)
    return _document(module, content, f"{module.id}", words, notes, "staff", {"staff"})


def easy_document(module: Module, content: dict) -> SearchDocument:
    """The easy-read search document: what people on probation may see, nothing more."""
    view = reading.easy_read(content)
    words = [
        *view["outcomes"], *view["areas"], *[FORMATS[f] for f in view["formats"]],
        *[text for s in view["sessions"] for text in (s["title"], s["objectives"], plain(s["participant_materials"]))],
    ]  # fmt: skip
    return _document(module, view, f"{module.id}{EASY}", words, "", "open", {"role:service_user"})


def _document(module, content, key, words, restricted, classification, acl) -> SearchDocument:
    return SearchDocument(
        id=f"{KIND}:{key}", kind=KIND, title=content["title"], summary=content["summary"],
        body=" ".join(w for w in words if w), restricted=restricted, tags=list(content["formats"]),
        pathways=list(content["pathways"]), section="directory", classification=classification,
        acl=frozenset(acl), updated=module.updated_at, slug=module.slug,
        url=url_for("directory.module", slug=module.slug),
    )  # fmt: skip


def _current(ids: list[int]) -> dict[int, tuple[Module, dict]]:
    rows = db.session.execute(
        select(Module, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.module_id == Module.id)
        .where(Module.id.in_(ids), ModuleVersion.number == Module.current_version)
    ).all()
    return {module.id: (module, version.content) for module, version in rows}


class ModuleProvider:
    """Search provider for the Directory's modules."""

    kind = KIND

    def documents(self, keys: Iterable[str]) -> dict[str, SearchDocument | None]:
        """Documents for module keys; an easy-read document only while the module is active."""
        keys = [str(k) for k in keys]
        parsed = {k: _parse(k) for k in keys}
        found = _current([p[0] for p in parsed.values() if p])
        out: dict[str, SearchDocument | None] = {}
        for key in keys:
            if parsed[key] is None or parsed[key][0] not in found:
                out[key] = None
                continue
            module, content = found[parsed[key][0]]
            if not parsed[key][1]:
                out[key] = staff_document(module, content)
            else:
                out[key] = easy_document(module, content) if module.status == "active" else None
        return out

    def all_keys(self) -> Iterable[str]:
        """Every module's staff document, and the easy-read one of each active module."""
        rows = db.session.execute(select(Module.id, Module.status).order_by(Module.id))
        keys = []
        for module_id, status in rows:
            keys.append(str(module_id))
            if status == "active":
                keys.append(f"{module_id}{EASY}")
        return keys

    def visible(self, user, keys: Iterable[str]) -> set[str]:
        """Keys the user may read now: staff documents for staff, easy-read ones for others."""
        parsed = {str(k): _parse(str(k)) for k in keys}
        ids = [p[0] for p in parsed.values() if p]
        modules = {m.id: m for m in db.session.scalars(select(Module).where(Module.id.in_(ids)))}
        staff = policy.full_view(user)
        return {
            key
            for key, p in parsed.items()
            if p
            and p[0] in modules
            and p[1] != staff
            and access.can(user, "directory.read", modules[p[0]])
        }
