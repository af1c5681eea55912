"""`/recover` and its subcommands. Areas add subcommands; anything else opens a new case.

Dispatch rule: the first word picks a subcommand (`list`, `help`, ...). With no text, or free text, the
intake modal opens with the text as notes. A single word that is *almost* a subcommand (`lsit`,
`hlep`) is treated as a typo: usage is shown with a "did you mean" and a button to open a case anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from slack_sdk import WebClient

from bot.slack.blocks import commands as blocks
from bot.slack.notify import Respond
from bot.slack.surface import Surface

COMMAND = "/recover"
TYPO_SCORE = 70


@dataclass(frozen=True)
class Invocation:
    user_id: str
    channel_id: str | None
    args: str
    trigger_id: str
    client: WebClient
    respond: Respond


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Callable[[Invocation], None]


class RecoverCommand:
    def __init__(self, surface: Surface) -> None:
        self._surface = surface
        self._subcommands: dict[str, Subcommand] = {}
        self._default: Callable[[Invocation], None] | None = None
        surface.command(COMMAND, description=self._description(), usage_hint=self._usage_hint())(self._dispatch)
        self.subcommand("help", "help", "show this help")(self._help)

    def subcommand(self, name: str, usage: str, summary: str
                   ) -> Callable[[Callable[[Invocation], None]], Callable[[Invocation], None]]:
        def register(handler: Callable[[Invocation], None]) -> Callable[[Invocation], None]:
            self._subcommands[name] = Subcommand(name, usage, summary, handler)
            # What Slack (and the sandbox) show for the command follows the subcommands the areas added.
            self._surface.describe_command(COMMAND, description=self._description(),
                                           usage_hint=self._usage_hint())
            return handler
        return register

    def _description(self) -> str:
        return "Recover a promise at risk: open a case" + "".join(f"; {s.name}: {s.summary}"
                                                                  for s in self._subcommands.values())

    def _usage_hint(self) -> str:
        return "[" + " | ".join(["what happened"] + list(self._subcommands)) + "]"

    def default(self, handler: Callable[[Invocation], None]) -> Callable[[Invocation], None]:
        """What plain `/recover [free text]` does."""
        self._default = handler
        return handler

    @property
    def subcommands(self) -> list[Subcommand]:
        return list(self._subcommands.values())

    def _dispatch(self, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = (command.get("text") or "").strip()
        word, _, rest = text.partition(" ")
        call = Invocation(user_id=command["user_id"], channel_id=command.get("channel_id"), args=rest.strip(),
                          trigger_id=command["trigger_id"], client=client, respond=respond)
        sub = self._subcommands.get(word.lower())
        if sub is not None:
            sub.handler(call)
            return
        if text and " " not in text:
            guess = process.extractOne(word.lower(), list(self._subcommands), scorer=fuzz.ratio,
                                       score_cutoff=TYPO_SCORE)
            if guess is not None:
                self._usage(call, unknown=word, suggestion=guess[0])
                return
        if self._default is None:
            self._usage(call)
            return
        self._default(Invocation(call.user_id, call.channel_id, text, call.trigger_id, call.client, call.respond))

    def _help(self, call: Invocation) -> None:
        self._usage(call)

    def _usage(self, call: Invocation, *, unknown: str | None = None, suggestion: str | None = None) -> None:
        text, rendered = blocks.usage(COMMAND, self.subcommands, unknown=unknown, suggestion=suggestion)
        call.respond(text=text, blocks=rendered, response_type="ephemeral", replace_original=False)
