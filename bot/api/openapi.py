"""The OpenAPI document, generated from the same pydantic models that validate requests and shape
answers. Served at /api/openapi.json and checked into docs/openapi.json (a test keeps it current:
`python -m bot.api.openapi > docs/openapi.json` after a change)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot import __version__
from bot.api.schemas import CaseList, CaseOut, Error, PromiseAtRisk, PromiseUpdate

REF = "#/components/schemas/{model}"
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "an API key from `amends api-key create`"},
    "signature": {"type": "apiKey", "in": "header", "name": "X-Amends-Signature",
                  "description": "v1=HMAC-SHA256(signing secret, 'v1:' + X-Amends-Timestamp + ':' + raw body), "
                                 "with X-Amends-Key-Id and X-Amends-Timestamp (Unix seconds, within 5 minutes)"},
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _errors(*codes: int) -> dict[str, Any]:
    what = {401: "wrong or missing credentials; nothing stored", 404: "no such case", 413: "body over 1 MB",
            422: "a field failed validation; `fields` names each", 503: "database unavailable; retry later"}
    return {str(code): _json(Error, what[code]) for code in codes}


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "minLength": 1, "maxLength": 200}}


def document() -> dict[str, Any]:
    _, defs = models_json_schema([(m, "validation" if m in (PromiseAtRisk, PromiseUpdate) else "serialization")
                                  for m in (PromiseAtRisk, PromiseUpdate, CaseOut, CaseList, Error)],
                                 ref_template=REF)
    by_source = [_path_param("source", "the API key's source name"),
                 _path_param("external_id", "the external_id the promise was opened with")]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Amends order-system API", "version": __version__,
                 "description": "Open a case when a system learns a promise will break; follow it; hear of "
                                "its events. See README \"Connecting your order system\"."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"signature": []}],
        "paths": {
            "/api/v1/promises-at-risk": {"post": {
                "operationId": "openPromiseAtRisk", "summary": "Open a case for a promise at risk",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(PromiseAtRisk)}}},
                "responses": {"201": _json(CaseOut, "case opened"),
                              "200": _json(CaseOut, "already opened for this external_id: the same case"),
                              **_errors(401, 413, 422, 503)}}},
            "/api/v1/promises-at-risk/{source}/{external_id}": {
                "get": {"operationId": "getPromiseAtRisk", "summary": "The case opened for an event",
                        "parameters": by_source,
                        "responses": {"200": _json(CaseOut, "the case"), **_errors(401, 404, 503)}},
                "patch": {"operationId": "updatePromiseAtRisk",
                          "summary": "A new achievable date, delivered, or cancelled upstream",
                          "parameters": by_source,
                          "requestBody": {"required": True,
                                          "content": {"application/json": {"schema": _ref(PromiseUpdate)}}},
                          "responses": {"200": _json(CaseOut, "the case after the change"),
                                        **_errors(401, 404, 413, 422, 503)}}},
            "/api/v1/cases": {"get": {
                "operationId": "listCases", "summary": "Cases by state, oldest first",
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "resolved"]}},
                    {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0},
                     "description": "the next_cursor of the previous page"},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}],
                "responses": {"200": _json(CaseList, "a page of cases"), **_errors(401, 422, 503)}}},
            "/api/v1/cases/{ref}": {"get": {
                "operationId": "getCase", "summary": "One case by reference (AM-12) or id",
                "parameters": [_path_param("ref", "AM-12 or 12")],
                "responses": {"200": _json(CaseOut, "the case"), **_errors(401, 404, 503)}}},
        },
        "components": {"schemas": defs["$defs"], "securitySchemes": SECURITY_SCHEMES},
    }


def rendered() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(rendered(), end="")
