"""The Slack app manifest, generated from what the code registers (see surface.Surface)."""

from __future__ import annotations

from typing import Any

from bot.slack.surface import Declarations

APP_NAME = "Amends"
DESCRIPTION = "Recover broken promises to customers: playbooks, offers, drafts and reminders."
LONG_DESCRIPTION = (
    "When a delivery will be late, a part is out of stock or an appointment was missed, Amends walks the "
    "associate through a recovery playbook: exhaust every way to keep the promise, alert the manager with "
    "options, offer pre-approved alternatives with an incentive, draft an empathetic message, compensate "
    "within budget, keep the customer updated with reminders, and record what worked so the whole team "
    "can find it next time. Type /recover to start."
)


def build_manifest(declared: Declarations, *, request_url: str | None) -> dict[str, Any]:
    """A manifest for Socket Mode (request_url None) or HTTP mode (Slack calls request_url)."""
    socket_mode = request_url is None
    features: dict[str, Any] = {
        "app_home": {
            "home_tab_enabled": declared.home_tab,
            "messages_tab_enabled": True,  # confirmations and fix-it notes arrive as DMs
            "messages_tab_read_only_enabled": False,
        },
        "bot_user": {"display_name": APP_NAME, "always_online": True},
    }
    if declared.commands:
        features["slash_commands"] = [
            {
                "command": c.name,
                "description": c.description,
                "usage_hint": c.usage_hint,
                "should_escape": False,
                **({} if socket_mode else {"url": request_url}),
            }
            for c in sorted(declared.commands.values(), key=lambda c: c.name)
        ]
    if declared.shortcuts:
        features["shortcuts"] = [
            {"name": s.name, "type": s.kind, "callback_id": s.callback_id, "description": s.description}
            for s in declared.shortcuts
        ]
    settings: dict[str, Any] = {
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if declared.events:
        settings["event_subscriptions"] = {
            "bot_events": sorted(declared.events),
            **({} if socket_mode else {"request_url": request_url}),
        }
    if declared.interactivity:
        settings["interactivity"] = {"is_enabled": True, **({} if socket_mode else {"request_url": request_url})}
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": APP_NAME,
            "description": DESCRIPTION,
            "long_description": LONG_DESCRIPTION,
            "background_color": "#3b2e5a",
        },
        "features": features,
        "oauth_config": {"scopes": {"bot": sorted(declared.scopes)}},
        "settings": settings,
    }
