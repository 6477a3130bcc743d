"""WISDOM component: workflows."""
