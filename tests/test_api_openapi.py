"""The OpenAPI document: generated from the request/response models, served, checked in, and used by
schemathesis to throw generated requests at the running API (none may get a 5xx)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from bot.api import keys
from bot.api.openapi import rendered
from bot.settings import AmendsConfig
from tests.support import COLLEAGUE, Harness, configured

CHECKED_IN = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def test_the_checked_in_document_is_current() -> None:
    assert CHECKED_IN.read_text() == rendered(), "run: python -m bot.api.openapi > docs/openapi.json"


def test_the_document_is_served(harness: Harness) -> None:
    from bot.api.client import ApiClient

    answer = ApiClient(harness.server.url("").rstrip("/")).get("/api/openapi.json")
    assert answer.status == 200 and answer.body["paths"].keys() >= {"/api/v1/promises-at-risk", "/api/v1/cases"}


@pytest.fixture
def config() -> AmendsConfig:
    return configured(api={"triage_owner": COLLEAGUE})


@pytest.fixture(params=["sqlite"])  # generated traffic is about the HTTP layer; one database is enough
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    path = tmp_path / "amends.db"
    path.write_bytes(request.getfixturevalue("sqlite_template").read_bytes())
    return f"sqlite:///{path}"


def test_no_generated_request_gets_a_server_error(harness: Harness) -> None:
    """Every operation, with valid and invalid inputs schemathesis derives from the document."""
    with harness.amends.db.transaction() as session:
        key = keys.create(session, "fuzz", now=harness.clock.now(), server_secret=None)
    schema = schemathesis.openapi.from_url(harness.server.url("/api/openapi.json"))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    seen: Counter[tuple[str, int]] = Counter()

    for operation in operations:
        @given(case=operation.as_strategy(), usable=st.booleans())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: Any, usable: bool) -> None:
            if usable and isinstance(case.body, dict):
                # Half the bodies drop what the domain checks beyond the schema (a real zone, a tier of this
                # team, a date not past, an owner in Slack), so the generated traffic opens and changes cases.
                for name in ("owner", "new_date"):
                    case.body.pop(name, None)
                if isinstance(case.body.get("customer"), dict):
                    case.body["customer"].pop("timezone", None)
                    case.body["customer"].pop("tier", None)
            response = case.call(headers={"Authorization": f"Bearer {key.key}"})
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
            seen[(case.method.upper(), response.status_code)] += 1

        call()
    # The generated traffic reached past the checks: cases were opened, changed and read.
    assert seen[("POST", 201)] and seen[("PATCH", 404)] and seen[("GET", 200)], seen
