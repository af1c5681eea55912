"""Drafting in Slack: "Draft message" opens a modal (channel, template, the draft to edit, tone hints);
saving posts the draft in the case thread, ready to copy; "Mark as sent" records the customer contact.

Other areas open a draft with `open_draft_modal(client, wiring, case_id, trigger_id, template=...)`
(e.g. reminders' "Update sent" opens the status update) or run the "draft_message" case action.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cases import service as cases
from bot.cases.causes import PromiseKind
from bot.changes import RecordedEvent
from bot.drafting import service
from bot.drafting.composer import Drafting, drafting_for, fingerprint
from bot.drafting.context import Associate, customer_zone
from bot.drafting.dates import CaseDates, case_dates
from bot.drafting.models import Draft
from bot.drafting.templates import CUSTOMER_CHANNELS, Channel, Rendered, TemplateProblem, TemplateRef
from bot.errors import InvalidInput, StorageUnavailable
from bot.offers import service as offers
from bot.slack import forms
from bot.slack.blocks import drafting as blocks
from bot.slack.blocks import offers as offer_blocks
from bot.slack.blocks.drafting import DraftModalMeta, DraftRef, DraftScreen, PostedDraft
from bot.slack.case_actions import CaseActionCall
from bot.slack.ids import Action, Callback, DraftField
from bot.slack.notify import Respond, dm, tell
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)

# Answers to views.update that only mean the person moved on (closed the modal, or changed it again).
GONE = {"hash_conflict", "not_found", "view_not_found"}


def register(wiring: Wiring) -> None:
    deps = wiring.deps
    surface = wiring.surface
    surface.uses_scopes("users:read", "users:read.email")  # the associate's name, phone and email
    drafting_for(deps.config)  # load templates and rules now: a problem shows at start, not at first click

    @wiring.case_actions.add("draft_message", label="Draft message", on_case_message=True, order=30)
    def draft_message(call: CaseActionCall) -> None:
        # From a reminder's "Update sent", the update is what needs writing down.
        template = "status_update" if call.source == "reminder" else None
        open_draft_modal(call.client, wiring, call.case_id, call.trigger_id, template, user_id=call.user_id)

    @surface.action(Action.DRAFT_CHANNEL)
    def change_channel(body: dict[str, Any], client: WebClient) -> None:
        meta = DraftModalMeta.decode(body["view"].get("private_metadata"))
        channel = Channel(body["actions"][0]["selected_option"]["value"])
        _redraft(client, wiring, body, meta.model_copy(update={"channel": channel}))

    @surface.action(Action.DRAFT_TEMPLATE)
    def change_template(body: dict[str, Any], client: WebClient) -> None:
        meta = DraftModalMeta.decode(body["view"].get("private_metadata"))
        template = body["actions"][0]["selected_option"]["value"]
        _redraft(client, wiring, body, meta.model_copy(update={"template": template}))

    @surface.action(Action.DRAFT_PERSONAL)
    def change_personal(body: dict[str, Any], client: WebClient) -> None:
        meta = DraftModalMeta.decode(body["view"].get("private_metadata"))
        personal = bool(body["actions"][0].get("selected_options"))
        _redraft(client, wiring, body, meta.model_copy(update={"personal": personal}))

    @surface.action(Action.DRAFT_KIND)
    def change_kind(body: dict[str, Any], client: WebClient) -> None:
        """The associate corrects what kind of promise it is; the draft is worded for it afresh."""
        meta = DraftModalMeta.decode(body["view"].get("private_metadata"))
        kind = PromiseKind(body["actions"][0]["selected_option"]["value"])
        with deps.db.transaction() as session:
            cases.change_promise_kind(session, meta.case_id, kind, actor_id=body["user"]["id"],
                                      now=deps.clock.now())
        _redraft(client, wiring, body, meta)

    @surface.action(Action.DRAFT_CHECK_TONE)
    def check_tone(body: dict[str, Any], client: WebClient) -> None:
        """The tone check on what the associate has typed so far (Slack sends it with the click)."""
        view = body["view"]
        meta = DraftModalMeta.decode(view.get("private_metadata"))
        subject, text = _typed(view, meta)
        drafting = drafting_for(deps.config)
        case = _load_case(wiring, meta.case_id)
        hints = drafting.check(Rendered(subject, text).text, channel=meta.channel, template=meta.template,
                               language=meta.language, dates=_dates(wiring, case))
        screen = _screen(drafting, case, meta, subject, text, hints)
        _update(client, view, blocks.draft_modal(screen, deps.config))

    def post_saved(context: BoltContext, client: WebClient) -> None:
        if "draft_id" in context:  # absent when the submission was answered with field errors
            post_draft(client, wiring, context["draft_id"])
            if context.get("replaced_draft_id"):  # the copy it replaces loses its buttons
                refresh_draft_message(client, wiring, context["replaced_draft_id"])

    @surface.view_submission(Callback.DRAFT_MESSAGE, then=post_saved)
    def save(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        meta = DraftModalMeta.decode(view.get("private_metadata"))
        subject, text = _typed(view, meta)
        drafting = drafting_for(deps.config)
        hints = drafting.check(Rendered(subject, text).text, channel=meta.channel, template=meta.template,
                               language=meta.language, dates=_dates(wiring, _load_case(wiring, meta.case_id)))
        edited = meta.edited or fingerprint(subject, text) != meta.fingerprint
        try:
            with deps.db.transaction() as session:
                draft = service.save_draft(session, meta.case_id, template=meta.template, channel=meta.channel,
                                           subject=subject, body=text, edited=edited, hints=hints,
                                           author_id=body["user"]["id"], now=deps.clock.now(),
                                           replaces=meta.replaces)
                case = cases.get_case(session, meta.case_id)
        except InvalidInput as exc:
            ack(response_action="errors", errors=blocks.field_errors(exc.fields, meta.revision))
            return
        except StorageUnavailable as exc:
            ack(response_action="errors", errors=blocks.field_errors({"body": exc.user_message}, meta.revision))
            return
        ack(response_action="update", view=blocks.saved_modal(case, hints, has_thread=case.has_thread))
        context["draft_id"] = draft.id
        context["replaced_draft_id"] = meta.replaces

    @surface.action(Action.DRAFT_MARK_SENT)
    def mark_sent(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ref = DraftRef.decode(body["actions"][0].get("value"))
        user_id = body["user"]["id"]
        try:
            with deps.db.transaction() as session:
                service.mark_sent(session, ref.draft_id, actor_id=user_id, now=deps.clock.now(),
                                  lifecycle=deps.lifecycle)
        except (service.AlreadySent, service.DraftReplaced) as exc:
            tell(client, user_id, f":information_source: {exc.user_message}",
                 respond=respond if body.get("response_url") else None)
            refresh_draft_message(client, wiring, ref.draft_id)
            return
        refresh_draft_message(client, wiring, ref.draft_id)

    @surface.action(Action.DRAFT_EDIT)
    def edit(body: dict[str, Any], client: WebClient) -> None:
        ref = DraftRef.decode(body["actions"][0].get("value"))
        with deps.db.transaction() as session:
            draft = service.get_draft(session, ref.draft_id)
        if draft.replaced_by is not None:  # an old copy's button, from before its buttons were retired
            refresh_draft_message(client, wiring, ref.draft_id)
            raise service.DraftReplaced(draft)
        open_draft_modal(client, wiring, draft.case_id, body["trigger_id"], draft.template,
                         user_id=body["user"]["id"], channel=Channel(draft.channel), from_draft=draft)


# ---------------------------------------------------------------------- for other areas


def open_draft_modal(client: WebClient, wiring: Wiring, case_id: int, trigger_id: str | None,
                     template: str | None = None, *, user_id: str | None = None, channel: Channel | None = None,
                     from_draft: Draft | None = None) -> None:
    """Open the draft modal for a case. `template` (e.g. "status_update") and `channel` default to what
    the case needs next; the message is signed by `user_id` (default: the case owner). `from_draft`
    reopens a saved draft's text instead of rendering the template."""
    if not trigger_id:
        raise InvalidInput("Slack didn't let me open the draft from here. Use *Draft message* on the case.")
    deps = wiring.deps
    drafting = drafting_for(deps.config)
    if user_id is None:
        user_id = _load_case(wiring, case_id).owner_id
    associate = _associate(client, user_id)
    screen = _compose(wiring, drafting, case_id, associate, template=template, channel=channel)
    if from_draft is not None:
        text = from_draft.body
        meta = screen.meta.model_copy(update={"fingerprint": fingerprint(from_draft.subject, text),
                                              "edited": from_draft.edited, "replaces": from_draft.id})
        screen = _screen(drafting, screen.case, meta, from_draft.subject, text, service.stored_hints(from_draft),
                         offer_line=screen.offer_line)
    client.views_open(trigger_id=trigger_id, view=blocks.draft_modal(screen, deps.config))


def post_draft(client: WebClient, wiring: Wiring, draft_id: int) -> None:
    """Post a saved draft in its case thread (or the author's DM when the case has no thread)."""
    deps = wiring.deps
    draft, case, shown = _posted(wiring, draft_id)
    text, rendered = blocks.draft_message(shown, case, deps.config)
    if case.has_thread:
        posted = client.chat_postMessage(channel=case.channel_id, thread_ts=case.message_ts, text=text,
                                         blocks=rendered, unfurl_links=False)
    else:
        posted = dm(client, draft.author_id, text, blocks=rendered)
    with deps.db.transaction() as session:
        draft = service.record_posted(session, draft_id, channel_id=posted["channel"], ts=posted["ts"])
        marked_meanwhile = draft.sent_at is not None
    # "Mark as sent" may have been clicked between the post and the line above; it could not update a
    # message whose place wasn't saved yet, so show it now. Whichever of the two commits last sees both.
    if marked_meanwhile:
        refresh_draft_message(client, wiring, draft_id)


def refresh_draft_message(client: WebClient, wiring: Wiring, draft_id: int) -> None:
    """Show a posted draft as it now stands (e.g. marked as sent)."""
    draft, case, shown = _posted(wiring, draft_id)
    if draft.posted_channel and draft.posted_ts:
        text, rendered = (blocks.erased_draft_message(shown) if case.personal_data_erased_at
                          else blocks.draft_message(shown, case, wiring.deps.config))
        client.chat_update(channel=draft.posted_channel, ts=draft.posted_ts, text=text, blocks=rendered)


def refresh_posted_drafts(client: WebClient, wiring: Wiring, event: RecordedEvent) -> None:
    """A case follow-up: every draft posted in the thread shows what it now is (its text erased with the
    customer's personal data)."""
    with wiring.deps.db.transaction() as session:
        posted = [d.id for d in service.drafts_for(session, event.case_id) if d.posted_ts]
    for draft_id in posted:
        refresh_draft_message(client, wiring, draft_id)


# ---------------------------------------------------------------------- helpers


def _compose(wiring: Wiring, drafting: Drafting, case_id: int, associate: Associate, *, template: str | None,
             channel: Channel | None, revision: int = 0, personal: bool = False) -> DraftScreen:
    deps = wiring.deps
    with deps.db.transaction() as session:
        try:
            case, composed = service.compose_for_case(session, drafting, case_id, config=deps.config,
                                                      associate=associate, now=deps.clock.now(),
                                                      template=template, channel=channel, personal_care=personal)
        except TemplateProblem as exc:
            case = cases.get_case(session, case_id)
            channel = channel or service.suggested_channel(session, case_id)
            ref = drafting.choose(template or service.suggested_template(case), channel)
            meta = DraftModalMeta(case_id=case_id, template=ref.name, channel=channel, revision=revision,
                                  personal=personal)
            return _screen(drafting, case, meta, None, "", [], problem=exc.user_message)
        offer_line = _offer_line(session, deps.config, case_id)
    rendered = composed.rendered
    meta = DraftModalMeta(case_id=case_id, template=composed.ref.name, channel=composed.ref.channel,
                          revision=revision, fingerprint=composed.fingerprint, personal=personal,
                          language=composed.ref.language)
    return _screen(drafting, case, meta, rendered.subject, rendered.body, composed.hints, note=composed.note,
                   offer_line=offer_line)


def _offer_line(session: Any, config: Any, case_id: int) -> str | None:
    """Which offer the draft speaks of: the current one, approved (earlier, replaced ones are left out)."""
    offer = offers.latest_offered(session, case_id)
    earlier = offers.count_replaced(session, offer) if offer is not None else 0
    return offer_blocks.draft_offer_line(offer, offers.money(config), config.workspace.zone, earlier=earlier)


def _screen(drafting: Drafting, case: Any, meta: DraftModalMeta, subject: str | None, body: str,
            hints: Any, problem: str | None = None, note: str | None = None,
            offer_line: str | None = None) -> DraftScreen:
    channels = [c for c in CUSTOMER_CHANNELS if drafting.library.refs(c)]
    templates: list[TemplateRef] = drafting.library.refs(meta.channel)
    return DraftScreen(case=case, channels=channels, templates=templates, meta=meta, subject=subject, body=body,
                       hints=list(hints), problem=problem, note=note, offer_line=offer_line)


def _redraft(client: WebClient, wiring: Wiring, body: dict[str, Any], meta: DraftModalMeta) -> None:
    """Render the newly picked channel or template into the open modal (the typed text is replaced)."""
    drafting = drafting_for(wiring.deps.config)
    associate = _associate(client, body["user"]["id"])
    screen = _compose(wiring, drafting, meta.case_id, associate, template=meta.template, channel=meta.channel,
                      revision=meta.revision + 1, personal=meta.personal)
    _update(client, body["view"], blocks.draft_modal(screen, wiring.deps.config))


def _update(client: WebClient, view: dict[str, Any], new_view: dict[str, Any]) -> None:
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
    except SlackApiError as exc:
        if exc.response.get("error") not in GONE:
            raise
        log.info("draft modal %s moved on before the update: %s", view.get("id"), exc.response.get("error"))


def _typed(view: dict[str, Any], meta: DraftModalMeta) -> tuple[str | None, str]:
    values = forms.read_values(view)
    subject = values.get(DraftField.SUBJECT.at(meta.revision)) if meta.channel is Channel.EMAIL else None
    return subject, values.get(DraftField.BODY.at(meta.revision)) or ""


def _associate(client: WebClient, user_id: str) -> Associate:
    """Who signs the message, from their Slack profile: name, and phone or email for a direct line."""
    user = client.users_info(user=user_id)["user"]
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name")
    return Associate(user_id, name or "", phone=profile.get("phone") or None, email=profile.get("email") or None)


def _dates(wiring: Wiring, case: Any) -> CaseDates | None:
    return case_dates(case, customer_zone(case, wiring.deps.config), wiring.deps.clock.now())


def _load_case(wiring: Wiring, case_id: int) -> Any:
    with wiring.deps.db.transaction() as session:
        return cases.get_case(session, case_id)


def _posted(wiring: Wiring, draft_id: int) -> tuple[Draft, Any, PostedDraft]:
    with wiring.deps.db.transaction() as session:
        draft = service.get_draft(session, draft_id)
        case = cases.get_case(session, draft.case_id)
    drafting = drafting_for(wiring.deps.config)
    channel = Channel(draft.channel)
    ref = drafting.library.find(draft.template, channel)
    label = ref.label if ref else draft.template.replace("_", " ").capitalize()
    shown = PostedDraft(draft_id=draft.id, channel=channel, template_label=label, subject=draft.subject,
                        body=draft.body, edited=draft.edited, author_id=draft.author_id,
                        hints=service.stored_hints(draft), sent_by=draft.sent_by, sent_at=draft.sent_at,
                        replaced=draft.replaced_by is not None and draft.sent_at is None)
    return draft, case, shown
