"""Errors the people using Amends can act on.

Domain code raises these with a message written for the associate or manager; the Slack layer shows the
message where the person is (field error, ephemeral, DM) instead of a generic failure.
"""

from __future__ import annotations


class AmendsError(Exception):
    """Base class for errors with a message meant for a person, not a log."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class NotFound(AmendsError):
    pass


class NotAllowed(AmendsError):
    pass


class Conflict(AmendsError):
    """Someone else changed the thing first (a double click, two people, a stale message)."""


class InvalidInput(AmendsError):
    """Input that failed the domain's rules; `fields` maps field names to messages for forms."""

    def __init__(self, user_message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(user_message)
        self.fields = fields or {}


class StorageUnavailable(AmendsError):
    """The database could not be reached or did not answer in time; nothing was saved."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "I couldn't reach the Amends database just now, so nothing was saved. "
            "Please try again in a minute; if it keeps happening, tell your Amends admin."
        )
        self.detail = detail


class ConfigError(Exception):
    """Invalid settings or data files. `problems` are complete, human-readable lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
