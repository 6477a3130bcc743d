"""WISDOM component: content."""
