"""Plugins: found through real entry points, switched on and off by WISDOM_PLUGINS, ordered.

The example plugin in tests/example_plugin is "installed" the way pip installs a package: a
``.dist-info`` folder with METADATA and entry_points.txt on sys.path, found by
importlib.metadata, exactly as a third-party plugin would be.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from support import ROLES, sign_in

from wisdom.components import COMPONENT_GROUP, PLUGIN_GROUP, Plugin, PluginError, registry

EXAMPLE_DIR = Path(__file__).parent / "example_plugin"
BUILT_INS = {"search", "content", "modules", "workflows"}
MAY_SEE_EXAMPLE = {"practitioner", "pdm"}
NAV_LINK = 'class="govuk-service-navigation__link" href="/example/"'


def install(site: Path, monkeypatch, entries: dict[str, str], dist: str = "wisdom_example_plugin"):
    """Install a distribution advertising ``entries`` under wisdom.plugins, as pip would."""
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entries.items())
    (info / "entry_points.txt").write_text(f"[{PLUGIN_GROUP}]\n{lines}")
    monkeypatch.syspath_prepend(str(EXAMPLE_DIR))
    monkeypatch.syspath_prepend(str(site))


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The example plugin, installed."""
    install(tmp_path / "site", monkeypatch, {"example": "wisdom_example_plugin:plugin"})


def get_routes(app) -> list[str]:
    """Every GET page of the app that needs no URL arguments."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments
    )


def statuses(app, role: str) -> dict[str, int]:
    """The status of every argument-free GET page for a role."""
    client = app.test_client()
    assert sign_in(client, role).status_code == 302
    return {url: client.get(url).status_code for url in get_routes(app)}


def test_the_example_plugin_is_found_through_its_entry_point(installed):
    found = {entry.name: entry for entry in entry_points(group=PLUGIN_GROUP)}
    assert found["example"].value == "wisdom_example_plugin:plugin"
    assert found["example"].dist.name == "wisdom_example_plugin"
    assert isinstance(found["example"].load(), Plugin)


def test_all_installed_plugins_load_when_none_are_named(installed, app, make_app):
    plugged = make_app(WISDOM_PLUGINS=None)
    assert "example" in registry(plugged).plugins
    assert registry(plugged).blueprints["example"] == "example"
    for role in ROLES:
        client = plugged.test_client()
        sign_in(client, role)
        home = client.get("/").get_data(as_text=True)
        page = client.get("/example/")
        if role in MAY_SEE_EXAMPLE:
            assert page.status_code == 200, role
            assert "The example plugin&#39;s page" in page.get_data(as_text=True)
            assert NAV_LINK in home, role
            assert "Open the example plugin" in home, role  # the dashboard panel
        else:
            assert page.status_code == 403, role
            assert "/example/" not in home, role  # neither link nor panel


@pytest.mark.parametrize("setting", [[], "", "other"], ids=["empty-list", "empty-string", "other"])
def test_a_plugin_left_out_of_wisdom_plugins_is_gone_and_every_other_page_works(
    installed, app, make_app, tmp_path, monkeypatch, setting
):
    if setting == "other":  # another plugin is installed and named; the example is not
        install(tmp_path / "other", monkeypatch, {"other": "wisdom_other:plugin"}, "wisdom_other")
        (tmp_path / "other" / "wisdom_other.py").write_text(
            "from wisdom.components import Plugin\n"
            "plugin = Plugin(name='other', init_app=lambda app: None)\n"
        )
    plugged = make_app(WISDOM_PLUGINS=["example"])
    unplugged = make_app(WISDOM_PLUGINS=setting)
    assert "example" not in registry(unplugged).plugins
    assert "example" not in registry(unplugged).blueprints
    assert not [i for i in registry(unplugged).nav_items if i.plugin == "example"]
    assert not [p for p in registry(unplugged).dashboard_panels if p.plugin == "example"]
    for role in ROLES:
        with_plugin, without = statuses(plugged, role), statuses(unplugged, role)
        assert with_plugin.pop("/example/") in (200, 403)
        assert without == with_plugin, role
        assert not {u: s for u, s in without.items() if s >= 500}, role
        client = unplugged.test_client()
        sign_in(client, role)
        assert client.get("/example/").status_code == 404
        home = client.get("/")
        assert home.status_code == 200
        assert "/example/" not in home.get_data(as_text=True)


def test_an_unknown_plugin_is_refused_clearly(installed, make_app):
    with pytest.raises(PluginError, match=r"not installed: \['no-such-plugin'\]"):
        make_app(WISDOM_PLUGINS="example, no-such-plugin")


def test_a_plugin_that_cannot_be_imported_fails_clearly_and_can_be_switched_off(
    installed, make_app, tmp_path, monkeypatch
):
    install(tmp_path / "broken", monkeypatch, {"broken": "wisdom_missing:plugin"}, "broken")
    with pytest.raises(PluginError, match="broken = wisdom_missing:plugin could not be loaded"):
        make_app(WISDOM_PLUGINS=None)
    app = make_app(WISDOM_PLUGINS=["example"])  # switching it off is enough
    assert "example" in registry(app).plugins


def test_a_plugin_may_not_replace_a_built_in_component(make_app):
    fake = Plugin(name="content", init_app=lambda app: None)
    with pytest.raises(PluginError, match="built-in components"):
        make_app(WISDOM_EXTRA_PLUGINS=[fake], WISDOM_PLUGINS=["content"])


def test_plugins_load_after_what_they_require(make_app):
    calls = []

    def plugin(name, *requires):
        return Plugin(name=name, init_app=lambda app: calls.append(name), requires=requires)

    # Alphabetical order would load alpha first; it needs zulu, which needs content.
    plugins = [plugin("alpha", "zulu"), plugin("zulu", "content")]
    app = make_app(WISDOM_EXTRA_PLUGINS=plugins, WISDOM_PLUGINS=None)
    assert calls == ["zulu", "alpha"]
    order = list(registry(app).plugins)
    assert order.index("search") < order.index("content") < order.index("zulu")
    assert order.index("zulu") < order.index("alpha")


def test_a_missing_requirement_and_a_circle_are_reported(make_app):
    def plugin(name, *requires):
        return Plugin(name=name, init_app=lambda app: None, requires=requires)

    needs = [plugin("needy", "absent"), plugin("helper")]
    with pytest.raises(PluginError, match="needy requires absent, which is not loaded"):
        make_app(WISDOM_EXTRA_PLUGINS=needs, WISDOM_PLUGINS=None)
    # Installed but not enabled counts as missing.
    with pytest.raises(PluginError, match="alpha requires helper, which is not loaded"):
        make_app(
            WISDOM_EXTRA_PLUGINS=[plugin("alpha", "helper"), plugin("helper")],
            WISDOM_PLUGINS=["alpha"],
        )
    circle = [plugin("first", "second"), plugin("second", "third"), plugin("third", "second")]
    with pytest.raises(PluginError, match="in a circle: second -> third -> second"):
        make_app(WISDOM_EXTRA_PLUGINS=circle, WISDOM_PLUGINS=None)


def test_the_built_in_components_come_from_their_entry_points(make_app):
    advertised = {entry.name: entry for entry in entry_points(group=COMPONENT_GROUP)}
    assert set(advertised) == BUILT_INS
    for setting in ([], None):
        app = make_app(WISDOM_PLUGINS=setting)  # always loaded, whatever WISDOM_PLUGINS says
        loaded = registry(app).plugins
        assert set(loaded) >= BUILT_INS
        for name, entry in advertised.items():
            assert loaded[name] is entry.load()
        order = list(loaded)
        assert order.index("search") < order.index("content") < order.index("workflows")
        assert order.index("search") < order.index("modules") < order.index("workflows")
