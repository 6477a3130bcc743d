"""Registers the modules component with the centre through the plugin API."""

from flask import Flask

from wisdom.components import Plugin


def init_app(app: Flask) -> None:
    """Register the Directory's access rules, models and signal with the app."""
    from modules import models, policy  # noqa: F401 - models join the metadata

    policy.define_actions()


component = Plugin(
    name="modules",
    init_app=init_app,
    requires=("search",),
    description="Rehabilitative modules and the Directory of Services",
)
