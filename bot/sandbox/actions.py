"""What people do on the sandbox page, sent to the bot as Slack would send it (through SlackDriver).

Each method checks the request against what the fake workspace holds (the person exists, the message or
view is theirs to act on) and answers `{"ok": True, "status": 200, "answer": ...}`, or `ok: False` with
the error Slack would show when the bot failed to answer in time or answered with an error. A request
that makes no sense (unknown person, a message that is gone) raises `ActionError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.driver import BotReply
from bot.sandbox.fake_slack import Channel

if TYPE_CHECKING:
    from bot.sandbox.runtime import Sandbox


class ActionError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _outcome(reply: BotReply | None, failed: str) -> dict[str, Any]:
    if reply is None:
        return {"ok": True, "status": None, "answer": None}
    if reply.status == 200:
        try:
            answer = reply.json()
        except ValueError:
            answer = reply.text
        return {"ok": True, "status": 200, "answer": answer}
    reason = "operation_timeout" if reply.status == 0 else "dispatch_failed"
    return {"ok": False, "status": reply.status, "error": failed.format(reason=reason, status=reply.status)}


class SandboxActions:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    @property
    def fake(self) -> Any:
        return self.sandbox.fake

    @property
    def driver(self) -> Any:
        return self.sandbox.driver

    # ------------------------------------------------------------------ checks

    def _person(self, user_id: Any) -> str:
        if not isinstance(user_id, str) or self.sandbox.workspace.person(user_id) is None:
            raise ActionError(f"{user_id!r} is not someone in the sandbox workspace")
        return user_id

    def _channel(self, user_id: str, channel_id: Any) -> Channel:
        channel = self.fake.channels.get(channel_id) if isinstance(channel_id, str) else None
        if channel is None or user_id not in channel.members:
            raise ActionError(f"{user_id} is not in a conversation {channel_id!r}", 404)
        return channel

    def _view(self, user_id: str, view_id: Any) -> Any:
        stack = self.fake.view_stack(user_id)
        record = next((v for v in stack if v.id == view_id), None)
        if record is None:
            raise ActionError("That form is no longer open.", 409)
        return record

    def _subscribed(self, channel: Channel) -> bool:
        """Slack sends message events only for the subscriptions in the app's manifest."""
        events = self.sandbox.amends.wiring.surface.declared.events
        if channel.is_im:
            return "message.im" in events
        if self.fake.bot_user_id not in channel.members:
            return False
        return ("message.groups" if channel.is_private else "message.channels") in events

    # ------------------------------------------------------------------ the composer

    def command(self, user_id: Any, channel_id: Any, text: Any) -> dict[str, Any]:
        user_id = self._person(user_id)
        channel = self._channel(user_id, channel_id)
        name, _, rest = str(text or "").strip().partition(" ")
        known = {c["name"] for c in self.sandbox.app_features()["commands"]}
        if name not in known:
            raise ActionError(f"{name} is not a valid command. In Slack, all messages that start with the “/” "
                              "character are interpreted as commands.")
        reply = self.driver.command(user_id, rest.strip(), command=name, channel_id=channel.id)
        return _outcome(reply, f"{name} failed with the error “{{reason}}”")

    def message(self, user_id: Any, channel_id: Any, text: Any, thread_ts: Any = None) -> dict[str, Any]:
        user_id = self._person(user_id)
        channel = self._channel(user_id, channel_id)
        if not isinstance(text, str) or not text.strip():
            raise ActionError("Type a message first.")
        if thread_ts is not None and self.fake.message(channel.id, str(thread_ts)) is None:
            raise ActionError("That thread is gone.", 404)
        posted, reply = self.driver.message(user_id, channel.id, text, thread_ts=thread_ts,
                                            deliver=self._subscribed(channel))
        return _outcome(reply, "Amends did not accept the message event ({reason})") | {"ts": posted.ts}

    def edit(self, user_id: Any, channel_id: Any, ts: Any, text: Any) -> dict[str, Any]:
        user_id = self._person(user_id)
        channel = self._channel(user_id, channel_id)
        try:
            reply = self.driver.edit(user_id, channel.id, str(ts), str(text or ""), deliver=self._subscribed(channel))
        except LookupError:
            raise ActionError("You can only edit your own messages.", 403) from None
        return _outcome(reply, "Amends did not accept the edit ({reason})")

    def delete(self, user_id: Any, channel_id: Any, ts: Any) -> dict[str, Any]:
        user_id = self._person(user_id)
        channel = self._channel(user_id, channel_id)
        try:
            reply = self.driver.delete(user_id, channel.id, str(ts), deliver=self._subscribed(channel))
        except LookupError:
            raise ActionError("You can only delete your own messages.", 403) from None
        return _outcome(reply, "Amends did not accept the deletion ({reason})")

    def shortcut(self, user_id: Any, callback_id: Any, channel_id: Any = None, ts: Any = None) -> dict[str, Any]:
        user_id = self._person(user_id)
        shortcuts = {s["callback_id"]: s for s in self.sandbox.app_features()["shortcuts"]}
        shortcut = shortcuts.get(callback_id)
        if shortcut is None:
            raise ActionError(f"Amends has no shortcut {callback_id!r}", 404)
        if shortcut["kind"] == "global":
            return _outcome(self.driver.global_shortcut(user_id, callback_id), "Amends did not respond ({reason})")
        channel = self._channel(user_id, channel_id)
        message = self.fake.message(channel.id, str(ts))
        if message is None:
            raise ActionError("That message is gone.", 404)
        return _outcome(self.driver.message_shortcut(user_id, callback_id, message),
                        "Amends did not respond ({reason})")

    # ------------------------------------------------------------------ Block Kit

    def action(self, user_id: Any, surface: Any, action_id: Any, block_id: Any = None, value: Any = None,
               selected: Any = None, state: Any = None) -> dict[str, Any]:
        """A click or choice on an element of a message, ephemeral message, modal or the Home tab."""
        user_id = self._person(user_id)
        if not isinstance(surface, dict) or not isinstance(action_id, str):
            raise ActionError("an action needs a surface and an action_id")
        state = state if isinstance(state, dict) else None
        where: dict[str, Any] = {}
        kind = surface.get("type")
        if kind == "message":
            channel = self._channel(user_id, surface.get("channel"))
            message = self.fake.message(channel.id, str(surface.get("ts")))
            if message is None:
                raise ActionError("That message is gone.", 404)
            where["message"] = message
        elif kind == "ephemeral":
            ephemeral = next((e for e in self.fake.ephemerals(user_id) if e.ts == surface.get("ts")), None)
            if ephemeral is None:
                raise ActionError("That message is gone.", 404)
            where["ephemeral"] = ephemeral
        elif kind == "view":
            where["view"] = self._view(user_id, surface.get("view_id"))
        elif kind == "home":
            if self.fake.home_record(user_id) is None:
                raise ActionError("There is no Home tab to act on.", 404)
            where["home"] = True
        else:
            raise ActionError(f"unknown surface {kind!r}")
        try:
            reply = self.driver.click(user_id, action_id, value=value if isinstance(value, str) else None,
                                      selected=selected, block_id=block_id if isinstance(block_id, str) else None,
                                      state=state, **where)
        except LookupError as exc:
            raise ActionError(f"That changed while you were looking at it ({exc}).", 409) from None
        return _outcome(reply, "Amends did not respond ({reason})")

    def submit(self, user_id: Any, view_id: Any, state: Any) -> dict[str, Any]:
        user_id = self._person(user_id)
        record = self._view(user_id, view_id)
        try:
            reply = self.driver.submit(record.id, state if isinstance(state, dict) else {}, user_id=user_id)
        except LookupError as exc:
            raise ActionError(f"That form changed while you were filling it in ({exc}).", 409) from None
        return _outcome(reply, "We had some trouble connecting to Amends ({reason}). Try again?")

    def close(self, user_id: Any, view_id: Any, how: Any = "cancel") -> dict[str, Any]:
        """`how`: "cancel" (the close button; Back on a pushed view) or "x" (the whole modal)."""
        user_id = self._person(user_id)
        record = self._view(user_id, view_id)
        reply = self.driver.close(record.id) if how == "x" else self.driver.cancel(record.id)
        return _outcome(reply, "Amends did not respond ({reason})")

    # ------------------------------------------------------------------ the app's tabs

    def home(self, user_id: Any, tab: Any = "home") -> dict[str, Any]:
        user_id = self._person(user_id)
        tab = tab or "home"
        if tab not in {"home", "messages"}:
            raise ActionError(f"unknown tab {tab!r}")
        if "app_home_opened" not in self.sandbox.app_features()["events"]:
            return _outcome(None, "")
        return _outcome(self.driver.app_home_opened(user_id, tab=tab), "Amends did not respond ({reason})")

    def dismiss(self, user_id: Any, ts: Any) -> dict[str, Any]:
        user_id = self._person(user_id)
        self.fake.dismiss_ephemeral(user_id, str(ts))
        return {"ok": True, "status": None, "answer": None}
