"""The component and plugin API: what a package registers with the centre, and how it is loaded.

The built-in packages (search, content, modules, workflows) use exactly this API, under the
entry-point group ``wisdom.components``; optional plugins use it under ``wisdom.plugins``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from flask import Blueprint, Flask

log = logging.getLogger(__name__)

COMPONENT_GROUP = "wisdom.components"
PLUGIN_GROUP = "wisdom.plugins"


class PluginError(RuntimeError):
    """A component or plugin could not be found or loaded."""


@dataclass(frozen=True)
class Plugin:
    """A component or plugin: a name, what it needs loaded first, and its init_app."""

    name: str
    init_app: Callable[[Flask], None]
    requires: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class NavItem:
    """A link in the service navigation, shown to whoever may do ``permission``."""

    label: str
    endpoint: str
    permission: str
    order: int = 100
    plugin: str = ""


@dataclass(frozen=True)
class DashboardPanel:
    """A panel on the home page: a template rendered for whoever may do ``permission``."""

    title: str
    template: str
    permission: str
    order: int = 100
    plugin: str = ""


@dataclass(frozen=True)
class LinkSubject:
    """A library object that linked records may point at, described without its model.

    ``kind`` says what it is ("module", "item"), ``key`` which one (its slug), ``version`` which
    version is shown, and ``pathways`` the needs it addresses (for related content).
    """

    kind: str
    key: str
    title: str = ""
    version: int | None = None
    pathways: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    """A record linked to a library object, as a link provider lists it for one reader."""

    title: str
    url: str
    group: str  # the heading it is shown under, e.g. "Related guidance", "Outcomes"
    detail: str = ""


@dataclass
class Registry:
    """Everything the components and plugins of one app have registered."""

    plugins: dict[str, Plugin] = field(default_factory=dict)
    nav_items: list[NavItem] = field(default_factory=list)
    dashboard_panels: list[DashboardPanel] = field(default_factory=list)
    search_providers: dict[str, object] = field(default_factory=dict)
    link_providers: list[Callable] = field(default_factory=list)
    blueprints: dict[str, str] = field(default_factory=dict)  # blueprint name -> plugin name
    demo_loaders: list[Callable[[], str]] = field(default_factory=list)


def registry(app: Flask) -> Registry:
    """The registry of ``app``."""
    return app.extensions["wisdom"]


def register_blueprint(app: Flask, blueprint: Blueprint, plugin: str, **options) -> None:
    """Mount a component's blueprint and remember which component owns it."""
    app.register_blueprint(blueprint, **options)
    registry(app).blueprints[blueprint.name] = plugin


def add_nav_item(app: Flask, item: NavItem) -> None:
    """Add a link to the service navigation."""
    items = registry(app).nav_items
    items.append(item)
    items.sort(key=lambda i: (i.order, i.label))


def add_dashboard_panel(app: Flask, panel: DashboardPanel) -> None:
    """Add a panel to the home page."""
    panels = registry(app).dashboard_panels
    panels.append(panel)
    panels.sort(key=lambda p: (p.order, p.title))


def add_search_provider(app: Flask, kind: str, provider: object) -> None:
    """Register what turns rows of one kind into search documents."""
    providers = registry(app).search_providers
    if kind in providers:
        raise PluginError(f"two search providers for the kind {kind!r}")
    providers[kind] = provider


def add_link_provider(app: Flask, provider: Callable) -> None:
    """Register a function that lists records linked to a library object.

    The provider is called as ``provider(subject: LinkSubject, user)`` and returns the ``Link``s
    that ``user`` may see (an empty list when it has nothing for that kind of subject).
    """
    registry(app).link_providers.append(provider)


def links_for(app: Flask, subject: LinkSubject, user) -> dict[str, list[Link]]:
    """Every provider's links for ``subject`` as ``user`` may see them, by group.

    A failing provider is logged and left out, so one broken plugin never breaks the page.
    """
    groups: dict[str, list[Link]] = {}
    for provider in registry(app).link_providers:
        try:
            found = list(provider(subject, user) or [])
        except Exception:  # noqa: BLE001 - a plugin's fault must not break the page it links to
            log.exception("link provider %r failed for %s %s", provider, subject.kind, subject.key)
            continue
        for link in found:
            groups.setdefault(link.group, []).append(link)
    return groups


def add_demo_loader(app: Flask, loader: Callable[[], str]) -> None:
    """Register a function that loads a component's demo content idempotently and says what it did."""
    registry(app).demo_loaders.append(loader)


def load_all(app: Flask) -> None:
    """Load the built-in components, then the enabled plugins, each after what it requires."""
    app.extensions["wisdom"] = Registry()
    components = {entry.name: _load(entry) for entry in entry_points(group=COMPONENT_GROUP)}
    # Only the enabled plugins are imported, so a broken or unwanted one can be switched off.
    advertised = {entry.name: entry for entry in entry_points(group=PLUGIN_GROUP)}
    extra = {p.name: p for p in app.config["WISDOM_EXTRA_PLUGINS"]}
    enabled = _enabled(app.config["WISDOM_PLUGINS"], {**advertised, **extra})
    clashes = sorted(set(enabled) & set(components))
    if clashes:
        raise PluginError(f"plugins may not take the names of built-in components: {clashes}")
    plugins = {name: extra[name] if name in extra else _load(advertised[name]) for name in enabled}
    chosen = {**components, **plugins}
    for plugin in _in_dependency_order(chosen):
        plugin.init_app(app)
        registry(app).plugins[plugin.name] = plugin
        log.debug("loaded %s", plugin.name)


def _load(entry) -> Plugin:
    """Import the Plugin an entry point advertises, checking it is one and is named as advertised."""
    try:
        plugin = entry.load()
    except Exception as error:  # noqa: BLE001 - any import failure is reported the same way
        raise PluginError(
            f"the {entry.group} entry point {entry.name} = {entry.value} could not be loaded: "
            f"{type(error).__name__}: {error}"
        ) from error
    if not isinstance(plugin, Plugin):
        raise PluginError(f"{entry.value} is not a wisdom Plugin")
    if plugin.name != entry.name:
        raise PluginError(f"{entry.value} is advertised as {entry.name} but is named {plugin.name}")
    return plugin


def _enabled(setting, available: dict[str, Plugin]) -> list[str]:
    """Names of the plugins to load: all installed when not configured."""
    if setting is None:
        return sorted(available)
    names = setting if isinstance(setting, list | tuple) else str(setting).split(",")
    names = [n.strip() for n in names if n.strip()]
    missing = [n for n in names if n not in available]
    if missing:
        raise PluginError(f"WISDOM_PLUGINS names plugins that are not installed: {missing}")
    return names


def _in_dependency_order(chosen: dict[str, Plugin]) -> Iterable[Plugin]:
    """Order plugins so each comes after what it requires."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            circle = (*path[path.index(name) :], name)
            raise PluginError(f"plugins require each other in a circle: {' -> '.join(circle)}")
        if name not in chosen:
            raise PluginError(f"{path[-1]} requires {name}, which is not loaded")
        for needed in chosen[name].requires:
            visit(needed, (*path, name))
        done.append(name)

    for name in sorted(chosen):
        visit(name, ())
    return [chosen[name] for name in done]
