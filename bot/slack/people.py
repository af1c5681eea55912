"""Who people are to Amends, as far as Slack and amends.yaml tell.

Managers are the users listed in `managers.users` plus the members of `managers.usergroup` (asked of
Slack each time, so someone added to or removed from the group counts at once). Areas that need other
roles (e.g. offer approvers) follow the same shape: a config list, an optional user group.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import AmendsConfig

log = logging.getLogger(__name__)


def usergroup_members(client: WebClient, usergroup: str) -> set[str]:
    """Members of a Slack user group; empty (and logged) if Slack can't tell us."""
    try:
        return set(client.usergroups_users_list(usergroup=usergroup).get("users") or [])
    except SlackApiError as exc:
        log.warning("could not list members of user group %s: %s", usergroup, exc.response.get("error"))
        return set()


def in_role(client: WebClient, user_id: str, *, users: Iterable[str], usergroup: str | None) -> bool:
    if user_id in set(users):
        return True
    return bool(usergroup) and user_id in usergroup_members(client, usergroup)  # type: ignore[arg-type]


def is_manager(client: WebClient, config: AmendsConfig, user_id: str) -> bool:
    managers = config.managers
    return in_role(client, user_id, users=managers.users, usergroup=managers.usergroup)


def manager_mentions(config: AmendsConfig) -> list[str]:
    """How to ping the managers in a message: each listed user and the user group."""
    mentions = [f"<@{user}>" for user in config.managers.users]
    if config.managers.usergroup:
        mentions.append(f"<!subteam^{config.managers.usergroup}>")
    return mentions


def manager_ids(client: WebClient, config: AmendsConfig) -> set[str]:
    """Everyone who is a manager right now (one Slack call for the user group, whoever asks next)."""
    managers = config.managers
    return set(managers.users) | (usergroup_members(client, managers.usergroup) if managers.usergroup else set())
