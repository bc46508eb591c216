"""Parlons: run citizen participation end to end, and make sense of what comes out of it."""

__version__ = "0.1.0"
