"""The Directory of Services: filter modules, count what each filter would leave, say why each matched.

Within one filter any chosen value matches; across filters every filter must match. Counts for a
filter's values are taken with every other filter applied, so each count is what ticking that
value would show. Free text goes through the search service and keeps its ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from modules import policy
from modules.models import COMPLEXITY, FORMATS, ROSH_LEVELS, SEXES, Module, ModuleVersion
from modules.text import pathway_names
from search import service as search_service
from wisdom.db import db

ALL_AREAS = "All areas"
DELIVERY = {"in-house": "In-house", "partner": "Partner organisation"}
CORE = {"core": "Core", "optional": "Optional"}
STAFF_FILTERS = (
    "pathway",
    "complexity",
    "sex",
    "age",
    "rosh",
    "area",
    "delivery",
    "format",
    "core",
)
EASY_FILTERS = ("pathway", "format", "area")
MULTI = {"pathway", "complexity", "area", "delivery", "format", "core"}


@dataclass
class Entry:
    """A module in the Directory, as this reader may see it, and why it matched."""

    module: Module
    content: dict
    reasons: list[str] = field(default_factory=list)


@dataclass
class Listing:
    """What a Directory page shows."""

    entries: list[Entry]
    chosen: dict[str, list[str]]
    options: dict[str, list[tuple[str, str, int]]]  # filter -> (value, label, count)
    text: str = ""
    show_retired: bool = False
    search_error: str | None = None
    total_modules: int = 0

    @property
    def filtered(self) -> bool:
        """Whether any filter or search is applied."""
        return bool(self.text or any(self.chosen.values()))


def allowed_filters(user) -> tuple[str, ...]:
    """The filters this reader may use: people on probation get no risk or eligibility filters."""
    return STAFF_FILTERS if policy.full_view(user) else EASY_FILTERS


def chosen_filters(args, user) -> dict[str, list[str]]:
    """The filters chosen in a request's query string, limited to what the reader may use."""
    chosen = {}
    for name in allowed_filters(user):
        values = [v.strip() for v in args.getlist(name) if v and v.strip()]
        if name == "age":
            values = [v for v in values[:1] if v.isdigit() and 0 < int(v) < 130]
        elif name not in MULTI:
            values = values[:1]
        chosen[name] = values
    return chosen


def current_modules(user, show_retired: bool = False) -> list[tuple[Module, dict]]:
    """Every module the user may see with its current content, by title."""
    statuses = policy.visible_statuses(user)
    if not show_retired:
        statuses = [s for s in statuses if s != "retired"]
    rows = db.session.execute(
        select(Module, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.module_id == Module.id)
        .where(ModuleVersion.number == Module.current_version, Module.status.in_(statuses))
        .order_by(Module.title, Module.id)
    ).all()
    return [(module, version.content) for module, version in rows]


def values_of(name: str, content: dict) -> set[str]:
    """The values of one filter a module's content has."""
    eligibility = content["eligibility"]
    if name == "pathway":
        return set(content["pathways"])
    if name == "complexity":
        return set(eligibility["complexity"])
    if name == "sex":
        return set(eligibility["sexes"])
    if name == "rosh":
        return set(eligibility["rosh_levels"])
    if name == "area":
        return set(content["areas"])
    if name == "delivery":
        return {"in-house" if content["delivered_by"] == "in-house" else "partner"}
    if name == "format":
        return set(content["formats"])
    if name == "core":
        return {"core" if content["core"] else "optional"}
    raise KeyError(name)


def matches(name: str, chosen: list[str], content: dict) -> bool:
    """Whether a module passes one filter."""
    if not chosen:
        return True
    if name == "age":
        age = int(chosen[0])
        low, high = content["eligibility"]["age_min"], content["eligibility"]["age_max"]
        return low <= age and (high is None or age <= high)
    have = values_of(name, content)
    if name == "area" and ALL_AREAS in have:
        return True
    return bool(have & set(chosen))


def reasons(chosen: dict[str, list[str]], content: dict, names: dict[str, str]) -> list[str]:
    """Why a module matched the chosen filters, in words."""
    said = []
    eligibility = content["eligibility"]
    for name, values in chosen.items():
        if not values:
            continue
        hit = sorted(values_of(name, content) & set(values)) if name != "age" else []
        if name == "pathway":
            said.append("Addresses " + ", ".join(names.get(v, v) for v in hit))
        elif name == "complexity":
            said += [f"Suits {v} complexity of need: {eligibility['complexity'][v]}" for v in hit]
        elif name == "sex":
            said.append(f"Open to {SEXES[values[0]].lower()}")
        elif name == "age":
            top = eligibility["age_max"]
            span = (
                f"{eligibility['age_min']} to {top}"
                if top
                else f"{eligibility['age_min']} and over"
            )
            said.append(f"Age {values[0]} is within {span}")
        elif name == "rosh":
            said.append(f"Suits {ROSH_LEVELS[values[0]].lower()} RoSH")
        elif name == "area":
            where = hit or [ALL_AREAS.lower()]
            said.append("Runs in " + ", ".join(where))
        elif name == "delivery":
            who = content["delivered_by"]
            said.append("Delivered in-house" if who == "in-house" else f"Delivered by {who}")
        elif name == "format":
            said.append("Offered " + ", ".join(FORMATS[v].lower() for v in hit))
        elif name == "core":
            said.append("Core module" if content["core"] else "Optional module")
    return said


def listing(user, args) -> Listing:
    """The Directory as this user asked for it: filtered, searched, counted and explained."""
    show_retired = policy.full_view(user) and args.get("retired") == "1"
    chosen = chosen_filters(args, user)
    modules = current_modules(user, show_retired)
    text = (args.get("q") or "").strip()[:200]
    ranked, error = _searched(user, text) if text else (None, None)
    if ranked is not None:
        order = {module_id: n for n, module_id in enumerate(ranked)}
        modules = sorted(
            [(m, c) for m, c in modules if m.id in order], key=lambda mc: order[mc[0].id]
        )
    names = pathway_names()
    entries = [
        Entry(module, content, reasons(chosen, content, names))
        for module, content in modules
        if all(matches(name, values, content) for name, values in chosen.items())
    ]
    if text and ranked is not None:
        for entry in entries:
            entry.reasons.insert(0, f"Mentions “{text}”")
    return Listing(
        entries=entries, chosen=chosen, options=_options(modules, chosen, names), text=text,
        show_retired=show_retired, search_error=error, total_modules=len(modules),
    )  # fmt: skip


def _searched(user, text: str) -> tuple[list[int] | None, str | None]:
    """Module ids the search service finds for ``text``, best first."""
    outcome = search_service.run(user, text, kinds=["module"], record=False, page_size=500)
    if outcome.error:
        return None, outcome.error
    if outcome.results is None:
        return [], None
    ids: list[int] = []
    for hit in outcome.results.hits:
        key = hit.id.partition(":")[2].removesuffix("-easy")
        if key.isdigit() and int(key) not in ids:
            ids.append(int(key))
    return ids, None


def _options(modules, chosen, names) -> dict[str, list[tuple[str, str, int]]]:
    """Each filter's values with how many modules ticking it would show."""
    labels = {
        "pathway": names,
        "complexity": COMPLEXITY,
        "sex": SEXES,
        "rosh": ROSH_LEVELS,
        "delivery": DELIVERY,
        "format": FORMATS,
        "core": CORE,
    }
    areas = sorted({a for _, c in modules for a in c["areas"]} - {ALL_AREAS})
    labels["area"] = {a: a for a in areas}
    options = {}
    for name in chosen:
        if name == "age":
            continue
        others = [
            c for _, c in modules if all(matches(n, v, c) for n, v in chosen.items() if n != name)
        ]
        options[name] = [
            (value, label, sum(1 for c in others if matches(name, [value], c)))
            for value, label in labels[name].items()
        ]
    return options
