"""Settings: secrets and deployment choices from the environment (and `.env`), team choices from amends.yaml.

Both are validated once at start. Any problem becomes a ConfigError whose lines name the setting (the
environment variable, or the file, line and key) and say what to do - never a traceback.
"""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.api.config import ApiConfig
from bot.datafile import load_model
from bot.drafting.config import DraftingConfig
from bot.errors import ConfigError
from bot.home.config import HomeConfig
from bot.money import valid_locale
from bot.offers.config import BudgetConfig
from bot.playbooks.config import PlaybooksConfig
from bot.privacy.config import PrivacyConfig
from bot.reminders.config import Duration, RemindersConfig
from bot.tracking.config import TrackingConfig

DEFAULT_DATABASE_URL = "sqlite:///amends.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Slack gives the bot 3 seconds to answer; a wait for a locked database counts against them.
SLACK_ANSWER_DEADLINE = 3.0
DEFAULT_DATABASE_LOCK_TIMEOUT = 2.0


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}; use an IANA name like 'Europe/Paris'") from None
    return name


def _currency(code: str) -> str:
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"{code!r} is not a 3-letter ISO 4217 currency code like 'EUR'")
    return code.upper()


def _slack_id(prefixes: str, what: str, example: str):  # noqa: ANN202 - returns a validator
    def check(value: str) -> str:
        if not (isinstance(value, str) and len(value) >= 3 and value[0] in prefixes
                and value.isalnum() and value.upper() == value):
            raise ValueError(f"{value!r} is not {what} ID like {example} (IDs, not names: in Slack, open the "
                             f"details and copy the ID at the bottom)")
        return value
    return AfterValidator(check)


ChannelId = Annotated[str, _slack_id("CG", "a channel", "C0123ABCD")]
UserId = Annotated[str, _slack_id("UW", "a user", "U0123ABCD")]
UsergroupId = Annotated[str, _slack_id("S", "a user group", "S0123ABCD")]
Timezone = Annotated[str, AfterValidator(_timezone)]
Currency = Annotated[str, AfterValidator(_currency)]
Locale = Annotated[str, AfterValidator(valid_locale)]


class _Strict(BaseModel):
    # Frozen and built from tuples, so a config is hashable and renderings can be cached per config.
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkspaceConfig(_Strict):
    timezone: Timezone = "UTC"
    currency: Currency = "USD"
    # How amounts are typed and shown (Babel/CLDR): en_GB "£1,250.50", de_DE "1.250,50 €"; also the
    # language customers are written to unless a case says otherwise.
    locale: Locale = "en"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class CasesConfig(_Strict):
    channel: ChannelId
    id_prefix: str = "AM"
    # A case saved but still not posted this long after (the bot was killed in between) is posted by a sweep.
    post_missing_after: Duration = timedelta(minutes=1)

    @field_validator("id_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not (1 <= len(value) <= 8 and value[0].isalpha() and value.isalnum() and value.isupper()):
            raise ValueError(f"{value!r} must be 1 to 8 capital letters or digits, starting with a letter, like AM")
        return value


class ManagersConfig(_Strict):
    users: tuple[UserId, ...] = ()
    usergroup: UsergroupId | None = None

    @property
    def configured(self) -> bool:
        return bool(self.users or self.usergroup)


class CustomerTier(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,30}$")
    label: str = Field(min_length=1, max_length=75)
    weight: int = Field(default=0, ge=0, le=5, description="severity points this tier adds")


def _default_tiers() -> tuple[CustomerTier, ...]:
    return (
        CustomerTier(id="standard", label="Standard", weight=0),
        CustomerTier(id="preferred", label="Preferred", weight=1),
        CustomerTier(id="key", label="Key account", weight=2),
    )


class SeverityConfig(_Strict):
    """Points that add up to a severity; see README "How severity is derived"."""

    overdue_points: int = 4
    due_within_24h_points: int = 2
    due_within_72h_points: int = 1
    high_value: Decimal = Decimal("5000")
    high_value_points: int = 2
    medium_value: Decimal = Decimal("1000")
    medium_value_points: int = 1
    critical_at: int = 6
    high_at: int = 4
    medium_at: int = 2

    @model_validator(mode="after")
    def _ordered(self) -> SeverityConfig:
        if not (self.critical_at > self.high_at > self.medium_at > 0):
            raise ValueError("thresholds must satisfy critical_at > high_at > medium_at > 0")
        if self.medium_value > self.high_value:
            raise ValueError("medium_value must not exceed high_value")
        return self


class KnowledgeConfig(_Strict):
    """The best-practices index (see README "Best-practices search")."""

    channels: tuple[ChannelId, ...] = ()   # every message here is indexed, with edits, deletions and threads
    repost: bool = True                    # "Save as best practice" re-posts to channels[0] unless unticked
    synonyms: Path | None = None           # a team's own synonym groups, added to the shipped ones

    @property
    def repost_channel(self) -> str | None:
        return self.channels[0] if self.channels else None


class ApproversConfig(_Strict):
    """Who decides offers beyond an associate's or manager's limit (default: the managers)."""

    users: tuple[UserId, ...] = ()
    usergroup: UsergroupId | None = None
    channel: ChannelId | None = None  # requests go here; without it, each approver gets a DM

    @property
    def configured(self) -> bool:
        return bool(self.users or self.usergroup)


class OffersConfig(_Strict):
    """Alternatives, the compensation budget and approvals (see README "Offers, budget and approvals")."""

    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    approvers: ApproversConfig = Field(default_factory=ApproversConfig)
    # A request nobody decided within this (moved into working hours) is escalated in the case thread:
    # `escalate_to` (default: the managers) and the approvers are pinged. Only approvers decide.
    escalate_after: Duration = timedelta(hours=2)
    escalate_to: tuple[UserId, ...] = ()


class AmendsConfig(_Strict):
    """The team's amends.yaml."""

    workspace: WorkspaceConfig = Field(default_factory=WorkspaceConfig)
    cases: CasesConfig
    managers: ManagersConfig = Field(default_factory=ManagersConfig)
    customer_tiers: tuple[CustomerTier, ...] = Field(default_factory=_default_tiers, min_length=1)
    severity: SeverityConfig = Field(default_factory=SeverityConfig)
    reminders: RemindersConfig = Field(default_factory=RemindersConfig)
    playbooks: PlaybooksConfig = Field(default_factory=PlaybooksConfig)
    drafting: DraftingConfig = Field(default_factory=DraftingConfig)
    knowledge: KnowledgeConfig = Field(default_factory=KnowledgeConfig)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    home: HomeConfig = Field(default_factory=HomeConfig)
    offers: OffersConfig = Field(default_factory=OffersConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)

    @field_validator("customer_tiers")
    @classmethod
    def _unique_tiers(cls, tiers: tuple[CustomerTier, ...]) -> tuple[CustomerTier, ...]:
        seen = set()
        for tier in tiers:
            if tier.id in seen:
                raise ValueError(f"tier id {tier.id!r} is listed twice")
            seen.add(tier.id)
        return tiers

    def tier(self, tier_id: str | None) -> CustomerTier | None:
        return next((t for t in self.customer_tiers if t.id == tier_id), None)


class Settings(BaseSettings):
    """Deployment settings. Names are the environment variables operators set."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="AMENDS_DATABASE_URL")
    config_path: Path = Field(default=Path("amends.yaml"), alias="AMENDS_CONFIG")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, alias="AMENDS_SLACK_API_URL")
    log_level: str = Field(default="INFO", alias="AMENDS_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field(default="text", alias="AMENDS_LOG_FORMAT")
    database_lock_timeout: float = Field(default=DEFAULT_DATABASE_LOCK_TIMEOUT, alias="AMENDS_DATABASE_LOCK_TIMEOUT")
    # Unset: the sandbox when no Slack variable is set, Slack otherwise. Set, it is the operator's choice.
    mode: Literal["slack", "sandbox"] | None = Field(default=None, alias="AMENDS_MODE")
    # Signing secrets of API keys are derived from it, so none is stored (README "Connecting your order system").
    api_secret: SecretStr | None = Field(default=None, alias="AMENDS_API_SECRET")

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with 'xoxb-' (OAuth & Permissions page)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with 'xapp-' (Basic Information page)")
        return value

    @field_validator("slack_signing_secret", "slack_bot_token", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_lock_timeout")
    @classmethod
    def _lock_timeout(cls, value: float) -> float:
        if not 0 < value < SLACK_ANSWER_DEADLINE:
            raise ValueError("must be more than 0 and less than 3 seconds: Slack gives the bot 3 seconds to "
                             "answer, waiting for a locked database included")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower() or None
            if value not in {None, "slack", "sandbox"}:
                raise ValueError("must be slack or sandbox (or unset: the sandbox when no Slack variable is set)")
        return value

    def secret_values(self) -> list[str]:
        """What must never appear in a log line."""
        return [s.get_secret_value() for s in (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token)
                if s is not None]

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def has_no_slack_credentials(self) -> bool:
        """None of the Slack tokens is set."""
        return self.slack_bot_token is None and self.slack_signing_secret is None and self.slack_app_token is None

    @property
    def runs_sandbox(self) -> bool:
        """`amends run` starts the sandbox: asked for, or nothing at all says Slack."""
        return self.mode == "sandbox" or (self.mode is None and self.has_no_slack_credentials())

    def partial_slack_problem(self) -> str | None:
        """One line naming what is missing when some Slack variables are set but not all that a mode needs:
        such a bot must refuse to start rather than quietly become a sandbox."""
        missing = self.missing_for_slack()
        if not missing or self.mode == "sandbox" or self.has_no_slack_credentials():
            return None
        given = [name for name, value in (("SLACK_BOT_TOKEN", self.slack_bot_token),
                                          ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
                                          ("SLACK_APP_TOKEN", self.slack_app_token)) if value is not None]
        wanted = " and ".join(missing).replace(
            "SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)")
        return (f"{wanted} not set, but {' and '.join(given)} {'is' if len(given) == 1 else 'are'}: Amends "
                f"won't start half-configured nor fall back to the sandbox (AMENDS_MODE=sandbox runs it)")

    def missing_for_slack(self) -> list[str]:
        """Environment variables still needed to talk to a real Slack workspace."""
        missing = []
        if self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN")
        if self.slack_signing_secret is None and not self.socket_mode:
            missing.append("SLACK_SIGNING_SECRET")
        return missing


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from `env` (default: the process environment and .env)."""
    try:
        if env is None:
            return Settings()
        return Settings.model_validate(env)
    except ValidationError as exc:
        problems = []
        for item in exc.errors(include_url=False):
            name = ".".join(str(p) for p in item["loc"])
            problems.append(f"{name}: {str(item['msg']).removeprefix('Value error, ')}")
        raise ConfigError(problems) from None


def load_config(path: Path) -> AmendsConfig:
    """Read amends.yaml, with a hint on how to create it when it is missing."""
    if not path.exists():
        hint = "copy amends.example.yaml to amends.yaml and set cases.channel"
        if os.environ.get("AMENDS_CONFIG"):
            raise ConfigError([f"AMENDS_CONFIG: {path} does not exist"])
        raise ConfigError([f"{path}: not found ({hint}), or point AMENDS_CONFIG at your file"])
    config = load_model(path, AmendsConfig)
    return config.model_copy(update={"playbooks": config.playbooks.resolved_against(path.parent),
                                     "drafting": config.drafting.resolved_against(path.parent)})
