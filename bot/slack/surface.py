"""Register listeners with Bolt and, in the same call, record what the Slack app must declare.

`amends manifest` is generated from these records, so the app manifest can never list a command the
code does not handle or miss an event it listens to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App

Listener = Callable[..., Any]


@dataclass(frozen=True)
class SlashCommand:
    name: str
    description: str
    usage_hint: str


@dataclass(frozen=True)
class Shortcut:
    callback_id: str
    name: str
    description: str
    kind: str  # "message" or "global"


@dataclass
class Declarations:
    commands: dict[str, SlashCommand] = field(default_factory=dict)
    shortcuts: list[Shortcut] = field(default_factory=list)
    events: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=lambda: {"chat:write"})
    interactivity: bool = False
    home_tab: bool = False


# Bot events and the scopes Slack requires to subscribe to them.
EVENT_SCOPES = {
    "app_home_opened": set(),
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "member_joined_channel": {"channels:read"},
}


class Surface:
    def __init__(self, app: App) -> None:
        self.app = app
        self.declared = Declarations()

    def uses_scopes(self, *scopes: str) -> None:
        """Declare Web API scopes a feature needs (e.g. users:read for users.info)."""
        self.declared.scopes.update(scopes)

    def command(self, name: str, *, description: str, usage_hint: str = "") -> Callable[[Listener], Listener]:
        self.declared.commands[name] = SlashCommand(name, description, usage_hint)
        self.declared.scopes.add("commands")
        return self.app.command(name)

    def action(self, action_id: str | re.Pattern[str]) -> Callable[[Listener], Listener]:
        self.declared.interactivity = True
        return self.app.action(action_id)

    def view_submission(self, callback_id: str | re.Pattern[str]) -> Callable[[Listener], Listener]:
        self.declared.interactivity = True
        return self.app.view_submission(callback_id)

    def view_closed(self, callback_id: str | re.Pattern[str]) -> Callable[[Listener], Listener]:
        self.declared.interactivity = True
        return self.app.view_closed(callback_id)

    def message_shortcut(self, callback_id: str, *, name: str, description: str) -> Callable[[Listener], Listener]:
        self.declared.interactivity = True
        self.declared.shortcuts.append(Shortcut(callback_id, name, description, "message"))
        self.declared.scopes.add("commands")
        return self.app.message_shortcut(callback_id)

    def event(self, manifest_event: str, *, matchers: list[Callable[..., bool]] | None = None
              ) -> Callable[[Listener], Listener]:
        """Listen to an Events API event. `manifest_event` is the subscription name (e.g. message.channels)."""
        self.declared.events.add(manifest_event)
        self.declared.scopes.update(EVENT_SCOPES.get(manifest_event, set()))
        if manifest_event == "app_home_opened":
            self.declared.home_tab = True
        event_type = manifest_event.split(".")[0]
        return self.app.event(event_type, matchers=matchers)
