"""Every table, imported in one place so Alembic and tests see the whole schema."""

from bot.api.models import ApiKey, ExternalRef, OutboxEvent  # noqa: F401
from bot.app_keys import AppKey  # noqa: F401
from bot.cases.models import Case, CaseEvent  # noqa: F401
from bot.drafting.models import Draft  # noqa: F401
from bot.home.models import AppHome  # noqa: F401
from bot.knowledge.models import Entry, ImportRun, Reply, SeenEvent, Term, Tombstone  # noqa: F401
from bot.offers.models import CustomerChoice, Offer, OfferItem  # noqa: F401
from bot.people.models import PersonZone  # noqa: F401
from bot.playbooks.models import CasePlaybook, CheckProgress, StepNote, StepProgress  # noqa: F401
from bot.reminders.models import Reminder  # noqa: F401
from bot.replays import AppliedInteraction  # noqa: F401
from bot.tracking.models import ActionItem, Resolution  # noqa: F401
