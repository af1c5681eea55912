"""Draft use cases on a real database: compose for a case, save, mark as sent (once), manager summary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.cases import service as cases
from bot.cases.intake import CaseIntake
from bot.cases.models import CaseEvent, Outcome
from bot.clock import FrozenClock
from bot.db import Database
from bot.drafting import service
from bot.drafting.composer import drafting_for
from bot.drafting.context import Associate
from bot.drafting.templates import Channel
from bot.drafting.tone import ToneHint
from bot.errors import InvalidInput
from bot.settings import AmendsConfig
from tests.support import lifecycle_for, waive_required_steps

ADA = Associate("U0ASSOC01", "Ada Lovelace", phone="+44 20 7946 0123")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def new_case(db: Database, config: AmendsConfig, clock: FrozenClock, **fields: object) -> int:
    values = dict(customer_name="Contoso <!here>", order_ref="SO-1", promise="a standing desk",
                  promised_at=clock.now() + timedelta(days=1), cause="stock-out")
    values.update(fields)
    with db.transaction() as session:
        return cases.open_case(session, CaseIntake(**values), reporter_id=ADA.user_id, config=config,
                               now=clock.now(), lifecycle=lifecycle_for(config)).id


def test_the_first_draft_is_a_first_notice_by_phone_then_the_channel_last_used(db: Database, config: AmendsConfig,
                                                                                clock: FrozenClock) -> None:
    case_id = new_case(db, config, clock)
    drafting = drafting_for(config)
    with db.transaction() as session:
        _, composed = service.compose_for_case(session, drafting, case_id, config=config, associate=ADA,
                                               now=clock.now())
    assert (composed.ref.name, composed.ref.channel) == ("first_notice", Channel.PHONE)
    assert "Contoso <!here>" in composed.rendered.body
    with db.transaction() as session:
        draft = service.save_draft(session, case_id, template="first_notice", channel=Channel.SMS, subject=None,
                                   body="Hi Contoso", edited=True, hints=[], author_id=ADA.user_id, now=clock.now())
        service.mark_sent(session, draft.id, actor_id=ADA.user_id, now=clock.now(),
                          lifecycle=lifecycle_for(config))
    with db.transaction() as session:
        _, composed = service.compose_for_case(session, drafting, case_id, config=config, associate=ADA,
                                               now=clock.now())
    assert (composed.ref.name, composed.ref.channel) == ("status_update", Channel.SMS)


def test_saving_keeps_the_edited_text_and_its_hints_and_logs_it(db: Database, config: AmendsConfig,
                                                               clock: FrozenClock) -> None:
    case_id = new_case(db, config, clock)
    hint = ToneHint("overpromise", "Promises what we don't control", "advice", ("guaranteed",))
    with db.transaction() as session:
        draft = service.save_draft(session, case_id, template="first_notice", channel=Channel.EMAIL,
                                   subject=" Your order ", body="It is guaranteed.", edited=True, hints=[hint],
                                   author_id=ADA.user_id, now=clock.now())
    with db.transaction() as session:
        saved = service.get_draft(session, draft.id)
        assert (saved.subject, saved.body, saved.edited) == ("Your order", "It is guaranteed.", True)
        assert service.stored_hints(saved) == [hint]
        event = session.query(CaseEvent).filter_by(kind="draft_saved").one()
        assert event.data == {"draft_id": draft.id, "template": "first_notice", "channel": "email",
                              "edited": True, "hints": ["overpromise"]}


@pytest.mark.parametrize(("channel", "subject", "body", "field"), [
    (Channel.PHONE, None, "   ", "body"),
    (Channel.EMAIL, "", "Hello", "subject"),
    (Channel.SMS, None, "x" * 3001, "body"),
])
def test_an_empty_or_oversized_draft_is_refused_field_by_field(db: Database, config: AmendsConfig,
                                                                clock: FrozenClock, channel: Channel,
                                                                subject: str | None, body: str, field: str) -> None:
    case_id = new_case(db, config, clock)
    with pytest.raises(InvalidInput) as refused:
        with db.transaction() as session:
            service.save_draft(session, case_id, template="first_notice", channel=channel, subject=subject,
                               body=body, edited=False, hints=[], author_id=ADA.user_id, now=clock.now())
    assert list(refused.value.fields) == [field]
    with db.transaction() as session:
        assert service.drafts_for(session, case_id) == []


def test_mark_as_sent_records_the_first_contact_once(db: Database, config: AmendsConfig,
                                                     clock: FrozenClock) -> None:
    case_id = new_case(db, config, clock)
    with db.transaction() as session:
        draft_id = service.save_draft(session, case_id, template="first_notice", channel=Channel.PHONE,
                                      subject=None, body="Script", edited=False, hints=[], author_id=ADA.user_id,
                                      now=clock.now()).id
    first = clock.now()
    with db.transaction() as session:
        service.mark_sent(session, draft_id, actor_id="U0ASSOC02", now=first, lifecycle=lifecycle_for(config))
    clock.advance(timedelta(minutes=5))
    with pytest.raises(service.AlreadySent) as again:
        with db.transaction() as session:
            service.mark_sent(session, draft_id, actor_id=ADA.user_id, now=clock.now(),
                              lifecycle=lifecycle_for(config))
    assert again.value.sent_by == "U0ASSOC02" and again.value.sent_at == first
    with db.transaction() as session:
        case = cases.get_case(session, case_id)
        assert case.customer_contacted_at == first
        contacts = [e for e in case.events if e.kind == "customer_contacted"]
        assert [(e.actor_id, e.data) for e in contacts] == [("U0ASSOC02", {"channel": "phone"})]


def test_after_resolution_the_suggestion_follows_the_outcome(db: Database, config: AmendsConfig,
                                                             clock: FrozenClock) -> None:
    drafting = drafting_for(config)
    for outcome, expected in ((Outcome.CANCELLED, "cancellation"), (Outcome.TOOK_ALTERNATIVE, "delivered")):
        case_id = new_case(db, config, clock)
        with db.transaction() as session:
            waive_required_steps(session, case_id, clock.now())
            cases.resolve_case(session, case_id, actor_id=ADA.user_id, now=clock.now(), outcome=outcome,
                               lifecycle=lifecycle_for(config))
            _, composed = service.compose_for_case(session, drafting, case_id, config=config, associate=ADA,
                                                   now=clock.now(), channel=Channel.EMAIL)
        assert composed.ref.name == expected


def test_manager_summary_for_escalations(db: Database, config: AmendsConfig, clock: FrozenClock) -> None:
    case_id = new_case(db, config, clock, notes="Customer <!channel> is a key account")
    with db.transaction() as session:
        text = service.manager_summary(session, case_id, config=config, now=clock.now())
    assert text.startswith("*AM-1 · Contoso &lt;!here&gt;*")
    assert f"owner <@{ADA.user_id}>" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "*Customer:* not told yet" in text
