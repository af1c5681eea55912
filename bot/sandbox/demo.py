"""`amends sandbox --demo`: a workspace with a few realistic cases at different stages and best practices.

Nothing is written to the database directly: people in the fake workspace use the real bot through
SlackDriver, exactly as on the page, so the demo shows whatever the code can do. Each stage after
opening the cases uses a feature only when the bot offers it (a button on the case message, a
subcommand), and is skipped otherwise, so the demo keeps working as features land.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.fake_slack import Message
from bot.sandbox.runtime import Sandbox
from bot.sandbox.workspace import APPROVER, ASSOCIATE, BEST_PRACTICES, COLLEAGUE, MANAGER, SUPPORT

log = logging.getLogger(__name__)


@dataclass
class DemoCase:
    owner: str
    values: dict[str, Any]
    message: Message | None = None


@dataclass
class DemoRun:
    sandbox: Sandbox
    cases: list[DemoCase] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


def _cases(now: datetime) -> list[DemoCase]:
    return [
        DemoCase(ASSOCIATE.id, {
            "customer_name": "Northwind Traders", "customer_contact": "+44 20 7946 0000", "order_ref": "SO-18342",
            "promise": "12 office chairs delivered to the Leeds site", "promised_at": now + timedelta(hours=20),
            "cause": "supplier-delay", "new_date": now + timedelta(days=4), "order_value": "2400.00",
            "customer_tier": "preferred", "notes": "Supplier says the fabric batch failed inspection.",
        }),
        DemoCase(COLLEAGUE.id, {
            "customer_name": "Harbour Dental Clinic", "customer_contact": "reception@harbourdental.example",
            "order_ref": "SV-2291", "promise": "Field engineer on site to service the X-ray unit, 9:00–11:00",
            "promised_at": now - timedelta(hours=2), "cause": "capacity", "order_value": "860.00",
            "customer_tier": "key", "notes": "Engineer called in sick; clinic has patients booked from 11:30.",
        }),
        DemoCase(ASSOCIATE.id, {
            "customer_name": "Siobhan O'Brien", "customer_contact": "07700 900123", "order_ref": "WEB-55120",
            "promise": "Washing machine delivered and installed Saturday morning",
            "promised_at": now + timedelta(days=2), "cause": "logistics", "order_value": "649.00",
            "customer_tier": "standard", "notes": "Carrier lost the van slot; next free slot is Tuesday.",
        }),
        DemoCase(COLLEAGUE.id, {
            "customer_name": "Contoso Labs", "order_ref": "PO-7781",
            "promise": "3 replacement centrifuge rotors shipped before the audit",
            "promised_at": now + timedelta(days=6), "cause": "stock-out", "order_value": "8200.00",
            "customer_tier": "key",
        }),
    ]


BEST_PRACTICE_POSTS = [
    (MANAGER.id, "Supplier delay on upholstered chairs: call the customer the same day and offer the in-stock "
                 "grey model at the same price with free delivery; 9 of 10 took it. Don't promise a new date "
                 "until the supplier confirms it in writing."),
    (COLLEAGUE.id, "Missed installation slot: ring before the window ends, never after. Offer the first slot "
                   "the next morning and waive the install fee. A call from the store manager turned a "
                   "1-star review into 5 stars."),
    (ASSOCIATE.id, "Stock-out on spare parts: check the Bristol and Glasgow warehouses and the demo fleet "
                   "before telling the customer; last month a demo unit went out the same day."),
    (MANAGER.id, "Carrier lost the slot? Book our own van for key accounts: it costs less than the credit "
                 "we'd give, and the customer sees us keep our word."),
]


def seed_demo(sandbox: Sandbox) -> str:
    """Drive the bot to a realistic state; returns one line saying what was made."""
    run = DemoRun(sandbox)
    _open_cases(run)
    _post_best_practices(run)
    for stage in STAGES:
        try:
            note = stage(run)
        except (LookupError, TimeoutError, AssertionError) as exc:  # a feature changed shape: skip, say why
            log.warning("demo stage %s skipped: %s", stage.__name__, exc)
            continue
        if note:
            run.done.append(note)
    return "; ".join(run.done)


def _open_cases(run: DemoRun) -> None:
    sandbox = run.sandbox
    fake, driver = sandbox.fake, sandbox.driver
    cases_channel = sandbox.config.cases.channel
    now = sandbox.amends.clock.now()
    for case in _cases(now):
        before = len(fake.messages(cases_channel))
        driver.command(case.owner, "", channel_id=SUPPORT.id)
        view = fake.wait_for(lambda owner=case.owner: fake.open_view(owner))
        values = {k: v for k, v in case.values.items() if k in _block_ids(view.view)}
        reply = driver.submit(view.id, values)
        if reply.status != 200:
            raise RuntimeError(f"the bot refused a demo case: HTTP {reply.status} {reply.text}")
        if fake.open_view(case.owner) is not None:
            driver.cancel(view.id)  # "Done" on the confirmation
        case.message = fake.wait_for(lambda n=before: len(fake.messages(cases_channel)) > n
                                     and fake.messages(cases_channel)[-1], timeout=10)
        run.cases.append(case)
    run.done.append(f"{len(run.cases)} cases in #cases")


def _block_ids(view: dict[str, Any]) -> set[str]:
    return {b.get("block_id", "") for b in view.get("blocks", [])}


def _post_best_practices(run: DemoRun) -> None:
    for user_id, text in BEST_PRACTICE_POSTS:
        run.sandbox.driver.message(user_id, BEST_PRACTICES.id, text,
                                   deliver="message.channels" in run.sandbox.app_features()["events"])
    run.done.append(f"{len(BEST_PRACTICE_POSTS)} posts in #best-practices")


def _case_action(run: DemoRun, case: DemoCase, action: str) -> bool:
    """The case owner presses the case action `action` on the case message, if the bot offers it."""
    fake = run.sandbox.fake
    assert case.message is not None
    message = fake.message(case.message.channel, case.message.ts)
    if message is None or not _has_action(message.blocks, "case_action:" + action):
        return False
    run.sandbox.driver.click(case.owner, "case_action:" + action, message=message)
    return True


def _has_action(blocks: list[dict[str, Any]], action_id: str) -> bool:
    return any(e.get("action_id") == action_id for b in blocks for e in b.get("elements", []))


def _offers(run: DemoRun) -> str | None:
    """Ada offers alternatives within her limit on the first case; Ben's offer on the key account's big
    order needs an approver, so it waits for Sam in his DMs."""
    fake, driver = run.sandbox.fake, run.sandbox.driver
    picks = [(run.cases[0], ["loaner-unit", "expedite-on-arrival"], "free-accessory"),
             (run.cases[3], ["upgrade-same-price", "loaner-unit"], "store-credit")]
    for case, alternatives, incentive in picks:
        if not _case_action(run, case, "offer_alternatives"):
            return None
        view = fake.wait_for(lambda owner=case.owner: (v := fake.open_view(owner))
                             and v.view.get("callback_id") == "offer_alternatives" and v)
        driver.submit(view.id, {"offer_alternatives": alternatives, "offer_incentive": incentive})
        driver.cancel(view.id)  # "Done"
    fake.wait_for(lambda: any("Approval needed" in m.text for m in fake.dms(APPROVER.id)))
    return f"2 offers (one waiting for {APPROVER.real_name}'s approval)"


def _drafts(run: DemoRun) -> str | None:
    """The first two owners draft their first notice; the first one has called the customer already."""
    fake, driver = run.sandbox.fake, run.sandbox.driver
    posted: list[tuple[DemoCase, Message]] = []
    for case in run.cases[:2]:
        if not _case_action(run, case, "draft_message"):
            return None
        view = fake.wait_for(lambda owner=case.owner: (v := fake.open_view(owner))
                             and v.view.get("callback_id") == "draft_message" and v)
        driver.submit(view.id, {})
        driver.cancel(view.id)  # "Done"
        posted.append((case, fake.wait_for(lambda c=case: _unsent_draft(fake, c))))
    case, draft = posted[0]
    # The bot records where it posted a draft just after posting it; a click faster than any person's
    # can land in between, so press again (it is idempotent) if the message didn't change.
    for _ in range(2):
        driver.click(case.owner, "draft_mark_sent", message=draft)
        try:
            fake.wait_for(lambda: not _unsent_draft(fake, case), timeout=3)
            break
        except TimeoutError:
            continue
    return f"{len(posted)} message drafts"


def _unsent_draft(fake: Any, case: DemoCase) -> Message | None:
    assert case.message is not None
    return next((m for m in fake.thread(case.message.channel, case.message.ts)
                 if _has_action(m.blocks, "draft_mark_sent")), None)


def _due_work_now(run: DemoRun) -> str | None:
    """Reminders already due for the demo cases (an overdue promise, say) go out now, not at the next tick."""
    fake = run.sandbox.fake
    before = _bot_posts(fake)
    run.sandbox.amends.ticker.run_pending()
    sent = _bot_posts(fake) - before
    if not sent:
        return None
    return f"{sent} reminder{'' if sent == 1 else 's'} already due (sent now)"


def _bot_posts(fake: Any) -> int:
    with fake.locked():
        conversations = list(fake.channels)
        return sum(1 for channel in conversations for m in fake.messages(channel, include_replies=True)
                   if m.user == fake.bot_user_id)


# Stages after opening the cases, one per feature; each returns a note, or None when the bot doesn't offer
# the feature.
STAGES: list[Any] = [_offers, _drafts, _due_work_now]
