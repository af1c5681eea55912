"""Named things people can do to a case: "offer_alternatives", "draft_message", "escalate", ...

One registry, so the same action behaves the same wherever it is offered: as a button on the case
message, on a playbook step (steps name their action in YAML), on a reminder or in the App Home. Each
business area registers its actions; the button's value carries the case (and the step, if any), and
one Bolt listener dispatches every click.

    @wiring.case_actions.add("draft_message", label="Draft message", on_case_message=True)
    def draft(call: CaseActionCall) -> None:
        call.client.views_open(trigger_id=call.trigger_id, view=...)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import ButtonElement

from bot.cases.models import Case
from bot.errors import NotAllowed
from bot.slack.blocks import base
from bot.slack.metadata import BUTTON_VALUE_LIMIT, Metadata
from bot.slack.notify import Respond
from bot.slack.surface import Surface

ACTION_PREFIX = "case_action:"


class CaseActionValue(Metadata):
    case_id: int
    source: str  # where the button was: case_message, checklist, reminder, home, ...
    step_id: str | None = None
    version: int | None = None  # the case version the button was rendered from


@dataclass(frozen=True)
class CaseActionCall:
    name: str
    case_id: int
    user_id: str
    trigger_id: str | None
    client: WebClient
    respond: Respond | None  # an ephemeral reply where the click happened, when Slack allows one
    source: str
    step_id: str | None
    version: int | None
    body: dict[str, Any]

    def reply(self, text: str) -> None:
        """Tell the person who clicked, ephemerally where possible, else by DM."""
        from bot.slack.notify import tell

        tell(self.client, self.user_id, text, respond=self.respond)


Handler = Callable[[CaseActionCall], None]


@dataclass(frozen=True)
class CaseAction:
    name: str
    label: str
    handler: Handler
    on_case_message: bool
    style: str | None
    order: int
    when_resolved: bool = False  # on the case message once it is resolved (instead of while open)


class CaseActions:
    def __init__(self, surface: Surface) -> None:
        self._actions: dict[str, CaseAction] = {}
        self._surface = surface
        surface.action(re.compile("^" + re.escape(ACTION_PREFIX)))(self._dispatch)

    def add(self, name: str, *, label: str, on_case_message: bool = False, style: str | None = None,
            order: int = 100, when_resolved: bool = False) -> Callable[[Handler], Handler]:
        """`on_case_message` puts a button on the case message while the case is open, or, with
        `when_resolved`, once it is resolved (e.g. "Reopen case")."""
        def register(handler: Handler) -> Handler:
            if name in self._actions:
                raise ValueError(f"case action {name!r} is registered twice")
            self._actions[name] = CaseAction(name, label, handler, on_case_message, style, order, when_resolved)
            return handler
        return register

    def __contains__(self, name: str) -> bool:
        return name in self._actions

    def label(self, name: str) -> str:
        action = self._actions.get(name)
        return action.label if action else name.replace("_", " ").capitalize()

    def button(self, name: str, case: Case, *, source: str, step_id: str | None = None,
               label: str | None = None, style: str | None = None) -> ButtonElement:
        action = self._actions.get(name)
        value = CaseActionValue(case_id=case.id, source=source, step_id=step_id, version=case.version)
        return base.button(label or self.label(name), ACTION_PREFIX + name,
                           value=value.encode(BUTTON_VALUE_LIMIT), style=style or (action.style if action else None))

    def case_message_buttons(self, case: Case) -> list[ButtonElement]:
        shown = sorted((a for a in self._actions.values() if a.on_case_message and a.when_resolved != case.is_open),
                       key=lambda a: (a.order, a.name))
        return [self.button(a.name, case, source="case_message") for a in shown]

    def run(self, name: str, case: Case, *, user_id: str, trigger_id: str | None, client: WebClient,
            respond: Respond | None, source: str, body: dict[str, Any], step_id: str | None = None) -> None:
        """Run an action from somewhere other than its own button (e.g. a reminder's "Update sent")."""
        action = self._actions.get(name)
        if action is None:
            raise NotAllowed(f"“{name.replace('_', ' ')}” isn't available in this version of Amends.")
        action.handler(CaseActionCall(name=name, case_id=case.id, user_id=user_id, trigger_id=trigger_id,
                                      client=client, respond=respond, source=source, step_id=step_id,
                                      version=case.version, body=body))

    def _dispatch(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        clicked = body["actions"][0]
        name = clicked["action_id"].removeprefix(ACTION_PREFIX)
        value = CaseActionValue.decode(clicked.get("value"))
        action = self._actions.get(name)
        if action is None:
            raise NotAllowed(f"“{name.replace('_', ' ')}” isn't available in this version of Amends.")
        guard = self._surface.view_guard
        refusal = guard.case_refusal(value.case_id, body["user"]["id"], client, what=f"click on {name}") \
            if guard is not None else None
        if refusal is not None:  # before any form opens, so nobody types one only to be refused
            raise NotAllowed(refusal)
        action.handler(CaseActionCall(
            name=name, case_id=value.case_id, user_id=body["user"]["id"], trigger_id=body.get("trigger_id"),
            client=client, respond=respond if body.get("response_url") else None, source=value.source,
            step_id=value.step_id, version=value.version, body=body,
        ))
