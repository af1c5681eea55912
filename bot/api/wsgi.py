"""The API as a WSGI app, mounted by bot/server.py at /api. A small router by hand: six routes do not
need a framework, and pydantic already validates and documents the bodies.

Every answer is JSON. Order of checks, cheapest first, so hostile input stays cheap: route, declared size
(413 before the body is read), credentials (401), then the body (422 naming each field). Nothing is stored
before all of them pass."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from bot.api import keys, service
from bot.api.openapi import rendered as openapi_document
from bot.api.schemas import CaseList, Error, FieldError, PromiseAtRisk, PromiseUpdate
from bot.cases.lifecycle import Lifecycle
from bot.cases.models import CaseStatus
from bot.clock import Clock
from bot.db import Database
from bot.errors import InvalidInput, NotFound, StorageUnavailable
from bot.request_limits import API_MAX_BODY as MAX_BODY
from bot.settings import AmendsConfig

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
PAGE = 50

StartResponse = Callable[..., Any]
FindUser = Callable[[str], "str | None"]  # email -> Slack user id


class HttpError(Exception):
    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.fields, self.headers = status, message, fields or {}, headers or {}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    source: str = ""


@dataclass
class ApiApp:
    db: Database
    config: AmendsConfig
    clock: Clock
    lifecycle: Lifecycle
    server_secret: str | None
    find_user: FindUser

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            status, payload, extra = self._handle(environ)
        except HttpError as exc:
            status, payload, extra = exc.status, _error(exc.message, exc.fields), exc.headers
        except StorageUnavailable:
            status, payload, extra = 503, _error("the database is unavailable; nothing was saved, retry later"), {}
        except Exception:  # noqa: BLE001 - a caller gets an id to quote, never a traceback
            incident = uuid.uuid4().hex[:12]
            log.exception("API error %s on %s %s", incident, environ.get("REQUEST_METHOD"),
                          str(environ.get("PATH_INFO"))[:200])
            status, payload, extra = 500, _error(f"internal error {incident}; nothing was saved"), {}
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        start_response(f"{status} {_REASONS.get(status, 'Error')}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *extra.items()])
        return [body]

    # ------------------------------------------------------------------ routing

    def _handle(self, environ: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if path == "/api/openapi.json":
            _allow(method, "GET")
            return 200, openapi_document().encode(), {}
        parts = path.removeprefix("/api/v1/").split("/") if path.startswith("/api/v1/") else []
        if parts == ["promises-at-risk"]:
            _allow(method, "POST")
            return self._open(self._request(environ, method, path))
        if len(parts) == 3 and parts[0] == "promises-at-risk" and all(parts[1:]):
            _allow(method, "GET", "PATCH")
            request = self._request(environ, method, path)
            if method == "PATCH":
                return self._update(request, parts[1], parts[2])
            return self._by_external(request, parts[1], parts[2])
        if parts == ["cases"]:
            _allow(method, "GET")
            return self._list(self._request(environ, method, path))
        if len(parts) == 2 and parts[0] == "cases" and parts[1]:
            _allow(method, "GET")
            self._request(environ, method, path)
            return self._get(parts[1])
        raise HttpError(404, "no such endpoint; see /api/openapi.json")

    def _request(self, environ: dict[str, Any], method: str, path: str) -> Request:
        """Size, then credentials: nothing past here runs for a caller without a valid key."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise HttpError(400, "Content-Length is not a number") from None
        if length > MAX_BODY:
            raise HttpError(413, f"the body is {length} bytes; the limit is {MAX_BODY}")
        body = environ["wsgi.input"].read(min(length, MAX_BODY + 1)) if length else b""
        headers = {k[5:].replace("_", "-").lower(): str(v)[:500] for k, v in environ.items() if k.startswith("HTTP_")}
        query = dict(parse_qsl(str(environ.get("QUERY_STRING", ""))[:2000]))
        with self.db.reading() as session:
            try:
                source = keys.authenticate(session, headers, body, unix_now=time.time(),
                                           server_secret=self.server_secret)
            except keys.Unauthorized as exc:
                log.info("API 401 for %s from %s: %s", path[:100], str(environ.get("REMOTE_ADDR"))[:45], exc)
                raise HttpError(401, str(exc)) from None
        return Request(method, path, query, headers, body, source)

    # ------------------------------------------------------------------ endpoints

    def _open(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        event = _parse(PromiseAtRisk, request.body)
        with self.db.reading() as session:
            found = service.find(session, request.source, event.external_id)
            if found is not None:
                return 200, _dump(service.case_out(found)), {}
        owner = self._owner(event.owner)
        try:
            with self.db.transaction() as session:
                case = service.open_promise(session, event, source=request.source, owner_id=owner,
                                            config=self.config, now=self.clock.now(), lifecycle=self.lifecycle)
                out = service.case_out(service.Found(case, None))
        except InvalidInput as exc:
            raise HttpError(422, exc.user_message, exc.fields) from None
        except IntegrityError:  # the same event, sent twice at once: the other one opened it
            with self.db.reading() as session:
                found = service.find(session, request.source, event.external_id)
                if found is None:
                    raise
                return 200, _dump(service.case_out(found)), {}
        out = out.model_copy(update={"source": request.source, "external_id": event.external_id})
        return 201, _dump(out), {"Location": f"/api/v1/cases/{out.ref}"}

    def _owner(self, given: str | None) -> str:
        triage = self.config.api.triage_owner
        if given and USER_ID.match(given):
            return given
        if given and "@" in given:
            found = self.find_user(given)
            if found:
                return found
            if triage:
                return triage
            raise HttpError(422, "the owner was not found", {"owner": "no Slack user has this email, and "
                                                                      "amends.yaml sets no api.triage_owner"})
        if given:
            raise HttpError(422, "the owner is not valid", {"owner": "give a Slack user id (U0123ABCD) or an email"})
        if triage:
            return triage
        raise HttpError(422, "the case needs an owner", {"owner": "name one: amends.yaml sets no api.triage_owner"})

    def _update(self, request: Request, source: str, external_id: str) -> tuple[int, Any, dict[str, str]]:
        change = _parse(PromiseUpdate, request.body)
        if source != request.source:
            raise HttpError(404, f"no case was opened for {source}/{external_id} with this key")
        try:
            with self.db.transaction() as session:
                case = service.update_promise(session, source, external_id, change, config=self.config,
                                               now=self.clock.now(), lifecycle=self.lifecycle)
                found = service.get(session, str(case.id))
                out = service.case_out(found)
        except NotFound as exc:
            raise HttpError(404, exc.user_message) from None
        return 200, _dump(out), {}

    def _by_external(self, request: Request, source: str, external_id: str) -> tuple[int, Any, dict[str, str]]:
        with self.db.reading() as session:
            found = service.find(session, source, external_id)
            if found is None:
                raise HttpError(404, f"no case was opened for {source}/{external_id}")
            return 200, _dump(service.case_out(found)), {}

    def _get(self, ref: str) -> tuple[int, Any, dict[str, str]]:
        with self.db.reading() as session:
            try:
                return 200, _dump(service.case_out(service.get(session, ref[:40]))), {}
            except NotFound as exc:
                raise HttpError(404, exc.user_message) from None

    def _list(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        fields = {}
        status = request.query.get("status")
        if status is not None and status not in {s.value for s in CaseStatus}:
            fields["status"] = "open or resolved"
        after, limit = _int(request.query, "after", fields, 0, 2**62), _int(request.query, "limit", fields, 1, 200)
        if fields:
            raise HttpError(422, "some query parameters need another look", fields)
        limit = limit or PAGE
        with self.db.reading() as session:
            found = service.listing(session, status=CaseStatus(status) if status else None, after=after, limit=limit)
            page = CaseList(cases=[service.case_out(f) for f in found],
                            next_cursor=found[-1].case.id if len(found) == limit else None)
        return 200, _dump(page), {}


# ---------------------------------------------------------------------- helpers

_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            405: "Method Not Allowed", 413: "Content Too Large", 422: "Unprocessable Content", 500: "Internal Server Error",
            503: "Service Unavailable"}


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise HttpError(405, f"use {' or '.join(allowed)} here", headers={"Allow": ", ".join(allowed)})


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body or b"")
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for item in exc.errors(include_url=False, include_input=False):
            name = ".".join(str(p) for p in item["loc"]) or "body"
            fields.setdefault(name, str(item["msg"]).removeprefix("Value error, "))
        raise HttpError(422, "the request body needs another look", fields) from None


def _int(query: dict[str, str], name: str, fields: dict[str, str], low: int, high: int) -> int | None:
    if name not in query:
        return None
    value = query[name]
    if not value.isdigit() or not low <= int(value) <= high:
        fields[name] = f"a whole number from {low} to {high}"
        return None
    return int(value)


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def _error(message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return _dump(Error(error=message, fields=[FieldError(field=k, message=v) for k, v in (fields or {}).items()]))
