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


def channel_members(client: WebClient, channel: str) -> set[str] | None:
    """Everyone in a channel (paged); None, and logged, if Slack can't tell us."""
    members: set[str] = set()
    cursor = None
    try:
        while True:
            page = client.conversations_members(channel=channel, limit=1000, cursor=cursor)
            members.update(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members
    except SlackApiError as exc:
        log.warning("could not list members of channel %s: %s", channel, exc.response.get("error"))
        return None


def may_act_on_case(client: WebClient, config: AmendsConfig, user_id: str, *, owner_id: str,
                    reporter_id: str) -> bool:
    """Whether `user_id` may change a case: its owner or reporter, a manager, an approver, or anyone in the
    cases channel (the team that sees the case and its thread). Cheapest answers first."""
    if user_id in (owner_id, reporter_id) or user_id in config.managers.users \
            or user_id in config.offers.approvers.users:
        return True
    if user_id in (channel_members(client, config.cases.channel) or set()):
        return True
    return is_manager(client, config, user_id) or in_role(client, user_id, users=(),
                                                          usergroup=config.offers.approvers.usergroup)
