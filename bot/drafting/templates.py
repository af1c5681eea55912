"""Message templates: found in folders, rendered for a channel, problems located by file and line.

A template is a file `<name>.<channel>.j2`, e.g. `first_notice.email.j2`, written in English (the base
language); `<name>.<channel>.<language>.j2` (`first_notice.phone.es.j2`) is the same template in another
language, used for customers who speak it (a language without its own file falls back to the base). The shipped ones live in
`message_templates/`; a team adds its own folder (amends.yaml `drafting.templates`), where a new name adds
a template and an existing name replaces the shipped one. Files starting with `_` are shared pieces
(`{% include %}` / `{% import %}`) and are looked up in the team folder first too, so a team can reword
one shared piece without copying every template. Email templates start with a `Subject: ...` line.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, Template, TemplateSyntaxError

from bot.drafting.environment import DraftEnvironment, Target, make_environment, render_capped
from bot.errors import AmendsError

TEMPLATE_FILE = re.compile(r"^(?P<name>[a-z][a-z0-9_]{0,40})\.(?P<channel>[a-z]+)(?:\.(?P<language>[a-z]{2,3}))?\.j2$")
BASE_LANGUAGE = "en"  # the language of templates without a language in their name
SUBJECT = re.compile(r"^Subject:[ \t]*(?P<subject>.*)$")
# The recovery sequence first, then anything a team adds, alphabetically.
SHIPPED_ORDER = ("first_notice", "status_update", "delivered", "cancellation", "manager_summary")


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"
    SLACK = "slack"  # internal notes for the team (the manager summary), never sent to a customer

    @property
    def label(self) -> str:
        return {"phone": "Phone script", "email": "Email", "sms": "SMS or chat", "slack": "Slack note"}[self.value]

    @property
    def customer_facing(self) -> bool:
        return self is not Channel.SLACK


CUSTOMER_CHANNELS = tuple(c for c in Channel if c.customer_facing)


@dataclass(frozen=True)
class TemplateRef:
    name: str
    channel: Channel
    path: Path
    language: str = BASE_LANGUAGE

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @property
    def key(self) -> str:
        suffix = "" if self.language == BASE_LANGUAGE else f".{self.language}"
        return f"{self.name}.{self.channel.value}{suffix}"


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str

    @property
    def text(self) -> str:
        """Subject and body together, as the tone check reads them."""
        return f"{self.subject}\n\n{self.body}" if self.subject else self.body


class TemplateProblem(AmendsError):
    """A template that does not render. `where` is file:line; the message is for the person drafting."""

    def __init__(self, ref: TemplateRef | None, where: str, detail: str, *, syntax: bool = False) -> None:
        label = f"The {ref.channel.label.lower()} template “{ref.label}”" if ref else "A message template"
        super().__init__(f"{label} has a problem, so I can't draft it ({where}: {detail}). Please ask your "
                         "Amends admin to run `amends check`; meanwhile pick another template or write "
                         "the message yourself.")
        self.where = where
        self.detail = detail
        self.syntax = syntax  # found when compiling, whatever the case

    @property
    def line(self) -> str:
        return f"{self.where}: {self.detail}"


def tidy(text: str) -> str:
    """Trailing spaces off every line, at most one empty line in a row, no blank lines around."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def or_list(items: Iterable[Any], last: str = "or") -> str:
    """["a", "b", "c"] -> "a, b or c" (filter `or_list`; `and_list` joins with "and")."""
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def and_list(items: Iterable[Any], word: str = "and") -> str:
    """`and_list("y")` for another language's "and"."""
    return or_list(items, word)


FILTERS = {"or_list": or_list, "and_list": and_list}


class TemplateLibrary:
    """The templates in `folders`; a later folder's file replaces an earlier one of the same name."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = [Path(f) for f in folders]
        self.problems: list[str] = []  # files whose names don't follow the rules
        found: dict[tuple[str, Channel, str], TemplateRef] = {}
        for folder in self.folders:
            for path in sorted(folder.glob("*.j2")):
                if path.name.startswith("_"):
                    continue
                match = TEMPLATE_FILE.match(path.name)
                channel = match and next((c for c in Channel if c.value == match["channel"]), None)
                if not match or channel is None:
                    self.problems.append(
                        f"{path}: a template's name is <name>.<channel>.j2 (or <name>.<channel>.<language>.j2, "
                        f"like first_notice.phone.es.j2) with a lower-case name and a channel among "
                        f"{', '.join(c.value for c in Channel)} (shared pieces start with _)")
                    continue
                language = match["language"] or BASE_LANGUAGE
                found[(match["name"], channel, language)] = TemplateRef(match["name"], channel, path, language)
        self._all = sorted(found.values(), key=_order)
        self._refs = [r for r in self._all if r.language == BASE_LANGUAGE]
        # Jinja looks in the team folder first, so a team's shared piece also replaces the shipped one.
        loader = FileSystemLoader([str(f) for f in reversed(self.folders)])
        self._envs: dict[Target, DraftEnvironment] = {
            target: make_environment(loader, target, filters=FILTERS) for target in Target
        }

    def refs(self, channel: Channel | None = None) -> list[TemplateRef]:
        """The templates to pick from (one per name and channel, in the base language)."""
        return [r for r in self._refs if channel is None or r.channel == channel]

    def all_refs(self) -> list[TemplateRef]:
        """Every file, each language's included (what `amends check` renders)."""
        return list(self._all)

    def languages(self) -> list[str]:
        """The languages customers can be written to: the base one and every one with a template."""
        return [BASE_LANGUAGE, *sorted({r.language for r in self._all} - {BASE_LANGUAGE})]

    def in_language(self, ref: TemplateRef, language: str) -> TemplateRef | None:
        """`ref` in `language`, or None when that language has no file for it."""
        if language == ref.language:
            return ref
        return next((r for r in self._all if (r.name, r.channel, r.language) == (ref.name, ref.channel, language)),
                    None)

    def names(self, channel: Channel) -> list[str]:
        return [r.name for r in self.refs(channel)]

    def find(self, name: str, channel: Channel) -> TemplateRef | None:
        return next((r for r in self._refs if r.name == name and r.channel == channel), None)

    def channels(self) -> list[Channel]:
        return [c for c in Channel if self.refs(c)]

    def render(self, ref: TemplateRef, context: Mapping[str, Any], target: Target = Target.PLAIN) -> Rendered:
        """Render `ref`; any failure becomes a TemplateProblem naming the file and line."""
        try:
            template = self._template(ref, target)
            text = tidy(render_capped(template, context, target))
        except TemplateProblem:
            raise
        except TemplateSyntaxError as exc:
            raise TemplateProblem(ref, f"{exc.filename or ref.path}:{exc.lineno}", exc.message or str(exc),
                                  syntax=True) from exc
        except Exception as exc:  # noqa: BLE001 - anything a template does wrong is the template's problem
            raise TemplateProblem(ref, _where(exc, ref), _describe(exc)) from exc
        if ref.channel is not Channel.EMAIL:
            return Rendered(None, text)
        first, _, rest = text.partition("\n")
        match = SUBJECT.match(first)
        if not match or not match["subject"].strip():
            raise TemplateProblem(ref, f"{ref.path}:1", "an email template starts with a line "
                                                        "'Subject: ...' followed by the body")
        return Rendered(match["subject"].strip(), rest.strip("\n"))

    def _template(self, ref: TemplateRef, target: Target) -> Template:
        # The loader searches the team folder first, as the scan above lets the team's file win.
        return self._envs[target].get_template(ref.filename)


def _order(ref: TemplateRef) -> tuple[int, str, int, bool, str]:
    rank = SHIPPED_ORDER.index(ref.name) if ref.name in SHIPPED_ORDER else len(SHIPPED_ORDER)
    return rank, ref.name, list(Channel).index(ref.channel), ref.language != BASE_LANGUAGE, ref.language


def _where(exc: BaseException, ref: TemplateRef) -> str:
    """file:line of the innermost template frame in the traceback (Jinja maps frames to template lines)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if frames:
        return f"{frames[-1].filename}:{frames[-1].lineno}"
    return str(ref.path)


# Jinja names objects by their Python class; template authors know them by their variable names.
_VARIABLE_NAMES = {"CustomerView": "customer", "OrderView": "order", "CaseView": "case",
                   "AssociateView": "associate", "AlternativeView": "an alternative", "When": "a date",
                   "Amount": "an amount", "DraftContext": "the message"}
_OBJECT = re.compile(r"'(?:[\w.]+\.)?(\w+) object'")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "a macro or include calls itself without end"
    text = (str(exc) or type(exc).__name__).splitlines()[0][:300]
    return _OBJECT.sub(lambda m: _VARIABLE_NAMES.get(m[1], m[0]), text)
