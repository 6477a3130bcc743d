"""Registers the search component with the centre through the plugin API."""

from flask import Flask

from wisdom.components import Plugin


def init_app(app: Flask) -> None:
    """Register the search component's parts with the app."""


component = Plugin(name="search", init_app=init_app, description="search")
