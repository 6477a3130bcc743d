"""Registers the modules component with the centre through the plugin API."""

from flask import Flask

from wisdom.components import Plugin


def init_app(app: Flask) -> None:
    """Register the modules component's parts with the app."""


component = Plugin(name="modules", init_app=init_app, requires=("search",), description="modules")
