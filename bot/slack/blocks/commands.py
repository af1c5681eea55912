"""Block Kit for /recover help."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from slack_sdk.models.blocks import ActionsBlock

from bot.slack.blocks import base
from bot.slack.ids import Action


class _Sub(Protocol):
    usage: str
    summary: str


def usage(command: str, subcommands: Sequence[_Sub], *, unknown: str | None = None,
          suggestion: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    lines = [f"• `{command}` or `{command} what happened` — open a case for a promise at risk"]
    lines += [f"• `{command} {s.usage}` — {s.summary}" for s in subcommands]
    blocks: list[Any] = []
    text = "How to use Amends"
    if unknown is not None:
        text = f"I don't know `{base.person_text(unknown, 200)}`" + (f"; did you mean `{command} {suggestion}`?"
                                                                    if suggestion else ".")
        blocks.append(base.section(text))
    blocks.append(base.section("*Amends helps you recover a promise to a customer.*\n" + "\n".join(lines)))
    if unknown is not None:
        blocks.append(ActionsBlock(elements=[
            base.button("Open a case with this note", Action.OPEN_INTAKE, value=unknown[:2000]),
        ]))
    return text, base.message(blocks)
