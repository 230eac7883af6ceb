"""Borderline: one explained risk decision per cross-border order."""

__version__ = "0.1.0"
