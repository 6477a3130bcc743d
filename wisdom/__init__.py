"""WISDOM: the knowledge library of a probation service."""

from wisdom.app import create_app

__all__ = ["create_app"]
