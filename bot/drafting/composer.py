"""Drafting as the rest of Amends uses it: pick a template, render it for a case, check its tone."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError

from bot.drafting import sms
from bot.drafting.context import DraftContext
from bot.drafting.dates import CaseDates, date_hints
from bot.drafting.environment import Target
from bot.drafting.templates import BASE_LANGUAGE, Channel, Rendered, TemplateLibrary, TemplateRef
from bot.drafting.tone import ToneHint, ToneRules, load_rules
from bot.errors import NotFound
from bot.paths import SHIPPED_TEMPLATES
from bot.settings import AmendsConfig


@dataclass(frozen=True)
class Composed:
    ref: TemplateRef
    rendered: Rendered
    hints: list[ToneHint]
    note: str | None = None  # said to the associate, e.g. that the customer's language had no template

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rendered.subject, self.rendered.body)


def fingerprint(subject: str | None, body: str) -> str:
    """A short digest of a draft's text, to tell later whether the associate changed it."""
    return hashlib.sha256(f"{subject or ''}\x00{body}".encode()).hexdigest()[:16]


def template_folders(config: AmendsConfig) -> list[Path]:
    """The shipped folder, then the team's (whose files win)."""
    folders = [SHIPPED_TEMPLATES]
    if config.drafting.templates is not None:
        folders.append(config.drafting.templates)
    return folders


class Drafting:
    def __init__(self, library: TemplateLibrary, rules: ToneRules,
                 language_rules: Mapping[str, ToneRules] | None = None) -> None:
        self.library = library
        self.rules = rules  # the base language's
        self.language_rules = dict(language_rules or {})

    @classmethod
    def load(cls, config: AmendsConfig) -> Drafting:
        """Templates and tone rules for `config`; raises ConfigError when the rules files have problems."""
        folders = template_folders(config)
        library = TemplateLibrary(folders)
        prefix = config.cases.id_prefix
        return cls(library, load_rules(folders, case_prefix=prefix),
                   {language: load_rules(folders, case_prefix=prefix, language=language)
                    for language in library.languages() if language != BASE_LANGUAGE})

    def rules_for(self, language: str) -> ToneRules:
        return self.language_rules.get(language, self.rules)

    def choose(self, name: str | None, channel: Channel, language: str = BASE_LANGUAGE) -> TemplateRef:
        """The template `name` for `channel` (else the channel's first: names differ by channel), in
        `language` when it has that template, else in the base language (`ref.language` tells which)."""
        refs = self.library.refs(channel)
        if not refs:
            raise NotFound(f"There are no {channel.label.lower()} templates. Ask your Amends admin to add one "
                           f"to the message templates folder.")
        ref = next((r for r in refs if r.name == name), refs[0])
        return self.library.in_language(ref, language) or ref

    def compose(self, ref: TemplateRef, context: DraftContext, target: Target = Target.PLAIN) -> Composed:
        rendered = self.library.render(ref, context.as_mapping(), target)
        rules = self.rules_for(ref.language)
        if ref.channel is Channel.SMS:
            rendered = Rendered(None, sms.fit(rendered.body, rules.max_chars(Channel.SMS) or sms.SMS_LIMIT))
        hints = self.check(rendered.text, channel=ref.channel, template=ref.name, language=ref.language) \
            if ref.channel.customer_facing else []
        return Composed(ref, rendered, hints)

    def check(self, text: str, *, channel: Channel, template: str | None,
              language: str = BASE_LANGUAGE, dates: CaseDates | None = None) -> list[ToneHint]:
        """The tone rules' hints; with the case's `dates`, also words that contradict its new date
        (read in the base language's words only)."""
        hints = self.rules_for(language).check(text, channel=channel, template=template)
        if dates is not None and language == BASE_LANGUAGE and channel.customer_facing:
            hints += date_hints(text, dates)
        return hints


def workspace_language(config: AmendsConfig) -> str:
    return Locale.parse(config.workspace.locale).language


def language_name(language: str) -> str:
    """"es" -> "Spanish", for the associate."""
    try:
        return Locale.parse(language).english_name or language
    except (UnknownLocaleError, ValueError):
        return language


@functools.lru_cache(maxsize=8)
def drafting_for(config: AmendsConfig) -> Drafting:
    """The Drafting for a configuration, loaded once (configs are frozen and hashable)."""
    return Drafting.load(config)
