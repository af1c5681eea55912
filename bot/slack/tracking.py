"""Action items (the reminder their owner gets on the due day, and "Mark done") and the weekly digest.

The digest rides on the reminders machinery: a ticker task schedules each manager's digest of the week
once its moment has come (bot.tracking.digest: one key per ISO week and manager, never scheduled twice),
and the reminder sweep posts it, with the same claims, retries and dedupe as every reminder. Once the
message is in Slack, its chart is uploaded next to it with files_upload_v2, unless it is there already.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.cases import service as cases
from bot.cases.models import Case
from bot.home import service as home
from bot.offers.catalog import load_catalog
from bot.reminders.models import Reminder
from bot.slack import people
from bot.slack.blocks import home as home_blocks
from bot.slack.blocks import tracking as blocks
from bot.slack.case_thread import refresh_case_message
from bot.slack.home_sections import HomeContext
from bot.slack.ids import Action
from bot.slack.notify import Respond
from bot.slack.reminder_kinds import Rendered
from bot.slack.wiring import Wiring
from bot.tracking import digest
from bot.tracking import service as tracking
from bot.tracking.chart import chart_alt_text, chart_png
from bot.tracking.figures import Figures, figures

log = logging.getLogger(__name__)
DIGEST_EVERY = timedelta(minutes=1)


def register(wiring: Wiring) -> None:
    deps = wiring.deps

    def item_still_open(session: Any, reminder: Reminder, case: Case | None, now: datetime) -> str | None:
        return tracking.why_not_remind(session, reminder.payload.get("action_item_id"))

    @wiring.reminder_kinds.add(tracking.ACTION_ITEM_DUE, why_not=item_still_open, needs_open_case=False)
    def item_due(reminder: Reminder, case: Case | None) -> Rendered:
        with deps.db.transaction() as session:
            item = tracking.get_action_item(session, reminder.payload["action_item_id"])
            return blocks.due_reminder(item, cases.get_case(session, item.case_id))

    @wiring.surface.action(Action.ACTION_ITEM_DONE)
    def mark_done(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ref = blocks.ActionItemRef.decode(body["actions"][0].get("value"))
        user_id = body["user"]["id"]
        manager = people.is_manager(client, deps.config, user_id)
        with deps.db.transaction() as session:
            item, _changed = tracking.complete_action_item(session, ref.item_id, actor_id=user_id,
                                                           now=deps.clock.now(), is_manager=manager)
            case = cases.get_case(session, item.case_id)
        text, rendered = blocks.done(item, case)
        if body.get("response_url"):  # the reminder message; on the App Home, the Home refreshes by itself
            respond(text=text, blocks=rendered, replace_original=True)
        refresh_case_message(client, wiring, case.id)  # it lists the action items and how many are done

    _register_digest(wiring)
    _register_home(wiring)


HOME_ITEMS = 5  # overdue action items on a page of the App Home


def _register_home(wiring: Wiring) -> None:
    """Action items on the App Home: the overdue ones (a manager sees the team's, anyone else their own),
    then the person's own that are not due yet."""

    @wiring.home.add("overdue_action_items", order=30, max_blocks=home_blocks.list_blocks(HOME_ITEMS),
                     managers=True, associates=True)
    def overdue_items(ctx: HomeContext) -> list[Block]:
        owners = None if ctx.manager else [ctx.user_id]
        total = tracking.count_overdue_action_items(ctx.session, ctx.now, owners)
        page = home.paged(total, ctx.offset, HOME_ITEMS, lambda start: tracking.overdue_action_items(
            ctx.session, ctx.now, owners, offset=start, limit=HOME_ITEMS))
        case_of = {c.id: c for c in cases.get_cases(ctx.session, [i.case_id for i in page.items])}
        title = "Overdue action items" if ctx.manager else "Your overdue action items"
        return home_blocks.paged_list(ctx.section, title, page,
                                      lambda item: blocks.home_item(item, case_of[item.case_id], ctx.now))

    @wiring.home.add("upcoming_action_items", order=31, max_blocks=home_blocks.list_blocks(HOME_ITEMS),
                     managers=True, associates=True)
    def upcoming_items(ctx: HomeContext) -> list[Block]:
        """The person's own action items not yet overdue: what is coming, before it is late."""
        total = tracking.count_upcoming_action_items(ctx.session, ctx.now, ctx.user_id)
        page = home.paged(total, ctx.offset, HOME_ITEMS, lambda start: tracking.upcoming_action_items(
            ctx.session, ctx.now, ctx.user_id, offset=start, limit=HOME_ITEMS))
        case_of = {c.id: c for c in cases.get_cases(ctx.session, [i.case_id for i in page.items])}
        return home_blocks.paged_list(ctx.section, "Your action items", page,
                                      lambda item: blocks.home_item(item, case_of[item.case_id], ctx.now))


def _register_digest(wiring: Wiring) -> None:
    deps = wiring.deps
    config = deps.config
    zone = config.workspace.zone
    wiring.surface.uses_scopes("files:write", "im:history")

    catalog = load_catalog(config.playbooks)

    def week_figures(week: digest.DigestWeek) -> Figures:
        with deps.db.transaction() as session:
            return figures(session, start=week.start, end=week.end, currency=config.workspace.currency,
                           best=config.tracking.best_lessons, catalog=catalog)

    def schedule_due(now: datetime) -> None:
        """Schedule the latest week's digest for every manager who hasn't had it (cheap when all have)."""
        if not config.tracking.digest.enabled or not config.managers.configured:
            return
        week = digest.week_to_send(now, config.tracking.digest, zone)
        if week is None:
            return
        listed = set(config.managers.users)
        with deps.db.transaction() as session:
            done = digest.scheduled_for(session, week)
        if done and listed <= done:
            return  # the user group was looked up when this week's digests were first scheduled
        recipients = listed | (people.usergroup_members(wiring.surface.app.client, config.managers.usergroup)
                               if config.managers.usergroup else set())
        with deps.db.transaction() as session:
            added = digest.schedule(session, week, recipients - done, now)
        if added:
            log.info("weekly digest %s scheduled for %d manager(s)", week.label, len(added))

    def render(reminder: Reminder, case: Case | None) -> Rendered:
        return blocks.digest(week_figures(digest.DigestWeek.from_payload(reminder.payload)), zone)

    def upload_chart(client: WebClient, reminder_id: int, payload: dict[str, Any], channel: str, ts: str) -> None:
        week = digest.DigestWeek.from_payload(payload)
        filename = f"amends-digest-{week.label}.png"
        later = client.conversations_history(channel=channel, oldest=ts, limit=50).get("messages") or []
        if any(f.get("name") == filename for message in later for f in message.get("files") or []):
            return  # uploaded before a crash or a lost answer: once is enough
        found = week_figures(week)
        if not found.opened and not found.resolved:
            return  # an empty chart says nothing the message doesn't
        title = f"Amends weekly digest · {blocks.period(found, zone)}"
        client.files_upload_v2(channel=channel, content=chart_png(found, title), filename=filename, title=title,
                               alt_txt=chart_alt_text(found))

    wiring.reminder_kinds.add(digest.KIND, needs_open_case=False, after_post=upload_chart)(render)
    if deps.ticker is not None:
        deps.ticker.every(DIGEST_EVERY, "weekly-digest")(schedule_due)
