"""The Jinja environments message templates render in (domain code: no Slack imports).

Two targets, one template:

* `Target.PLAIN` - the text the associate copies out (the editable draft, the email they paste). Values
  are written exactly as they are: O'Brien stays O'Brien, `<` stays `<`.
* `Target.SLACK` - text Amends posts in Slack mrkdwn itself (the manager summary). Every value a template
  prints with `{{ ... }}` is escaped for Slack (`&`, `<`, `>` only) by the environment's `finalize` hook,
  so a customer called `<!here>` pings nobody. Only values that are Slack syntax on purpose
  (`SlackSyntax`, e.g. the associate's mention) and the template's own literal text pass unescaped.

How the Slack target escapes: Jinja's autoescape machinery is switched on only so that output already
made safe (the result of a macro or `{% set %}` block) is not escaped twice; `finalize` does the actual
escaping with `escape_mrkdwn` and wraps the result in `Markup`, so Jinja's HTML escaping never touches a
value. Its one leak (`'` and `"` escaped as HTML entities when a macro's output is joined with `~`) is
undone after rendering: a bare `&#39;` can only come from there, since person text has its `&` escaped.
HTML-only filters (`e`, `escape`, `forceescape`, `safe`, `urlize`, `xmlattr`) are removed: they either
HTML-escape (wrong for Slack) or switch escaping off.

Templates run in Jinja's `ImmutableSandboxedEnvironment` with `StrictUndefined`: a template can't reach
Python internals or modify data, and a misspelt variable is an error (reported by `amends check` with its
file and line) instead of a silent blank in front of a customer. Printing `None` is an error too: wrap
optional values in `{% if %}`.

Templates are written by the team, so the limits below guard against accidents, not attackers: output
is streamed and stopped at `MAX_RENDERED` characters (a runaway loop never builds megabytes), `range()`
has a budget per rendering, and `*` / `**` refuse to build huge strings or numbers. Person text is only
ever data in the context; it is never compiled as a template.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, Template
from jinja2.exceptions import SecurityError
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment
from markupsafe import Markup

from bot.text import escape_mrkdwn

MAX_RENDERED = 20_000      # characters a single rendering may produce (a message is a few hundred)
MAX_PIECE = MAX_RENDERED   # the largest string or list one `*` may build
RANGE_BUDGET = 10_000      # items all range() calls of one rendering may produce together
MAX_POWER_BITS = 4096      # `**` results beyond this many bits are refused

HTML_ONLY_FILTERS = ("e", "escape", "forceescape", "safe", "urlize", "xmlattr")


class Target(StrEnum):
    PLAIN = "plain"  # copied out by the associate: values exactly as typed
    SLACK = "slack"  # posted by Amends in Slack mrkdwn: values escaped


class RenderLimit(SecurityError):
    """A template tried to produce more than the limits allow."""


class EmptyValue(ValueError):
    """A template printed None (a value the case does not have)."""


class SlackSyntax:
    """A value that is Slack markup on purpose (a mention, a link), with the words to use outside Slack.

    In the Slack target it is printed as is; in the plain target as `plain`.
    """

    __slots__ = ("plain", "slack")

    def __init__(self, slack: str, plain: str) -> None:
        self.slack = slack
        self.plain = plain

    def __str__(self) -> str:
        return self.plain

    def __html__(self) -> str:  # what Jinja's "already safe" machinery prints in the Slack target
        return self.slack

    def __repr__(self) -> str:
        return f"SlackSyntax({self.slack!r}, {self.plain!r})"


_range_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("range_budget")


def _budgeted_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise RenderLimit(f"range() of {len(numbers)} items is too long")
    budget = _range_budget.get(None)
    if budget is not None:
        budget[0] -= len(numbers)
        if budget[0] < 0:
            raise RenderLimit(f"loops over range() ran more than {RANGE_BUDGET} times in one message")
    return numbers


def _no_none(value: Any) -> Any:
    if value is None:
        raise EmptyValue("printed an empty value (None); wrap it in {% if ... %} so the message reads "
                         "well without it")
    return value


def _finalize_plain(value: Any) -> Any:
    return _no_none(value)


def _finalize_slack(value: Any) -> Markup:
    value = _no_none(value)
    if hasattr(value, "__html__"):  # a macro's or {% set %} block's output (already escaped), SlackSyntax
        return Markup(value.__html__())
    return Markup(escape_mrkdwn(value))


def _undo_html_quote_escapes(text: str) -> str:
    return text.replace("&#39;", "'").replace("&#34;", '"')


class DraftEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with the size guards described in the module docs."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    if len(seq) * times > MAX_PIECE:
                        raise RenderLimit(f"repeating something {times} times makes it too long")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if right * max(1, abs(left).bit_length()) > MAX_POWER_BITS:
                raise RenderLimit(f"{left} ** {right} is too large a number")
        return super().call_binop(context, operator, left, right)


def make_environment(loader: BaseLoader, target: Target, *, filters: Mapping[str, Callable[..., Any]] = (),
                     globals_: Mapping[str, Any] = ()) -> DraftEnvironment:
    slack = target is Target.SLACK
    env = DraftEnvironment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=slack,  # only so that already-escaped output isn't escaped twice; see module docs
        finalize=_finalize_slack if slack else _finalize_plain,
        auto_reload=False,  # templates are checked at start (amends run); restart to pick up edits
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    for name in HTML_ONLY_FILTERS:
        env.filters.pop(name, None)
    env.filters.update(dict(filters))
    env.globals["range"] = _budgeted_range
    env.globals.update(dict(globals_))
    return env


def render_capped(template: Template, context: Mapping[str, Any], target: Target,
                  limit: int = MAX_RENDERED) -> str:
    """Render `template`, stopping as soon as the output passes `limit` characters."""
    token = _range_budget.set([RANGE_BUDGET])
    try:
        pieces: list[str] = []
        size = 0
        stream = template.generate(dict(context))
        for piece in stream:
            size += len(piece)
            if size > limit:
                # Raised inside the template, where it stopped, so the error names that line.
                stream.throw(RenderLimit(f"the message is longer than {limit} characters; is a loop repeating?"))
            pieces.append(piece)
    finally:
        _range_budget.reset(token)
    text = "".join(pieces)
    return _undo_html_quote_escapes(text) if target is Target.SLACK else text
