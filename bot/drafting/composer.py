"""Drafting as the rest of Amends uses it: pick a template, render it for a case, check its tone."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from bot.drafting import sms
from bot.drafting.context import DraftContext
from bot.drafting.environment import Target
from bot.drafting.templates import Channel, Rendered, TemplateLibrary, TemplateRef
from bot.drafting.tone import ToneHint, ToneRules, load_rules
from bot.errors import NotFound
from bot.paths import SHIPPED_TEMPLATES
from bot.settings import AmendsConfig


@dataclass(frozen=True)
class Composed:
    ref: TemplateRef
    rendered: Rendered
    hints: list[ToneHint]

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
    def __init__(self, library: TemplateLibrary, rules: ToneRules) -> None:
        self.library = library
        self.rules = rules

    @classmethod
    def load(cls, config: AmendsConfig) -> Drafting:
        """Templates and tone rules for `config`; raises ConfigError when the rules files have problems."""
        folders = template_folders(config)
        return cls(TemplateLibrary(folders), load_rules(folders, case_prefix=config.cases.id_prefix))

    def choose(self, name: str | None, channel: Channel) -> TemplateRef:
        """The template `name` for `channel`, else the channel's first template (names differ by channel)."""
        refs = self.library.refs(channel)
        if not refs:
            raise NotFound(f"There are no {channel.label.lower()} templates. Ask your Amends admin to add one "
                           f"to the message templates folder.")
        return next((r for r in refs if r.name == name), refs[0])

    def compose(self, ref: TemplateRef, context: DraftContext, target: Target = Target.PLAIN) -> Composed:
        rendered = self.library.render(ref, context.as_mapping(), target)
        if ref.channel is Channel.SMS:
            rendered = Rendered(None, sms.fit(rendered.body, self.rules.max_chars(Channel.SMS) or sms.SMS_LIMIT))
        hints = self.check(rendered.text, channel=ref.channel, template=ref.name) \
            if ref.channel.customer_facing else []
        return Composed(ref, rendered, hints)

    def check(self, text: str, *, channel: Channel, template: str | None) -> list[ToneHint]:
        return self.rules.check(text, channel=channel, template=template)


@functools.lru_cache(maxsize=8)
def drafting_for(config: AmendsConfig) -> Drafting:
    """The Drafting for a configuration, loaded once (configs are frozen and hashable)."""
    return Drafting.load(config)
