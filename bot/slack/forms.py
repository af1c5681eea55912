"""Read submitted values out of a view's state, by block id, as Python values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any


def element_value(state: dict[str, Any]) -> Any:
    kind = state.get("type")
    if kind in {"plain_text_input", "number_input", "email_text_input", "url_text_input"}:
        return state.get("value")
    if kind in {"static_select", "radio_buttons", "external_select"}:
        option = state.get("selected_option")
        return option["value"] if option else None
    if kind in {"multi_static_select", "checkboxes"}:
        return [o["value"] for o in state.get("selected_options") or []]
    if kind == "datetimepicker":
        stamp = state.get("selected_date_time")
        return datetime.fromtimestamp(int(stamp), UTC) if stamp is not None else None
    if kind == "datepicker":
        raw = state.get("selected_date")
        return date.fromisoformat(raw) if raw else None
    if kind == "timepicker":
        return state.get("selected_time")
    if kind == "users_select":
        return state.get("selected_user")
    if kind == "multi_users_select":
        return list(state.get("selected_users") or [])
    if kind == "conversations_select":
        return state.get("selected_conversation")
    if kind == "channels_select":
        return state.get("selected_channel")
    raise ValueError(f"unsupported input element {kind!r}")


def read_values(view: dict[str, Any]) -> dict[str, Any]:
    """{block_id: value} for every input in the submitted view (one element per input block)."""
    values: dict[str, Any] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for state in actions.values():
            values[block_id] = element_value(state)
    return values
