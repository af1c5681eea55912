"""Block Kit for offers: the offer modal (ranked alternatives and incentives, with the case's budget and
its reasoning), the approval request with Approve / Deny / Approve a different amount (and what it
becomes once decided), the counter-amount modal, the customer's-choice modal and the thread notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    InputBlock,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)

from bot.cases.models import Case
from bot.cases.severity import Severity
from bot.drafting.context import Choice
from bot.offers.catalog import Priced, Role, Standing
from bot.offers.models import CustomerChoice, Decision, Offer, OfferItem, OfferState
from bot.offers.service import MAX_ALTERNATIVES, NOTE_LIMIT, Choices, Field, PendingApproval
from bot.slack.blocks import base
from bot.slack.metadata import BUTTON_VALUE_LIMIT, Metadata
from bot.text import escape_mrkdwn, one_line

Money = Callable[[Decimal], str]


class OfferCallback(StrEnum):
    OFFER = "offer_alternatives"
    COUNTER = "offer_counter"
    CHOICE = "record_choice"


class OfferAction(StrEnum):
    APPROVE = "offer_approve"
    DENY = "offer_deny"
    COUNTER = "offer_counter_open"


class OfferField(StrEnum):
    """Block ids of the offer modals' inputs."""

    ALTERNATIVES = "offer_alternatives"
    INCENTIVE = "offer_incentive"
    NOTE = "offer_note"
    AMOUNT = "counter_amount"
    COUNTER_NOTE = "counter_note"
    CHOICE = "choice"
    ALTERNATIVE = "choice_alternative"
    GESTURE = "choice_gesture"
    FINAL_COST = "choice_final_cost"
    CHOICE_NOTE = "choice_note"


# Domain field names (bot.offers.service.Field) -> block ids, per form.
OFFER_FIELDS = {Field.ALTERNATIVES: OfferField.ALTERNATIVES, Field.INCENTIVE: OfferField.INCENTIVE,
                Field.NOTE: OfferField.NOTE}
COUNTER_FIELDS = {Field.AMOUNT: OfferField.AMOUNT, Field.NOTE: OfferField.COUNTER_NOTE}
CHOICE_FIELDS = {Field.CHOICE: OfferField.CHOICE, Field.ALTERNATIVE: OfferField.ALTERNATIVE,
                 Field.GESTURE: OfferField.GESTURE, Field.FINAL_COST: OfferField.FINAL_COST,
                 Field.NOTE: OfferField.CHOICE_NOTE}

CHOICE_LABELS = {Choice.WAIT: ("Waited for the original", "They keep their order and wait for the new date"),
                 Choice.ALTERNATIVE: ("Took an alternative", "Say which one below"),
                 Choice.CANCEL: ("Cancelled", "Let them go gracefully, with a goodwill gesture")}


class CaseMeta(Metadata):
    case_id: int


class OfferRef(Metadata):
    offer_id: int


def field_errors(fields: dict[str, str], mapping: dict[str, OfferField], default: OfferField) -> dict[str, str]:
    """A domain error's fields as the modal's block ids (anything unmapped goes on `default`)."""
    errors: dict[str, str] = {}
    for name, message in fields.items():
        errors.setdefault(mapping.get(name, default).value, message)
    return errors or {default.value: "Please check this."}


def _case_line(case: Case) -> str:
    ref = base.link(case.permalink, case.ref or "") if case.permalink else case.ref
    return (f"*{ref}* · {base.person_text(one_line(case.customer_name, 80), 300)} — "
            f"{base.person_text(one_line(case.promise, 150), 450)}")


def budget_text(amount: Decimal, reasons: Sequence[str], money: Money) -> str:
    lines = "\n".join(escape_mrkdwn(r) for r in reasons)
    return f"*Budget for this case: {money(amount)}*\n{lines}"


def _price_line(p: Priced, money: Money) -> str:
    approval = "within your limit" if p.within_limit else "needs approval"
    return f"Costs {money(p.cost)} · worth {money(p.value)} to them · {approval}"


RULED_OUT = ":no_entry_sign:"


def _options(entries: Sequence[Priced], money: Money) -> list[Any]:
    return [base.option(f"{RULED_OUT} {p.entry.title}" if p.ruled_out else p.entry.title, p.entry.id,
                        _price_line(p, money)) for p in entries[:10]]


STANDING = {Standing.UP: (":chart_with_upwards_trend:", "ranked up"),
            Standing.DOWN: (":chart_with_downwards_trend:", "ranked down"), Standing.NEUTRAL: (":bar_chart:", "")}


def why_ranked(entries: Sequence[Priced]) -> str | None:
    """Why the entries are in this order, where there is more to say than their price: what the checklist
    ruled out, and what customers in similar cases chose."""
    lines = []
    for p in entries[:10]:
        title = f"*{escape_mrkdwn(p.entry.title)}*"
        if p.ruled_out:
            lines.append(f"{RULED_OUT} {title} is last: the checklist says {escape_mrkdwn('; '.join(p.ruled_out))}.")
        elif p.verdict.reason:
            icon, moved = STANDING[p.verdict.standing]
            lines.append(f"{icon} {title}: {p.verdict.reason}" + (f" ({moved})" if moved else ""))
    return "\n".join(lines) or None


def items_text(offer: Offer, money: Money, *, chosen_item: int | None = None) -> str:
    """The alternatives and the incentive; those an approver's smaller amount left out are struck through."""
    lines = []
    left_out = {i.id for i in offer.left_out}
    for item in offer.alternatives:
        if item.id in left_out:
            lines.append(f"• ~{escape_mrkdwn(item.title)} ({money(item.cost)})~ not offered: over the approved "
                         f"{money(offer.allowed)} with the incentive")
            continue
        mark = " :white_check_mark: *chosen*" if item.id == chosen_item else ""
        lines.append(f"• {escape_mrkdwn(item.title)} ({money(item.cost)}, worth {money(item.value)}){mark}")
    incentive = offer.incentive
    if incentive is not None:
        lines.append(f"*Incentive:* {escape_mrkdwn(incentive.title)} ({money(incentive.cost)}, worth "
                     f"{money(incentive.value)})")
    return "\n".join(lines)


# ---------------------------------------------------------------------- the offer modal


def offer_modal(choices: Choices, money: Money, approvers: Sequence[str]) -> dict[str, Any]:
    case = choices.case
    blocks: list[Block] = [base.section(_case_line(case)),
                           base.section(budget_text(choices.budget.amount, choices.budget.reasons(money), money))]
    if choices.awaiting is not None:
        blocks.append(base.section(
            f":hourglass_flowing_sand: An offer by {base.user_mention(choices.awaiting.made_by)} is waiting for an "
            f"approver's decision:\n{items_text(choices.awaiting, money)}\nYou'll be able to offer again once it "
            "is decided."))
        return base.modal(title="Offer alternatives", blocks=blocks, close="OK")
    if not choices.alternatives:
        blocks.append(base.section(":information_source: Nothing in the catalog fits this case yet. Ask your "
                                   "manager what you can offer, and suggest it for the catalog."))
        return base.modal(title="Offer alternatives", blocks=blocks, close="OK")
    if choices.current is not None:
        blocks.append(base.context("On offer now (a new offer replaces it): "
                                   + "; ".join(escape_mrkdwn(i.title) for i in choices.current.items)))
    blocks.append(InputBlock(
        block_id=OfferField.ALTERNATIVES, label=base.plain(f"Alternatives to offer (1 to {MAX_ALTERNATIVES}), best first"),
        element=CheckboxesElement(action_id=OfferField.ALTERNATIVES, options=_options(choices.alternatives, money)),
        hint=base.plain("Equal or better value than what they ordered; the customer picks one.")))
    why = why_ranked(choices.alternatives)
    if why:
        blocks.append(base.section(f"*Why this order*\n{why}"))
    if choices.incentives:
        blocks.append(InputBlock(
            block_id=OfferField.INCENTIVE, label=base.plain("Incentive"),
            element=RadioButtonsElement(action_id=OfferField.INCENTIVE, options=_options(choices.incentives, money)),
            hint=base.plain("What makes taking an alternative, or staying, worth it.")))
        why = why_ranked(choices.incentives)
        if why:
            blocks.append(base.context(why))
    blocks.append(InputBlock(
        block_id=OfferField.NOTE, label=base.plain("Note for the approver"), optional=True,
        element=PlainTextInputElement(action_id=OfferField.NOTE, multiline=True, max_length=NOTE_LIMIT),
        hint=base.plain("Only read if the offer needs approval: why it is worth it for this customer.")))
    who = ", ".join(base.user_mention(a) for a in approvers[:10]) or "an approver"
    limits = ("You approve offers yourself, so it is recorded at once." if choices.role is Role.APPROVER else
              f"Within your limits and the budget, it is recorded as offered at once; beyond them it goes to {who} "
              "for approval.")
    blocks.append(base.context(limits))
    if choices.unpriced:
        blocks.append(base.context(f"{choices.unpriced} more would fit but are priced on the order value, which "
                                   "this case doesn't have."))
    return base.modal(title="Offer alternatives", blocks=blocks, callback_id=OfferCallback.OFFER, submit="Offer",
                      private_metadata=CaseMeta(case_id=case.id).encode())


def offer_done_modal(case: Case, offer: Offer, money: Money) -> dict[str, Any]:
    if offer.state == OfferState.AWAITING_APPROVAL:
        reasons = "\n".join(f"• {escape_mrkdwn(r)}" for r in offer.approval_reasons)
        who = ", ".join(base.user_mention(a) for a in offer.approvers[:10])
        text = (f":hourglass_flowing_sand: *Sent for approval* to {who}.\n{reasons}\n"
                "You'll get a message as soon as it is decided. Nothing is offered to the customer until then.")
    else:
        text = (f":white_check_mark: *Recorded as offered on {case.ref}.* It may cost {money(offer.exposure)} of "
                f"the {money(offer.budget)} budget. Tell the customer their options; *Draft message* now includes "
                "them.")
    return base.modal(title="Offer alternatives", blocks=[base.section(text), base.section(items_text(offer, money))],
                      close="Done")


def approved_by(offer: Offer, money: Money) -> str:
    """Who approved the offer and up to what, or that it was within the maker's limits."""
    if offer.decision == Decision.APPROVED_DIFFERENT:
        return (f"Approved by {base.user_mention(offer.decided_by or '')} up to {money(offer.allowed)} "
                f"(asked {money(offer.exposure)})")
    if offer.decision == Decision.APPROVED:
        return f"Approved by {base.user_mention(offer.decided_by or '')}"
    if offer.role == Role.APPROVER:
        return f"Made by an approver, {base.user_mention(offer.made_by)}"
    return "Within their limits, no approval needed"


def offer_note(case: Case, offer: Offer, money: Money, zone: ZoneInfo, choice_button: ButtonElement | None, *,
               replaces: Offer | None = None) -> tuple[str, list[Any]]:
    """The case thread hears what was offered: the current offer, with who approved it."""
    text = (f":gift: {base.user_mention(offer.made_by)} offered "
            f"{base.person_text(one_line(case.customer_name, 80), 300)} a choice on *{case.ref}*.")
    current = ("*Current offer*" + (f", replacing the offer of {base.slack_date(replaces.made_at, zone)} above"
                                    if replaces is not None else ""))
    blocks: list[Block] = [base.section(f"{text}\n{current}"), base.section(items_text(offer, money)),
                           base.context(f"{approved_by(offer, money)}. May cost {money(offer.offered_cost)} of the "
                                        f"{money(offer.budget)} budget.")]
    if choice_button is not None:
        blocks.append(ActionsBlock(elements=[choice_button]))
    return text, base.message(blocks)


def draft_offer_line(offer: Offer | None, money: Money, zone: ZoneInfo, *, earlier: int) -> str | None:
    """What the draft modal says about the offer it drafts from (None: no offer yet)."""
    if offer is None:
        return None
    replaced = (f" {earlier} earlier offer{'s' if earlier != 1 else ''}, replaced, "
                f"{'are' if earlier != 1 else 'is'} left out.") if earlier else ""
    names = "; ".join(escape_mrkdwn(i.title) for i in offer.offered_alternatives)
    return (f":gift: Drafted with the current offer, of {base.slack_date(offer.made_at, zone)} by "
            f"{base.user_mention(offer.made_by)} ({approved_by(offer, money)}): {names}.{replaced}")


def replaced_note(case: Case, offer: Offer, newer: Offer, money: Money, zone: ZoneInfo) -> tuple[str, list[Any]]:
    """An earlier offer's note once a newer one replaced it: still readable, no longer current."""
    text = (f":heavy_minus_sign: Offer of {base.slack_date(offer.made_at, zone)} by "
            f"{base.user_mention(offer.made_by)} on *{case.ref}*: replaced by the offer of "
            f"{base.slack_date(newer.made_at, zone)} by {base.user_mention(newer.made_by)} (below).")
    blocks: list[Block] = [base.section(text), base.section(items_text(offer, money)),
                           base.context(f"{approved_by(offer, money)}. No longer on offer.")]
    return text, base.message(blocks)


def current_offer_section(offer: Offer, money: Money, zone: ZoneInfo, *, earlier: int) -> str:
    """The case message's line about what the customer is offered now."""
    names = "; ".join(escape_mrkdwn(i.title) for i in offer.offered_alternatives)
    incentive = f" + {escape_mrkdwn(offer.incentive.title)}" if offer.incentive else ""
    replaced = f" · replaces {earlier} earlier offer{'s' if earlier != 1 else ''}" if earlier else ""
    return (f":gift: *On offer* (since {base.slack_date(offer.made_at, zone)}{replaced}): {names}{incentive}\n"
            f"{approved_by(offer, money)}; may cost {money(offer.offered_cost)}.")


# ---------------------------------------------------------------------- approval requests


def approval_request(case: Case, offer: Offer, money: Money, zone: ZoneInfo, *, mentions: Sequence[str] = (),
                     escalated: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """The request an approver decides on; once decided, `decided()` shows it without the buttons."""
    lead = " ".join(mentions)
    head = (":rotating_light: *Still waiting for a decision*" if escalated else ":raised_hand: *Approval needed*")
    text = (f"{lead + ' ' if lead else ''}{head}: {base.user_mention(offer.made_by)} wants to make "
            f"{base.person_text(one_line(case.customer_name, 80), 300)} an offer on {case.ref} that needs your "
            "decision.")
    blocks: list[Block] = [*_request_body(case, offer, money, zone, text), decision_buttons(offer.id, offer.made_by)]
    return text, base.message(blocks)


def decision_buttons(offer_id: int, made_by: str) -> ActionsBlock:
    """Approve, Deny (confirmed) and Approve a different amount: on the request and on the App Home."""
    value = OfferRef(offer_id=offer_id).encode(BUTTON_VALUE_LIMIT)
    return ActionsBlock(block_id=f"offer_decide.{offer_id}", elements=[
        base.button("Approve", OfferAction.APPROVE, value=value, style="primary"),
        base.button("Deny", OfferAction.DENY, value=value, style="danger", confirm=ConfirmObject(
            title=base.plain("Deny this offer?"), text=base.mrkdwn(f"{base.user_mention(made_by)} will be "
                                                                   "told to offer something within their limit."),
            confirm=base.plain("Deny"), deny=base.plain("Cancel"))),
        base.button("Approve a different amount", OfferAction.COUNTER, value=value),
    ])


def home_approval(waiting: PendingApproval, money: Money, zone: ZoneInfo) -> list[Block]:
    """A request waiting for this approver, on their App Home (two blocks): what, why, and the decision."""
    head = ":rotating_light: " if waiting.escalated else ""
    reasons = " · ".join(escape_mrkdwn(r) for r in waiting.reasons)
    return [
        base.section(f"{head}*{waiting.case_ref}* · {base.person_text(one_line(waiting.customer_name, 60), 200)} — may cost "
                     f"*{money(waiting.amount)}* (budget {money(waiting.budget)}) · asked by "
                     f"{base.user_mention(waiting.requested_by)} {base.slack_date(waiting.requested_at, zone)}"
                     + (f"\n_{reasons}_" if reasons else "")),
        decision_buttons(waiting.offer_id, waiting.requested_by),
    ]


def _request_body(case: Case, offer: Offer, money: Money, zone: ZoneInfo, text: str) -> list[Block]:
    severity = Severity(case.severity)
    reasons = "\n".join(f"• {escape_mrkdwn(r)}" for r in offer.approval_reasons)
    blocks: list[Block] = [
        base.section(text),
        base.section(f"{_case_line(case)}\n{severity.emoji} {severity} · promised "
                     f"{base.slack_date(case.promised_at, zone)}"
                     + (f" · new date {base.slack_date(case.new_date, zone)}" if case.new_date else "")),
        base.section(f"*The offer* (may cost {money(offer.exposure)}):\n{items_text(offer, money)}"),
        base.section(f"*Why it needs you*\n{reasons}"),
    ]
    if offer.note:
        blocks.append(base.section(f"*{base.user_mention(offer.made_by)} says:* {base.person_text(offer.note, 1200)}"))
    blocks.append(base.context(budget_text(offer.budget, offer.budget_reasons, money)))
    return blocks


def decided(case: Case, offer: Offer, money: Money, zone: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """The request as it stands once decided (or replaced): what was asked, and the decision."""
    text = (f"Offer on {case.ref} by {base.user_mention(offer.made_by)} for "
            f"{base.person_text(one_line(case.customer_name, 80), 300)}")
    blocks = _request_body(case, offer, money, zone, text)
    blocks.append(base.section(decision_line(offer, money, zone)))
    return decision_line(offer, money, zone), base.message(blocks)


def decision_line(offer: Offer, money: Money, zone: ZoneInfo) -> str:
    if not offer.decision:
        return ":heavy_minus_sign: No longer waiting: a newer offer on the case replaced this one."
    who = base.user_mention(offer.decided_by or "")
    when = base.slack_date(offer.decided_at, zone) if offer.decided_at else ""
    note = f"\n> {base.person_text(offer.decision_note, 1000)}" if offer.decision_note else ""
    if offer.decision == Decision.DENIED:
        return f":no_entry: *Denied* by {who} {when}.{note}"
    if offer.decision == Decision.APPROVED_DIFFERENT:
        return (f":white_check_mark: *Approved up to {money(offer.allowed)}* (asked {money(offer.exposure)}) by "
                f"{who} {when}.{note}")
    return f":white_check_mark: *Approved* ({money(offer.allowed)}) by {who} {when}.{note}"


def decision_notice(case: Case, offer: Offer, money: Money, zone: ZoneInfo) -> str:
    """What the associate hears."""
    line = decision_line(offer, money, zone)
    if offer.decision == Decision.DENIED:
        nxt = "Nothing was offered. Pick something within your limit with *Offer alternatives*, or talk to them."
    elif offer.decision == Decision.APPROVED_DIFFERENT:
        nxt = (f"Offered at the approved {money(offer.allowed)}:\n{items_text(offer, money)}\n"
               + ("Drafts offer only these. " if offer.left_out else "")
               + "Tell the customer their options, or choose again with *Offer alternatives*.")
    else:
        nxt = "It is recorded as offered: tell the customer their options."
    return f"Your offer on *{case.ref}*: {line}\n{nxt}"


def notice_blocks(text: str, again: ButtonElement | None) -> list[dict[str, Any]]:
    """The associate's notice of a decision, with a way to choose again when it was not what they asked."""
    rendered: list[Block] = [base.section(text)]
    if again is not None:
        rendered.append(ActionsBlock(elements=[again]))
    return base.message(rendered)


def counter_modal(offer: Offer, case: Case, money: Money) -> dict[str, Any]:
    blocks: list[Block] = [
        base.section(f"{_case_line(case)}\n*The offer* (may cost {money(offer.exposure)}; budget "
                     f"{money(offer.budget)}):\n{items_text(offer, money)}"),
        InputBlock(block_id=OfferField.AMOUNT, label=base.plain(f"Approve up to ({offer.currency})"),
                   element=PlainTextInputElement(action_id=OfferField.AMOUNT, initial_value=f"{offer.budget}",
                                                 max_length=20),
                   hint=base.plain("The most that may be spent on this offer, like 150 or 149.50.")),
        InputBlock(block_id=OfferField.COUNTER_NOTE, label=base.plain("Note for the associate"), optional=True,
                   element=PlainTextInputElement(action_id=OfferField.COUNTER_NOTE, multiline=True,
                                                 max_length=NOTE_LIMIT)),
    ]
    return base.modal(title="Approve an amount", blocks=blocks, callback_id=OfferCallback.COUNTER, submit="Approve",
                      private_metadata=OfferRef(offer_id=offer.id).encode())


def message_modal(title: str, text: str) -> dict[str, Any]:
    return base.modal(title=title, blocks=[base.section(text)], close="OK")


# ---------------------------------------------------------------------- the customer's choice


def choice_modal(case: Case, offer: Offer | None, money: Money, budget: Decimal) -> dict[str, Any]:
    blocks: list[Block] = [base.section(_case_line(case))]
    offered = offer.offered_alternatives if offer is not None else []
    if offer is not None:
        blocks.append(base.section(f"*On offer* (may cost {money(offer.offered_cost)}):\n{items_text(offer, money)}"))
    blocks.append(InputBlock(
        block_id=OfferField.CHOICE, label=base.plain("What did the customer choose?"),
        element=RadioButtonsElement(action_id=OfferField.CHOICE, options=[
            base.option(label, choice.value, help_text) for choice, (label, help_text) in CHOICE_LABELS.items()])))
    if offered:
        blocks.append(InputBlock(
            block_id=OfferField.ALTERNATIVE, label=base.plain("Which alternative?"), optional=True,
            element=StaticSelectElement(action_id=OfferField.ALTERNATIVE, placeholder=base.plain("The one they took"),
                                        options=[base.option(i.title, str(i.id)) for i in offered])))
    blocks += [
        InputBlock(block_id=OfferField.GESTURE, label=base.plain("Goodwill gesture (if they cancelled)"),
                   optional=True, element=PlainTextInputElement(action_id=OfferField.GESTURE, max_length=NOTE_LIMIT),
                   hint=base.plain("What we gave them so they leave on good terms, e.g. 15% off if they come back.")),
        _final_cost_input(case, offer, money, budget),
        InputBlock(block_id=OfferField.CHOICE_NOTE, label=base.plain("Anything else"), optional=True,
                   element=PlainTextInputElement(action_id=OfferField.CHOICE_NOTE, multiline=True,
                                                 max_length=NOTE_LIMIT)),
    ]
    return base.modal(title="Customer's choice", blocks=blocks, callback_id=OfferCallback.CHOICE, submit="Record",
                      private_metadata=CaseMeta(case_id=case.id).encode())


def _final_cost_input(case: Case, offer: Offer | None, money: Money, budget: Decimal) -> InputBlock:
    """The final cost, prefilled from the offer when it can only be one amount (one alternative on offer);
    left empty, it is taken from the offer for what the customer chose."""
    hint = f"Everything this recovery cost, 0 if nothing. Budget: {money(budget)}."
    initial = None
    if offer is not None and offer.offered_alternatives:
        incentive = offer.incentive.cost if offer.incentive else Decimal("0.00")
        costs = [(i.title, i.cost + incentive) for i in offer.offered_alternatives]
        if len(costs) == 1:
            initial = f"{costs[0][1]}"
        listed = "; ".join(f"{title} {money(cost)}" for title, cost in costs)
        hint = (f"From the offer, with the incentive: {listed}; waiting {money(incentive)}. Left empty, the "
                f"offer's figure for their choice is used. Budget: {money(budget)}.")
    return InputBlock(block_id=OfferField.FINAL_COST, label=base.plain(f"Final cost to us ({case.currency})"),
                      optional=offer is not None,
                      element=PlainTextInputElement(action_id=OfferField.FINAL_COST, max_length=20, initial_value=initial,
                                                    placeholder=base.plain("e.g. 45.50")),
                      hint=base.plain(hint[:2000]))


def choice_text(case: Case, row: CustomerChoice, item: OfferItem | None, money: Money) -> str:
    label = CHOICE_LABELS[Choice(row.choice)][0].lower()
    what = f"took {escape_mrkdwn(item.title)}" if item is not None else label
    gesture = f" Goodwill gesture: {base.person_text(row.gesture, 500)}." if row.gesture else ""
    note = f"\n> {base.person_text(row.note, 1000)}" if row.note else ""
    return (f":handshake: {base.user_mention(row.recorded_by)} recorded the customer's choice on *{case.ref}*: "
            f"{what}.{gesture} Final cost {money(row.final_cost)} (budget {money(row.budget)}).{note}")


def recorded_modal(text: str) -> dict[str, Any]:
    return message_modal("Customer's choice", text)
