"""Every callback_id, action_id and block_id the bot uses, named once."""

from __future__ import annotations

from enum import StrEnum


class Callback(StrEnum):
    CASE_INTAKE = "case_intake"
    CASE_EDIT = "case_edit"
    DRAFT_MESSAGE = "draft_message"
    KNOWLEDGE_SAVE = "knowledge_save"


class Action(StrEnum):
    CASE_POST_RETRY = "case_post_retry"
    OPEN_INTAKE = "open_intake"
    REMINDER_UPDATE_SENT = "reminder_update_sent"
    REMINDER_CUSTOMER_TOLD = "reminder_customer_told"
    REMINDER_SNOOZE = "reminder_snooze"
    REMINDER_HANDOVER = "reminder_handover"
    DRAFT_CHANNEL = "draft_channel"
    DRAFT_TEMPLATE = "draft_template"
    DRAFT_PERSONAL = "draft_personal"
    DRAFT_KIND = "draft_kind"
    DRAFT_CHECK_TONE = "draft_check_tone"
    DRAFT_MARK_SENT = "draft_mark_sent"
    DRAFT_EDIT = "draft_edit"
    KNOWLEDGE_MORE = "knowledge_more"
    KNOWLEDGE_PREVIOUS = "knowledge_previous"  # its own id: Slack refuses two buttons sharing one in a block
    KNOWLEDGE_LINK = "knowledge_link"
    ACTION_ITEM_DONE = "action_item_done"
    HOME_PREVIOUS = "home_previous"
    HOME_NEXT = "home_next"
    HOME_OPEN_CASE = "home_open_case"  # a link button: Slack still sends the click, which is acked


class IntakeField(StrEnum):
    """Block ids of the intake modal; they are also the CaseIntake field names."""

    CUSTOMER_NAME = "customer_name"
    CUSTOMER_CONTACT = "customer_contact"
    CUSTOMER_TIMEZONE = "customer_timezone"
    CUSTOMER_LANGUAGE = "customer_language"
    ORDER_REF = "order_ref"
    PROMISE = "promise"
    PROMISE_KIND = "promise_kind"
    PROMISED_AT = "promised_at"
    CAUSE = "cause"
    CAUSE_DETAIL = "cause_detail"
    NEW_DATE = "new_date"  # with a `.<revision>` suffix once a date is suggested (see blocks.cases.intake_modal)
    ORIGIN = "origin"
    ORDER_VALUE = "order_value"
    CUSTOMER_TIER = "customer_tier"
    NOTES = "notes"

    def at(self, revision: int) -> str:
        """The block id in the view's `revision`-th rendering (0: the plain id)."""
        return f"{self.value}.{revision}" if revision else self.value

    @classmethod
    def named(cls, block_id: str) -> IntakeField:
        return cls(block_id.split(".", 1)[0])


class DraftField(StrEnum):
    """Block ids of the draft modal's inputs. A `.<revision>` suffix changes with every new rendering,
    because Slack keeps what was typed in an input whose ids stay the same across views.update."""

    SUBJECT = "draft_subject"
    BODY = "draft_body"

    def at(self, revision: int) -> str:
        return f"{self.value}.{revision}"


class KnowledgeField(StrEnum):
    """Block ids of the "Save as best practice" modal."""

    TITLE = "knowledge_title"
    CAUSE = "knowledge_cause"
    TAGS = "knowledge_tags"
    REPOST = "knowledge_repost"


class EditField(StrEnum):
    """Block ids of the Edit case modal; they are also the CaseEdit field names."""

    NEW_DATE = "new_date"
    CUSTOMER_CONTACT = "customer_contact"
    CUSTOMER_TIMEZONE = "customer_timezone"
    CUSTOMER_TIER = "customer_tier"
