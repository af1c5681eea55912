"""Block Kit for cases: the intake modal, the case message, the manager ping, DMs and lists."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DateTimePickerElement,
    InputBlock,
    PlainTextInputElement,
    StaticSelectElement,
)

from bot.cases.achievable import Achievable, earlier_than_achievable, lead_times_for, recorded
from bot.cases.causes import Cause, CauseDetail, PromiseKind
from bot.cases.intake import MAX_TEXT
from bot.cases.models import Case, Outcome
from bot.cases.severity import Severity
from bot.drafting.composer import drafting_for, language_name, workspace_language
from bot.money import format_amount
from bot.settings import AmendsConfig
from bot.slack import forms
from bot.slack.blocks import base
from bot.slack.ids import Action, Callback, IntakeField
from bot.slack.metadata import BUTTON_VALUE_LIMIT, CaseRef, IntakeMeta, seal_for_view
from bot.text import escape_mrkdwn, one_line

INTAKE_TITLE = "A promise is at risk"


# ---------------------------------------------------------------------- intake modal


def _text_input(field: IntakeField, label: str, *, placeholder: str, multiline: bool = False,
                optional: bool = False, initial: str | None = None, hint: str | None = None) -> InputBlock:
    element = PlainTextInputElement(
        action_id=field, multiline=multiline, max_length=MAX_TEXT,
        placeholder=base.plain(placeholder), initial_value=initial[:MAX_TEXT] if initial else None,
    )
    return InputBlock(block_id=field, label=base.plain(label), element=element, optional=optional,
                      hint=base.plain(hint) if hint else None)


ACHIEVABLE_BLOCK = "intake_achievable"  # the line saying what date the team can keep, above the new date
WARNING_BLOCK = "intake_warning"        # the same warning at the top of the form


def intake_modal(config: AmendsConfig, meta: IntakeMeta, *, notes: str | None = None,
                 typed: dict[str, Any] | None = None, achievable: Achievable | None = None,
                 warning: str | None = None) -> dict[str, Any]:
    """The intake form. Re-rendered (views.update, or the answer to a submit) with `typed`, what the person
    has filled in so far, as initial values (Slack keeps typed inputs whose ids stay; this keeps them in
    any case), the achievable date for what they picked, and a `warning` above the new date."""
    # Copy only the path to what changes; the cached template is shared and must stay untouched.
    template = _intake_template(config)
    view = {**template, "private_metadata": seal_for_view(meta.encode(), template.get("callback_id"))}
    values = dict(typed or {})
    if notes and not values.get(IntakeField.NOTES):
        values[IntakeField.NOTES] = notes
    if achievable is not None and values.get(IntakeField.NEW_DATE) is None:
        values[IntakeField.NEW_DATE] = achievable.date  # suggested, buffer included
    if not values and achievable is None and not warning:
        return view
    blocks: list[dict[str, Any]] = []
    for block in template["blocks"]:
        field = block.get("block_id")
        if field == IntakeField.NEW_DATE:
            blocks += _achievable_blocks(config, achievable, warning)
            if warning:  # at the top too: the new date is far down a long form, out of sight
                blocks.insert(1, base.section(f":warning: {warning}", block_id=WARNING_BLOCK).to_dict())
            # A new id each rendering: Slack would otherwise keep the field's old state over the suggestion.
            block = {**block, "block_id": IntakeField.NEW_DATE.at(meta.revision)}
        if field in values and values[field] not in (None, "", []):
            block = {**block, "element": _with_initial(block["element"], values[field])}
        blocks.append(block)
    view["blocks"] = blocks
    return view


def _achievable_blocks(config: AmendsConfig, achievable: Achievable | None, warning: str | None) -> list[dict[str, Any]]:
    if achievable is None and not warning:
        return []
    lines = []
    if achievable is not None:
        when = base.slack_date(achievable.date, config.workspace.zone)
        lines.append(f":calendar: *Achievable:* {when} ({escape_mrkdwn(achievable.source)})")
    if warning:
        lines.append(f":warning: {warning}")
    return [base.section("\n".join(lines), block_id=ACHIEVABLE_BLOCK).to_dict()]


def _with_initial(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element.get("type")
    if kind == "plain_text_input":
        return {**element, "initial_value": str(value)[:element.get("max_length", MAX_TEXT)]}
    if kind == "static_select":
        option = next((o for o in element.get("options", []) if o.get("value") == str(value)), None)
        return {**element, "initial_option": option} if option else element
    if kind == "datetimepicker" and isinstance(value, datetime):
        return {**element, "initial_date_time": int(value.timestamp())}
    return element


def intake_values(view: dict[str, Any]) -> dict[str, Any]:
    """What was typed in the intake form, by field name (a re-rendered block's `.<revision>` dropped)."""
    return {IntakeField.named(block_id).value: value for block_id, value in forms.read_values(view).items()}


def earlier_warning(config: AmendsConfig, achievable: Achievable, *, save: str = "Save case") -> str:
    """The warning above a new date earlier than achievable; `save` is the form's button (intake, Edit case)."""
    when = base.slack_date(achievable.date, config.workspace.zone)
    return (f"This new date is earlier than the team can keep ({when}). Promising it risks breaking the promise "
            f"a second time. Pick the achievable date, or press *{save}* again to keep yours: the case log "
            "will say you chose it.")


@functools.lru_cache(maxsize=8)
def _intake_template(config: AmendsConfig) -> dict[str, Any]:
    """The form without per-request parts. Rendering it costs ~8 ms of CPU with slack_sdk's models,
    which would hold the GIL while other requests wait to be acked; it only changes with the config."""
    causes = [base.option(c.label, c.value) for c in Cause]
    tiers = [base.option(t.label, t.id) for t in config.customer_tiers]
    currency, locale = config.workspace.currency, config.workspace.locale
    blocks = [
        base.section("Tell me what was promised and what went wrong. You'll get a case, your manager hears "
                     "about it at once, and I'll guide you through recovering it."),
        _text_input(IntakeField.CUSTOMER_NAME, "Customer name", placeholder="Who was the promise made to?"),
        _text_input(IntakeField.CUSTOMER_CONTACT, "Customer contact", optional=True,
                    placeholder="Phone or email", hint="Only you see this; it is not posted in the channel."),
        _text_input(IntakeField.CUSTOMER_TIMEZONE, "Customer's timezone", optional=True,
                    placeholder="e.g. New York, or America/New_York",
                    hint=f"Only if it isn't {config.workspace.timezone}: the nearest big city. Messages to the "
                         "customer give dates in their time."),
        _language_input(config),
        _text_input(IntakeField.ORDER_REF, "Order or reference", placeholder="e.g. SO-18342"),
        _text_input(IntakeField.PROMISE, "What was promised", multiline=True,
                    placeholder="e.g. 12 office chairs delivered to the Leeds site"),
        InputBlock(block_id=IntakeField.PROMISE_KIND, label=base.plain("What kind of promise"), optional=True,
                   dispatch_action=True,
                   element=StaticSelectElement(action_id=IntakeField.PROMISE_KIND,
                                               placeholder=base.plain("I'll tell from what was promised"),
                                               options=[base.option(k.label, k.value) for k in PromiseKind]),
                   hint=base.plain("A training or a repair visit is never worded as a delivery. You can "
                                   "change it later in the draft.")),
        InputBlock(block_id=IntakeField.PROMISED_AT, label=base.plain("Promised for"),
                   element=DateTimePickerElement(action_id=IntakeField.PROMISED_AT),
                   hint=base.plain("The date and time the customer was promised.")),
        InputBlock(block_id=IntakeField.CAUSE, label=base.plain("Cause"), dispatch_action=True,
                   element=StaticSelectElement(action_id=IntakeField.CAUSE, placeholder=base.plain("Pick one"),
                                               options=causes)),
        InputBlock(block_id=IntakeField.CAUSE_DETAIL, label=base.plain("What exactly happened"), optional=True,
                   element=StaticSelectElement(action_id=IntakeField.CAUSE_DETAIL,
                                               placeholder=base.plain("Only if one of these is true"),
                                               options=[base.option(d.label, d.value) for d in CauseDetail]),
                   hint=base.plain("Messages to the customer say only what is true of the case.")),
        *_origin_input(config),
        InputBlock(block_id=IntakeField.NEW_DATE, label=base.plain("New realistic date"), optional=True,
                   element=DateTimePickerElement(action_id=IntakeField.NEW_DATE),
                   hint=base.plain("Pick the cause and I'll suggest the date the team can keep, with room to "
                                   "spare. Don't guess: a second missed date hurts more.")),
        # Plain text, read in the workspace's locale: "1.250,50 €" in de_DE (a number input takes only 1250.50).
        InputBlock(block_id=IntakeField.ORDER_VALUE, label=base.plain(f"Order value ({currency})"), optional=True,
                   element=PlainTextInputElement(
                       action_id=IntakeField.ORDER_VALUE, max_length=40,
                       placeholder=base.plain(f"e.g. {format_amount(Decimal('1250.50'), currency, locale)}"))),
        InputBlock(block_id=IntakeField.CUSTOMER_TIER, label=base.plain("Customer tier"), optional=True,
                   element=StaticSelectElement(action_id=IntakeField.CUSTOMER_TIER,
                                               placeholder=base.plain("Pick one"), options=tiers)),
        _text_input(IntakeField.NOTES, "Notes", multiline=True, optional=True,
                    placeholder="Anything else: what the customer said, what you've tried"),
    ]
    return base.modal(title=INTAKE_TITLE, blocks=blocks, callback_id=Callback.CASE_INTAKE, submit="Save case")


def _origin_input(config: AmendsConfig) -> list[InputBlock]:
    """Where it comes from, when the team's lead times differ by origin (lead_times.yaml's `from:`)."""
    origins = lead_times_for(config).origins[:100]
    if not origins:
        return []
    return [InputBlock(block_id=IntakeField.ORIGIN, label=base.plain("Coming from"), optional=True,
                       dispatch_action=True,
                       element=StaticSelectElement(action_id=IntakeField.ORIGIN, placeholder=base.plain("Elsewhere"),
                                                   options=[base.option(o, o) for o in origins]),
                       hint=base.plain("Where the item or part comes from, if it is listed: lead times differ."))]


def _language_input(config: AmendsConfig) -> InputBlock:
    """The languages there are templates in; left empty, the workspace's."""
    drafting = drafting_for(config)
    options = [base.option(language_name(code), code) for code in drafting.library.languages()][:100]
    return InputBlock(block_id=IntakeField.CUSTOMER_LANGUAGE, label=base.plain("Customer's language"), optional=True,
                      element=StaticSelectElement(action_id=IntakeField.CUSTOMER_LANGUAGE,
                                                  placeholder=base.plain(language_name(workspace_language(config))),
                                                  options=options),
                      hint=base.plain("Messages to the customer are drafted in it; if empty, "
                                      f"{language_name(workspace_language(config))}."))


def intake_errors(fields: dict[str, str], meta: IntakeMeta | None = None) -> dict[str, str]:
    """response_action errors keyed by block id (the form's field names are its block ids, the new date's
    with the rendering's revision)."""
    revision = meta.revision if meta else 0
    return {IntakeField(name).at(revision) if name == IntakeField.NEW_DATE else IntakeField(name).value: message
            for name, message in fields.items()}


def storage_error(message: str) -> dict[str, str]:
    """Show a save failure on the first field, so the modal and everything typed in it stay open."""
    return {IntakeField.CUSTOMER_NAME.value: message}


def saved_modal(case: Case, config: AmendsConfig) -> dict[str, Any]:
    severity = Severity(case.severity)
    blocks = [
        base.section(f":white_check_mark: Saved as *{case.ref}* for {base.person_text(case.customer_name, 500)}.\n"
                     f"{severity.emoji} Severity: *{severity}*."),
        base.section(f"I'm posting it in {base.channel_mention(config.cases.channel)} and alerting your manager "
                     "now; you'll get a DM with the link.\n\n*First step:* before you call the customer, check "
                     "every way to still keep the promise: other locations, incoming stock, a colleague's "
                     "stock, a special shipment."),
    ]
    return base.modal(title="Case saved", blocks=blocks, close="Done")


# ---------------------------------------------------------------------- the case message and its thread


def achievable_text(case: Case, config: AmendsConfig) -> str | None:
    """"Wed 2 Dec (supplier-delay from CN: 7 days + 2 days' buffer)": what the team can keep, and why."""
    if case.achievable_date is None:
        return None
    source = f" ({escape_mrkdwn(case.achievable_source)})" if case.achievable_source else ""
    return f"{base.slack_date(case.achievable_date, config.workspace.zone)}{source}"


def case_fallback(case: Case) -> str:
    return f"{case.ref}: promise at risk for {escape_mrkdwn(one_line(case.customer_name, 80))} ({case.severity})"


def case_message(case: Case, config: AmendsConfig, buttons: Sequence[ButtonElement] = (),
                 sections: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The case in the cases channel; `sections` are areas' additions (escaped mrkdwn), e.g. the outcome."""
    zone = config.workspace.zone
    severity = Severity(case.severity)
    tier = config.tier(case.customer_tier)
    erased = "_erased_" if case.personal_data_erased_at else None
    pairs: list[tuple[str, str]] = [
        ("Customer", erased or base.person_text(case.customer_name, 300)
         + (f" ({case.customer_timezone})" if case.customer_timezone else "")),
        ("Order", erased or base.person_text(case.order_ref, 300)),
        ("Promise", base.person_text(case.promise, 600)),
        ("Due", base.slack_date(case.promised_at, zone)),
        ("Cause", Cause(case.cause).label),
        ("Severity", f"{severity.emoji} {severity}"),
        ("Owner", base.user_mention(case.owner_id)),
    ]
    if case.new_date:
        # Kept after the intake's warning: the team sees at once that it is earlier than it can keep.
        early = " :warning: earlier than achievable" if earlier_than_achievable(case.new_date, recorded(case), zone) \
            else ""
        pairs.append(("New date", base.slack_date(case.new_date, zone) + early))
    achievable = achievable_text(case, config)
    if achievable:
        pairs.append(("Achievable", achievable))
    if case.order_value is not None:
        pairs.append(("Order value", format_amount(case.order_value, case.currency, config.workspace.locale)))
    if tier:
        pairs.append(("Tier", escape_mrkdwn(tier.label)))
    blocks: list[Any] = [
        base.header(f"{case.ref} · Promise at risk"),
        base.fields_section(pairs),
    ]
    if case.notes:
        blocks.append(base.section(f"*Notes*\n{base.person_text(case.notes, 2900)}"))
    if case.personal_data_erased_at:
        blocks.append(base.context(f":lock: The customer's personal data was erased "
                                   f"{base.slack_date(case.personal_data_erased_at, zone)}: their name, contact, "
                                   "order, notes and drafts. The figures and the lesson stay."))
    blocks += [base.section(text) for text in sections[:5]]
    status = case.status if case.is_open else f"resolved — {Outcome(case.outcome).label}" if case.outcome \
        else case.status
    blocks.append(base.context(
        f"Reported by {base.user_mention(case.reporter_id)} · opened {base.slack_date(case.created_at, zone)} · "
        f"status: {status}"
    ))
    if buttons:
        blocks.append(ActionsBlock(block_id="case_actions", elements=list(buttons)[:25]))
    return base.message(blocks)


def manager_alert(case: Case, config: AmendsConfig) -> str:
    """The first reply in the case thread: managers hear early, never by surprise."""
    mentions = [base.user_mention(u) for u in config.managers.users]
    if config.managers.usergroup:
        mentions.append(f"<!subteam^{config.managers.usergroup}>")
    due = base.slack_date(case.promised_at, config.workspace.zone)
    return (f"{' '.join(mentions)} heads-up from {base.user_mention(case.reporter_id)}: *{case.ref}* for "
            f"{base.person_text(case.customer_name, 300)} is at risk ({case.severity} severity, due {due}). "
            "Options will follow in this thread as they are found.")


# ---------------------------------------------------------------------- to the associate


def posted_confirmation(case: Case, config: AmendsConfig) -> tuple[str, list[dict[str, Any]]]:
    where = base.channel_mention(config.cases.channel)
    thread = base.link(case.permalink, "open the thread") if case.permalink else "the thread"
    managers = "your manager has been alerted there" if config.managers.configured else \
        "no manager is configured to alert (ask your Amends admin to set `managers` in amends.yaml)"
    text = (f":white_check_mark: *{case.ref}* is saved and posted in {where} ({thread}); {managers}.")
    lines = [text]
    if case.customer_contact:
        lines.append(f"Customer contact: {base.person_text(case.customer_contact, 500)}")
    blocks = [base.section("\n".join(lines)),
              base.context("Next: check every way to still keep the promise before you call the customer.")]
    return text, base.message(blocks)


POST_FIXES = {
    "not_in_channel": "I'm not a member of {channel}. Open {channel} and type `/invite @Amends`, "
                      "then press *Post it again*.",
    "channel_not_found": "I can't see the cases channel ({channel_id}). If it is private, open it and type "
                         "`/invite @Amends`; otherwise ask your Amends admin to check `cases.channel` in "
                         "amends.yaml. Then press *Post it again*.",
    "is_archived": "The cases channel {channel} is archived. Ask your Amends admin to set a new `cases.channel` "
                   "in amends.yaml, then press *Post it again*.",
}


def post_failed(case: Case, config: AmendsConfig, error: str) -> tuple[str, list[dict[str, Any]]]:
    channel_id = config.cases.channel
    fix = POST_FIXES.get(error, "Slack refused the post ({error}). Press *Post it again* in a minute.")
    fix = fix.format(channel=base.channel_mention(channel_id), channel_id=channel_id, error=error)
    text = f":warning: *{case.ref}* is saved, but I couldn't post it in the cases channel. {fix}"
    blocks = [
        base.section(text),
        ActionsBlock(elements=[base.button("Post it again", Action.CASE_POST_RETRY, style="primary",
                                           value=CaseRef(case_id=case.id).encode(BUTTON_VALUE_LIMIT))]),
    ]
    return text, base.message(blocks)


def already_posted(case: Case) -> str:
    where = base.link(case.permalink, "in the cases channel") if case.permalink else "in the cases channel"
    return f":white_check_mark: *{case.ref}* is posted {where}."


def open_cases_list(cases: Sequence[Case], total: int, config: AmendsConfig) -> tuple[str, list[dict[str, Any]]]:
    if not cases:
        text = "You have no open cases. Type `/recover` when a promise is at risk."
        return text, base.message([base.section(text)])
    zone = config.workspace.zone
    blocks: list[Any] = [base.header(f"Your open cases ({total})")]
    for case in cases[:40]:
        severity = Severity(case.severity)
        ref = base.link(case.permalink, case.ref) if case.permalink else case.ref
        blocks.append(base.section(
            f"*{ref}* · {base.person_text(one_line(case.customer_name, 60), 200)} — "
            f"{base.person_text(one_line(case.promise, 100), 300)}\n"
            f"{severity.emoji} {severity} · due {base.slack_date(case.promised_at, zone)} · "
            f"{Cause(case.cause).label}"
        ))
    if total > len(cases[:40]):
        blocks.append(base.context(f"Showing the {len(cases[:40])} due soonest of {total}."))
    return f"You have {total} open case(s).", base.message(blocks)
