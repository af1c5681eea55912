"""Amends: guided recovery of broken customer promises, in Slack."""

__version__ = "0.1.0"
