"""Registers the workflows component with the centre through the plugin API."""

from flask import Flask

from wisdom.components import Plugin


def init_app(app: Flask) -> None:
    """Register the workflows component's parts with the app."""


component = Plugin(
    name="workflows", init_app=init_app, requires=("modules", "content"), description="workflows"
)
