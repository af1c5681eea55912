"""Offers in Slack: "Offer alternatives" (a case action: button on the case message and playbook step),
approval requests with Approve / Deny / Approve a different amount, the escalation of an undecided
request (the `approval_waiting` reminder kind), and "Record choice" (a case action too).

Who decides: `offers.approvers` (users and a user group); without approvers configured, the managers.
Anyone else who clicks (including the people an undecided request is escalated to, unless they are
approvers) gets an ephemeral refusal and nothing changes. A decision is taken once (bot.offers.service
.decide); every copy of the request message then shows it, the associate hears it by DM, and the case
thread and event log record it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.cases import service as cases
from bot.cases.models import Case
from bot.errors import AmendsError, InvalidInput, NotAllowed, StorageUnavailable
from bot.home import service as home
from bot.knowledge.cases import similar_cases
from bot.offers import service
from bot.offers.budget import budget_for
from bot.offers.catalog import Catalog, Role, load_catalog
from bot.offers.models import Decision, Offer, OfferItem, OfferState
from bot.offers.service import AlreadyDecided
from bot.reminders.models import Reminder
from bot.slack import forms
from bot.slack.blocks import home as home_blocks
from bot.slack.blocks import offers as blocks
from bot.slack.blocks.offers import CaseMeta, OfferAction, OfferCallback, OfferField, OfferRef
from bot.slack.case_actions import CaseActionCall
from bot.slack.case_thread import post_in_thread, refresh_case_message
from bot.slack.home_sections import HomeContext
from bot.slack.notify import Respond, dm, tell
from bot.slack.people import in_role, is_manager, manager_mentions, usergroup_members
from bot.slack.playbooks import publish_checklist
from bot.slack.reminder_kinds import Rendered
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)

HOME_APPROVALS = 4  # requests on a page of an approver's App Home
SIMILAR_CASES = 10  # past cases the best-practices search finds similar count more in the ranking
GONE = {"message_not_found", "channel_not_found", "cant_update_message", "is_archived"}


def register(wiring: Wiring) -> None:
    OffersArea(wiring, load_catalog(wiring.deps.config.playbooks)).register()


class OffersArea:
    def __init__(self, wiring: Wiring, catalog: Catalog) -> None:
        self.wiring = wiring
        self.deps = wiring.deps
        self.config = wiring.deps.config
        self.catalog = catalog
        self.money = service.money(self.config)
        self.zone = self.config.workspace.zone

    def register(self) -> None:
        surface, actions = self.wiring.surface, self.wiring.case_actions
        self.deps.case_message_sections.append(self.offer_section)
        actions.add("offer_alternatives", label="Offer alternatives", on_case_message=True, order=20)(self.open_offer)
        actions.add("record_choice", label="Record choice", on_case_message=True, order=40)(self.open_choice)
        surface.view_submission(OfferCallback.OFFER, then=self.after_offer)(self.submit_offer)
        surface.action(OfferAction.APPROVE)(self.on_approve)
        surface.action(OfferAction.DENY)(self.on_deny)
        surface.action(OfferAction.COUNTER)(self.on_counter)
        surface.view_submission(OfferCallback.COUNTER, then=self.after_counter)(self.submit_counter)
        surface.view_submission(OfferCallback.CHOICE, then=self.after_choice)(self.submit_choice)
        self.wiring.reminder_kinds.add(service.APPROVAL_WAITING, why_not=self.escalation_why_not,
                                       after_sent=self.escalation_sent,
                                       after_post=self.escalation_posted)(self.render_escalation)
        self.wiring.home.add("approvals", order=5, max_blocks=home_blocks.list_blocks(HOME_APPROVALS, per_row=2),
                             managers=True, associates=True)(self.home_approvals)

    def home_approvals(self, ctx: HomeContext) -> list[Block]:
        """Requests waiting for this person's decision, first on their App Home (approvers need not be managers;
        anyone else has none, and the section is left out)."""
        total = service.count_pending_approvals(ctx.session, ctx.user_id)
        page = home.paged(total, ctx.offset, HOME_APPROVALS, lambda start: service.pending_approvals(
            ctx.session, ctx.user_id, offset=start, limit=HOME_APPROVALS))
        return home_blocks.paged_list(ctx.section, "Approvals waiting for you", page,
                                      lambda waiting: blocks.home_approval(waiting, self.money, self.zone))

    # ------------------------------------------------------------------ who is who

    def approvers(self, client: WebClient) -> list[str]:
        """Everyone who may decide a request, in the order they are configured."""
        offers, managers = self.config.offers, self.config.managers
        people = list(offers.approvers.users) if offers.approvers.configured else list(managers.users)
        group = offers.approvers.usergroup if offers.approvers.configured else managers.usergroup
        if group:
            people += sorted(usergroup_members(client, group))
        return list(dict.fromkeys(people))

    def is_approver(self, client: WebClient, user_id: str) -> bool:
        offers, managers = self.config.offers, self.config.managers
        if offers.approvers.configured:
            return in_role(client, user_id, users=offers.approvers.users, usergroup=offers.approvers.usergroup)
        return in_role(client, user_id, users=managers.users, usergroup=managers.usergroup)

    def role(self, client: WebClient, user_id: str) -> Role:
        if self.is_approver(client, user_id):
            return Role.APPROVER
        return Role.MANAGER if is_manager(client, self.config, user_id) else Role.ASSOCIATE

    def refuse(self) -> NotAllowed:
        who = ", ".join(f"<@{u}>" for u in self.config.offers.approvers.users) or "the configured approvers"
        return NotAllowed(f"Only approvers can decide offers ({who}). Nothing was changed.")

    # ------------------------------------------------------------------ offering

    def open_offer(self, call: CaseActionCall) -> None:
        role = self.role(call.client, call.user_id)
        with self.deps.db.transaction() as session:
            case = cases.get_case(session, call.case_id)
            similar = [e.case_id for e in similar_cases(session, self.deps.search(), case, limit=SIMILAR_CASES)
                       if e.case_id is not None]
            choices = service.choices_for(session, call.case_id, catalog=self.catalog, role=role, config=self.config,
                                          now=self.deps.clock.now(), similar_ids=similar)
        if not choices.case.is_open:
            call.reply(f":information_source: {choices.case.ref} is resolved; reopen it to offer anything.")
            return
        approvers = self.approvers(call.client) if role is not Role.APPROVER else []
        call.client.views_open(trigger_id=call.trigger_id, view=blocks.offer_modal(choices, self.money, approvers))

    def submit_offer(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
                     client: WebClient) -> None:
        meta = CaseMeta.decode(view.get("private_metadata"))
        values = forms.read_values(view)
        user_id = body["user"]["id"]
        role = self.role(client, user_id)
        approvers = self.approvers(client) if role is not Role.APPROVER else []

        def save(session: Any) -> tuple[int, dict[str, Any]]:
            offer = service.make_offer(
                session, meta.case_id, alternatives=values.get(OfferField.ALTERNATIVES) or [],
                incentive=values.get(OfferField.INCENTIVE), note=values.get(OfferField.NOTE), actor_id=user_id,
                role=role, catalog=self.catalog, config=self.config, now=self.deps.clock.now(), approvers=approvers)
            return offer.id, blocks.offer_done_modal(cases.get_case(session, meta.case_id), offer, self.money)

        saved = self.answer(ack, save, blocks.OFFER_FIELDS, OfferField.ALTERNATIVES, "Nothing offered")
        if saved is not None:
            context["offer_id"] = saved

    def after_offer(self, context: BoltContext, client: WebClient) -> None:
        if "offer_id" not in context:
            return
        offer, case = self.load(context["offer_id"])
        if offer.state == OfferState.AWAITING_APPROVAL:
            self.send_request(client, offer, case)
            if case.has_thread:
                who = ", ".join(f"<@{a}>" for a in offer.approvers[:10])
                post_in_thread(client, case, f":hourglass_flowing_sand: <@{offer.made_by}> asked {who} to approve an "
                                             f"offer on *{case.ref}* (it may cost {self.money(offer.exposure)}, over "
                                             "what they may give alone).")
            return
        self.note_offered(client, offer, case)

    def note_offered(self, client: WebClient, offer: Offer, case: Case) -> None:
        """The thread shows the current offer (and marks the one it replaced), the case message says what is
        on offer now."""
        if case.has_thread:
            with self.deps.db.transaction() as session:
                replaces = service.replaced_by(session, offer)
            button = self.wiring.case_actions.button("record_choice", case, source="offer")
            text, rendered = blocks.offer_note(case, offer, self.money, self.zone, button, replaces=replaces)
            posted = post_in_thread(client, case, text, blocks=rendered)
            with self.deps.db.transaction() as session:
                service.record_note(session, offer.id, channel=posted["channel"], ts=posted["ts"])
            if replaces is not None and replaces.note_channel and replaces.note_ts:
                text, rendered = blocks.replaced_note(case, replaces, offer, self.money, self.zone)
                try:
                    client.chat_update(channel=replaces.note_channel, ts=replaces.note_ts, text=text, blocks=rendered)
                except SlackApiError as exc:
                    if exc.response.get("error") not in GONE:
                        raise
            refresh_case_message(client, self.wiring, case.id)
        publish_checklist(client, self.wiring, case.id)

    def offer_section(self, case: Case) -> list[str]:
        """The case message's line about the current offer (a case message section)."""
        if not case.is_open:
            return []
        with self.deps.db.transaction() as session:
            offer = service.latest_offered(session, case.id)
            if offer is None:
                return []
            earlier = service.count_replaced(session, offer)
            return [blocks.current_offer_section(offer, self.money, self.zone, earlier=earlier)]

    def send_request(self, client: WebClient, offer: Offer, case: Case) -> None:
        """Post the request where the approvers decide: the approvals channel, else each approver's DM."""
        channel = self.config.offers.approvers.channel
        posted: list[tuple[str, str]] = []
        if channel:
            mentions = [f"<@{a}>" for a in offer.approvers[:20]]
            text, rendered = blocks.approval_request(case, offer, self.money, self.zone, mentions=mentions)
            answer = client.chat_postMessage(channel=channel, text=text, blocks=rendered, unfurl_links=False)
            posted.append((answer["channel"], answer["ts"]))
        else:
            text, rendered = blocks.approval_request(case, offer, self.money, self.zone)
            for approver in offer.approvers:
                try:
                    answer = dm(client, approver, text, blocks=rendered)
                except SlackApiError as exc:  # one unreachable approver must not keep it from the others
                    log.warning("could not send approval request %s to %s: %s", offer.id, approver,
                                exc.response.get("error"))
                    continue
                posted.append((answer["channel"], answer["ts"]))
        with self.deps.db.transaction() as session:
            offer = service.record_messages(session, offer.id, posted)
            decided_meanwhile = offer.state != OfferState.AWAITING_APPROVAL
        if decided_meanwhile:  # a click landed before the places were saved: show the decision there too
            self.refresh_requests(client, offer.id)

    # ------------------------------------------------------------------ deciding

    def on_approve(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        self.decide_click(body, client, respond, Decision.APPROVED)

    def on_deny(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        self.decide_click(body, client, respond, Decision.DENIED)

    def decide_click(self, body: dict[str, Any], client: WebClient, respond: Respond, decision: Decision) -> None:
        ref = OfferRef.decode(body["actions"][0].get("value"))
        user_id = body["user"]["id"]
        if not self.is_approver(client, user_id):
            raise self.refuse()
        try:
            with self.deps.db.transaction() as session:
                service.decide(session, ref.offer_id, decision, actor_id=user_id, now=self.deps.clock.now(),
                               show=self.money)
        except AlreadyDecided as exc:
            tell(client, user_id, f":information_source: {exc.user_message}",
                 respond=respond if body.get("response_url") else None)
            self.refresh_requests(client, ref.offer_id)
            return
        self.after_decision(client, ref.offer_id)

    def on_counter(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ref = OfferRef.decode(body["actions"][0].get("value"))
        user_id = body["user"]["id"]
        if not self.is_approver(client, user_id):
            raise self.refuse()
        offer, case = self.load(ref.offer_id)
        if offer.state != OfferState.AWAITING_APPROVAL:
            tell(client, user_id, f":information_source: {AlreadyDecided(offer).user_message}",
                 respond=respond if body.get("response_url") else None)
            return
        client.views_open(trigger_id=body["trigger_id"], view=blocks.counter_modal(offer, case, self.money))

    def submit_counter(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
                       client: WebClient) -> None:
        ref = OfferRef.decode(view.get("private_metadata"))
        values = forms.read_values(view)
        user_id = body["user"]["id"]
        if not self.is_approver(client, user_id):  # again: someone may have left the group meanwhile
            ack(response_action="update", view=blocks.message_modal("Nothing changed", self.refuse().user_message))
            return

        def save(session: Any) -> tuple[int, dict[str, Any]]:
            offer = service.decide(session, ref.offer_id, Decision.APPROVED_DIFFERENT, actor_id=user_id,
                                   now=self.deps.clock.now(), show=self.money, amount=values.get(OfferField.AMOUNT),
                                   note=values.get(OfferField.COUNTER_NOTE), locale=self.config.workspace.locale)
            return offer.id, blocks.message_modal("Decided", blocks.decision_line(offer, self.money, self.zone))

        decided = self.answer(ack, save, blocks.COUNTER_FIELDS, OfferField.AMOUNT, "Nothing changed")
        # Decided now, or by someone else first: either way every copy of the request shows the decision.
        context["decided_offer_id" if decided is not None else "refresh_offer_id"] = ref.offer_id

    def answer(self, ack: Ack, save: Callable[[Any], tuple[Any, dict[str, Any]]], fields: dict[str, OfferField],
               default: OfferField, refused: str) -> Any:
        """Save a modal's submission before answering it: `save(session)` returns (a result, the view to show).
        Input problems keep the modal open with field errors; a refusal (resolved case, decided meanwhile)
        replaces it with why. Returns the result, or None when nothing was saved."""
        try:
            with self.deps.db.transaction() as session:
                result, view = save(session)
        except InvalidInput as exc:
            ack(response_action="errors", errors=blocks.field_errors(exc.fields, fields, default))
            return None
        except StorageUnavailable as exc:
            ack(response_action="errors", errors={default.value: exc.user_message})
            return None
        except AmendsError as exc:
            ack(response_action="update", view=blocks.message_modal(refused, f":warning: {exc.user_message}"))
            return None
        ack(response_action="update", view=view)
        return result

    def after_counter(self, context: BoltContext, client: WebClient) -> None:
        if "decided_offer_id" in context:
            self.after_decision(client, context["decided_offer_id"])
        elif "refresh_offer_id" in context:
            self.refresh_requests(client, context["refresh_offer_id"])

    def after_decision(self, client: WebClient, offer_id: int) -> None:
        """Every copy of the request shows the decision, the associate hears it, the thread records it."""
        self.refresh_requests(client, offer_id)
        offer, case = self.load(offer_id)
        notice = blocks.decision_notice(case, offer, self.money, self.zone)
        again = (self.wiring.case_actions.button("offer_alternatives", case, source="decision")
                 if offer.decision != Decision.APPROVED and case.is_open else None)
        dm(client, offer.made_by, notice, blocks=blocks.notice_blocks(notice, again))
        if offer.state == OfferState.OFFERED:
            self.note_offered(client, offer, case)
        elif case.has_thread:
            post_in_thread(client, case, f"{blocks.decision_line(offer, self.money, self.zone)} "
                                         f"(offer by <@{offer.made_by}> on *{case.ref}*)")

    def refresh_requests(self, client: WebClient, offer_id: int) -> None:
        offer, case = self.load(offer_id)
        if offer.state == OfferState.AWAITING_APPROVAL:
            return
        text, rendered = blocks.decided(case, offer, self.money, self.zone)
        for place in offer.messages:
            try:
                client.chat_update(channel=place["channel"], ts=place["ts"], text=text, blocks=rendered)
            except SlackApiError as exc:
                if exc.response.get("error") not in GONE:
                    raise
                log.info("approval request %s message gone: %s", offer_id, exc.response.get("error"))

    # ------------------------------------------------------------------ escalation (a reminder kind)

    def escalation_why_not(self, session: Any, reminder: Reminder, case: Case | None, now: Any) -> str | None:
        offer = session.get(Offer, reminder.payload.get("offer_id"))
        if offer is None or offer.state != OfferState.AWAITING_APPROVAL:
            return "decided"
        return None

    def render_escalation(self, reminder: Reminder, case: Case | None) -> Rendered:
        assert case is not None
        offer, _ = self.load(int(reminder.payload["offer_id"]))
        targets = [f"<@{u}>" for u in self.config.offers.escalate_to] or manager_mentions(self.config)
        mentions = list(dict.fromkeys([*targets, *(f"<@{a}>" for a in offer.approvers[:10])]))
        text, rendered = blocks.approval_request(case, offer, self.money, self.zone, mentions=mentions, escalated=True)
        return Rendered(text, rendered)

    def escalation_posted(self, client: WebClient, reminder_id: int, payload: dict[str, Any], channel: str,
                          ts: str) -> None:
        """The escalation is one more copy of the request: remember it, so the decision replaces its buttons
        too; if the decision landed while it was being posted, show it there now."""
        offer_id = int(payload["offer_id"])
        with self.deps.db.transaction() as session:
            offer = service.record_messages(session, offer_id, [(channel, ts)])
            decided_meanwhile = offer.state != OfferState.AWAITING_APPROVAL
        if decided_meanwhile:
            self.refresh_requests(client, offer_id)

    def escalation_sent(self, session: Any, sent: list[tuple[Reminder, Case | None]], now: Any) -> None:
        for reminder, _ in sent:
            service.record_escalated(session, int(reminder.payload["offer_id"]), now=now)

    # ------------------------------------------------------------------ the customer's choice

    def open_choice(self, call: CaseActionCall) -> None:
        now = self.deps.clock.now()
        with self.deps.db.transaction() as session:
            case = cases.get_case(session, call.case_id)
            offer = service.latest_offered(session, call.case_id)
            if offer is not None:
                list(offer.items)  # loaded while the session is open
            budget = budget_for(case, self.config, now).amount
        if not case.is_open:
            call.reply(f":information_source: {case.ref} is resolved; reopen it to change what was recorded.")
            return
        call.client.views_open(trigger_id=call.trigger_id, view=blocks.choice_modal(case, offer, self.money, budget))

    def submit_choice(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        meta = CaseMeta.decode(view.get("private_metadata"))
        values = forms.read_values(view)

        def save(session: Any) -> tuple[str, dict[str, Any]]:
            row = service.record_choice(
                session, meta.case_id, choice=values.get(OfferField.CHOICE),
                item_id=values.get(OfferField.ALTERNATIVE), gesture=values.get(OfferField.GESTURE),
                final_cost=values.get(OfferField.FINAL_COST), note=values.get(OfferField.CHOICE_NOTE),
                actor_id=body["user"]["id"], config=self.config, now=self.deps.clock.now())
            item = session.get(OfferItem, row.item_id) if row.item_id else None
            text = blocks.choice_text(cases.get_case(session, meta.case_id), row, item, self.money)
            return text, blocks.recorded_modal(text)

        text = self.answer(ack, save, blocks.CHOICE_FIELDS, OfferField.CHOICE, "Nothing recorded")
        if text is not None:
            context["choice_case_id"] = meta.case_id
            context["choice_text"] = text

    def after_choice(self, context: BoltContext, client: WebClient) -> None:
        if "choice_case_id" not in context:
            return
        case_id = context["choice_case_id"]
        case = self.load_case(case_id)
        if case.has_thread:
            post_in_thread(client, case, context["choice_text"])
        publish_checklist(client, self.wiring, case_id)

    # ------------------------------------------------------------------ helpers

    def load(self, offer_id: int) -> tuple[Offer, Case]:
        with self.deps.db.transaction() as session:
            offer = service.get_offer(session, offer_id)
            list(offer.items)  # loaded while the session is open
            return offer, cases.get_case(session, offer.case_id)

    def load_case(self, case_id: int) -> Case:
        with self.deps.db.transaction() as session:
            return cases.get_case(session, case_id)
