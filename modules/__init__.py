"""WISDOM component: modules."""
