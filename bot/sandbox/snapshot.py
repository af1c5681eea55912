"""What one person sees of the fake workspace, as JSON for the sandbox page.

Everything comes from FakeSlack's state, read under its lock so that one snapshot is consistent with
one `revision`. Blocks get the block_ids Slack would have given them (see `driver.with_block_ids`), so
the page and the driver name the same blocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.driver import with_block_ids
from bot.sandbox.fake_slack import Channel, Ephemeral, FakeSlack, Message, ViewRecord

if TYPE_CHECKING:
    from bot.sandbox.runtime import Sandbox


def snapshot(sandbox: Sandbox, user_id: str) -> dict[str, Any]:
    fake = sandbox.fake
    with fake.locked():
        dm = fake.im_channel(user_id)
        channels = [c for c in fake.channels.values() if not c.is_im and user_id in c.members]
        messages = {c.id: [_message(m, fake) for m in fake.messages(c.id, include_replies=True)]
                    for c in [*channels, dm]}
        stack = fake.view_stack(user_id)
        home = fake.home_record(user_id)
        return {
            "revision": fake.revision,
            "me": user_id,
            "workspace": {"name": sandbox.workspace.name, "domain": fake.domain, "team_id": fake.team_id},
            "bot": {"id": fake.bot_user_id, "name": fake.users[fake.bot_user_id].real_name,
                    "dm": dm.id},
            "people": [_person(sandbox, u) for u in fake.users.values() if not u.deleted],
            "channels": [_channel(sandbox, c) for c in channels],
            "messages": messages,
            "ephemerals": [_ephemeral(e) for e in fake.ephemerals(user_id)],
            "modal": [_view(v) for v in stack],
            "home": _view(home) if home else None,
            "app": sandbox.app_features(),
        }


def _person(sandbox: Sandbox, user: Any) -> dict[str, Any]:
    person = sandbox.workspace.person(user.id)
    return {"id": user.id, "handle": user.name, "real_name": user.real_name, "tz": user.tz,
            "is_bot": user.is_bot, "role": person.role if person else ("app" if user.is_bot else ""),
            "title": person.title if person else ""}


def _channel(sandbox: Sandbox, channel: Channel) -> dict[str, Any]:
    room = next((r for r in sandbox.workspace.rooms if r.id == channel.id), None)
    return {"id": channel.id, "name": channel.name, "purpose": room.purpose if room else "",
            "is_private": channel.is_private, "bot_is_member": sandbox.fake.bot_user_id in channel.members}


def _message(message: Message, fake: FakeSlack) -> dict[str, Any]:
    data = message.to_api()
    data["channel"] = message.channel
    data["blocks"] = with_block_ids(message.blocks)
    if not message.is_reply:
        replies = fake.thread(message.channel, message.ts)
        if replies:
            data["reply_count"] = len(replies)
            data["reply_users"] = sorted({r.user for r in replies})
            data["latest_reply"] = replies[-1].ts
    return data


def _ephemeral(ephemeral: Ephemeral) -> dict[str, Any]:
    return {"channel": ephemeral.channel, "ts": ephemeral.ts, "text": ephemeral.text,
            "blocks": with_block_ids(ephemeral.blocks), "thread_ts": ephemeral.thread_ts}


def _view(record: ViewRecord) -> dict[str, Any]:
    view = {**record.view, "blocks": with_block_ids(record.view.get("blocks", []))}
    return {"id": record.id, "hash": record.hash, "root_view_id": record.root_view_id,
            "previous_view_id": record.previous_view_id, "errors": record.errors, "view": view}
