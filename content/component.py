"""Registers the content component with the centre through the plugin API."""

from flask import Flask

from wisdom.components import Plugin


def init_app(app: Flask) -> None:
    """Register the content component's parts with the app."""


component = Plugin(name="content", init_app=init_app, requires=("search",), description="content")
