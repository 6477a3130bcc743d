"""WISDOM component: search."""
