"""Slack's HTTP endpoint: the checks a request passes before Bolt sees it, then Bolt.

Bolt's WSGI adapter parses the body first and checks the signature in a middleware after, so an unsigned
`payload={` got a 500 with a traceback and a refused body was logged whole. Here, in order: the size (413,
unread), the signature on the raw bytes (401), then the parse and the shape of what Bolt and the handlers
read (400). Each refusal is one short log line (bot/request_limits.py). Only then does Bolt dispatch.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from slack_bolt import App
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest

from bot.request_limits import MAX_BODY, Refused, StartResponse, answer, check_slack_signature, read_body, refuse


class _Shape(BaseModel):
    """Only the types of the fields named; anything else Slack sends passes through untouched."""

    model_config = ConfigDict(extra="allow")


class _Option(_Shape):
    value: str


class _Element(_Shape):
    """An element's state in a view, or the element of a click: what bot/slack/forms.py reads."""

    type: str = ""
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None
    selected_date_time: int | None = None
    selected_date: date | None = None
    selected_time: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")
    selected_user: str | None = None
    selected_users: list[str] | None = None
    selected_conversation: str | None = None
    selected_channel: str | None = None


class _Action(_Element):
    action_id: str
    block_id: str = ""


class _State(_Shape):
    values: dict[str, dict[str, _Element]] = {}


class _View(_Shape):
    id: str = ""
    hash: str | None = None
    type: str = ""
    callback_id: str = ""
    private_metadata: str = ""
    state: _State | None = None


class _Id(_Shape):
    id: str


class _Message(_Shape):
    ts: str = ""
    text: str | None = None


class _Event(_Shape):
    type: str
    user: str | None = None
    channel: str | None = None
    channel_type: str | None = None
    subtype: str | None = None
    tab: str | None = None
    ts: str | None = None
    text: str | None = None
    message: _Message | None = None


class _Authorization(_Shape):
    team_id: str | None = None
    user_id: str | None = None
    enterprise_id: str | None = None
    is_enterprise_install: bool | None = None


class Envelope(_Shape):
    """What Bolt's matchers and middleware, and the handlers, take for granted about a request."""

    type: str | None = None
    user: _Id | None = None
    user_id: str | None = None
    team: _Id | str | None = None
    team_id: str | None = None
    enterprise: _Id | str | None = None
    enterprise_id: str | None = None
    is_enterprise_install: bool | str | None = None
    api_app_id: str | None = None
    command: str | None = None
    text: str | None = None
    callback_id: str | None = None
    trigger_id: str | None = None
    response_url: str | None = None
    channel: _Id | None = None
    channel_id: str | None = None
    message: _Message | None = None
    actions: list[_Action] | None = Field(default=None, min_length=1)
    view: _View | None = None
    event: _Event | None = None
    event_id: str | None = None
    authorizations: list[_Authorization] | None = None

    @model_validator(mode="after")
    def _parts_of_its_type(self) -> Envelope:
        needs = {"block_actions": ("actions", "user"), "view_submission": ("view", "user"),
                 "view_closed": ("view", "user"), "event_callback": ("event",)}
        missing = [name for name in needs.get(self.type or "", ()) if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.type} without {', '.join(missing)}")
        return self


class SlackEndpoint:
    """The WSGI app for Slack's requests (POST only)."""

    def __init__(self, bolt: App, signing_secret: str, *, limit: int = MAX_BODY) -> None:
        if not signing_secret:
            raise ValueError("Slack's endpoint needs the signing secret (SLACK_SIGNING_SECRET)")
        self.bolt = bolt
        self.signing_secret = signing_secret
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return answer(start_response, 405, "POST only")
        try:
            body = read_body(environ, self.limit)
            check_slack_signature(self.signing_secret, body, environ)
            request = bolt_request(body, environ)
        except Refused as refused:
            return refuse(environ, start_response, refused)
        response = self.bolt.dispatch(request)
        wsgi = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
        start_response(wsgi.status, wsgi.get_headers())
        return wsgi.get_body()


def bolt_request(body: bytes, environ: dict[str, Any]) -> BoltRequest:
    """Bolt's request for `body`, refused (400) unless it is a payload of the shape Slack sends."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    headers = WsgiHttpRequest(environ).get_headers()
    try:
        # Parses the body and reads the workspace ids from it: on a payload that is not JSON, or is JSON
        # but not an object, or holds a string where Bolt expects an object, this raises.
        request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=headers)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise Refused(400, f"malformed payload ({type(exc).__name__})") from None
    if not isinstance(request.body, dict):
        raise Refused(400, "payload is not an object")
    try:
        Envelope.model_validate(request.body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])[:80]
        raise Refused(400, f"malformed payload ({where}: {first['type']})") from None
    return request
