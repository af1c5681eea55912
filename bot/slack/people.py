"""Who people are to Amends, as far as Slack and amends.yaml tell.

Managers are the users listed in `managers.users` plus the members of `managers.usergroup` (asked of
Slack each time, so someone added to or removed from the group counts at once). Areas that need other
roles (e.g. offer approvers) follow the same shape: a config list, an optional user group. The one
exception is the check of who may act on a case (`may_act_on_case`), which runs before every case form
opens and again when it is sent: it remembers who is in the cases channel and the groups for a minute
(RecentMembers), and asks Slack again before it refuses anyone.

A person's timezone comes from their profile (users.info `user.tz`) and is cached in the database
(bot/people/service.py): looked up once when someone's first case opens, then again when the cache is
older than `reminders.timezone_max_age`, by a periodic task, never on the reminder sender's path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from urllib.error import URLError
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.people import service as people
from bot.settings import AmendsConfig
from bot.slack.deps import SlackDeps

log = logging.getLogger(__name__)


def usergroup_members(client: WebClient, usergroup: str) -> set[str]:
    """Members of a Slack user group; empty (and logged) if Slack can't tell us."""
    return _usergroup_members(client, usergroup) or set()


def _usergroup_members(client: WebClient, usergroup: str) -> set[str] | None:
    try:
        return set(client.usergroups_users_list(usergroup=usergroup).get("users") or [])
    except SlackApiError as exc:
        log.warning("could not list members of user group %s: %s", usergroup, exc.response.get("error"))
        return None


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


# How often the periodic task looks for timezones to refresh, and how many people it asks Slack about
# each time (users.info is Tier 4, 100+ a minute: this stays far below it).
ZONE_REFRESH_EVERY = timedelta(minutes=1)
ZONE_REFRESH_BATCH = 50


def look_up_zone(client: WebClient, deps: SlackDeps, user_id: str) -> ZoneInfo | None:
    """One users.info call for `user_id`, its answer (or its failure) recorded in the cache. The zone, or
    None when Slack gave none that works (the cached one, or the team's, stays in use)."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
    except (URLError, TimeoutError, ConnectionError, OSError) as exc:
        error = f"network: {exc}"
    else:
        with deps.db.transaction() as session:
            return people.record(session, user_id, tz=user.get("tz"), label=user.get("tz_label"),
                                 offset=user.get("tz_offset"), now=deps.clock.now())
    log.warning("could not look up the timezone of %s (%s): the cached or the team's zone stays in use",
                user_id, error)
    with deps.db.transaction() as session:
        people.record_failure(session, user_id, now=deps.clock.now(), error=error)
    return None


def refresh_zones(client: WebClient, deps: SlackDeps) -> int:
    """Look up the people about to be reminded whose cached zone is missing or stale; returns how many."""
    with deps.db.transaction() as session:
        due = people.to_refresh(session, now=deps.clock.now(), max_age=deps.config.reminders.timezone_max_age,
                                limit=ZONE_REFRESH_BATCH)
    for user_id in due:
        look_up_zone(client, deps, user_id)
    return len(due)


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


# How long may_act_on_case() trusts a member list Slack gave it for someone it names. Someone it does not
# name is always asked about again, so joining counts at once; leaving counts within this.
MEMBERSHIP_TTL = 60.0  # seconds


class RecentMembers:
    """Who is in a channel or user group, as Slack said within MEMBERSHIP_TTL (one per app; only the cases
    channel and the configured groups are asked about, so it stays small). A failed lookup is not kept."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._known: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}  # (when asked, members)
        self._lock = threading.Lock()

    def in_channel(self, client: WebClient, channel: str, user_id: str) -> bool:
        return self._has(("channel", channel), user_id, lambda: channel_members(client, channel))

    def in_usergroup(self, client: WebClient, usergroup: str, user_id: str) -> bool:
        return self._has(("usergroup", usergroup), user_id, lambda: _usergroup_members(client, usergroup))

    def _has(self, key: tuple[str, str], user_id: str, look_up: Callable[[], set[str] | None]) -> bool:
        with self._lock:
            kept = self._known.get(key)
        if kept is not None and self._clock() - kept[0] < MEMBERSHIP_TTL and user_id in kept[1]:
            return True
        members = look_up()  # outside the lock: Slack may take its time
        if members is None:
            return False
        with self._lock:
            self._known[key] = (self._clock(), frozenset(members))
        return user_id in members


def may_act_on_case(client: WebClient, config: AmendsConfig, members: RecentMembers, user_id: str, *,
                    owner_id: str, reporter_id: str) -> bool:
    """Whether `user_id` may change a case: its owner or reporter, a manager, an approver, or anyone in the
    cases channel (the team that sees the case and its thread). Cheapest answers first."""
    if user_id in (owner_id, reporter_id) or user_id in config.managers.users \
            or user_id in config.offers.approvers.users:
        return True
    if members.in_channel(client, config.cases.channel, user_id):
        return True
    groups = [group for group in (config.managers.usergroup, config.offers.approvers.usergroup) if group]
    return any(members.in_usergroup(client, group, user_id) for group in groups)
