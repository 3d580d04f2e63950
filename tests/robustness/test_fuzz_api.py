"""Property-based fuzzing of every operation in /openapi.json (schemathesis): no 5xx, errors are problem+json."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import bearer

# Examples per operation and generation mode: enough to reach every validator, small enough for CI (< 60 s).
EXAMPLES = 15


def problem_failures(case: Any, response: Any) -> list[str]:
    """What is wrong with one response: a 5xx, or an error that is not problem+json."""
    label = f"{case.operation.label} -> {response.status_code}"
    failures = []
    if response.status_code >= 500:
        failures.append(f"{label}: server error {response.text[:300]}")
    if response.status_code >= 400:
        content_type = response.headers.get("Content-Type", response.headers.get("content-type", [""]))
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        if not content_type.startswith("application/problem+json"):
            failures.append(f"{label}: error with content type {content_type!r}")
        else:
            body = json.loads(response.text)
            if body.get("status") != response.status_code or not body.get("title"):
                failures.append(f"{label}: problem body does not match: {body}")
    return failures


def fuzz_operation(
    operation: Any, mode: GenerationMode, headers: dict[str, str], statuses: Counter[str] | None = None
) -> list[str]:
    """Send EXAMPLES generated cases to one operation; collect failures instead of shrinking (bounded time)."""
    failures: list[str] = []
    seen = statuses if statuses is not None else Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        seen[f"{case.operation.label} {response.status_code}"] += 1
        for failure in problem_failures(case, response):
            failures.append(f"{failure}\n    reproduce: {case.as_curl_command(headers=headers)}")

    # Unsatisfiable: nothing to vary in this mode (e.g. no parameters to make invalid), so nothing was sent.
    with contextlib.suppress(Unsatisfiable):
        run()
    return failures


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_operation_survives_generated_requests(
    app: Any, site: dict[str, str], mode: GenerationMode
) -> None:
    """Every operation, with valid-by-schema and invalid-by-schema requests: never a 5xx or a non-problem error."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    # The admin key may call everything, so generated requests get past authentication to the validators.
    headers = bearer(site["admin"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8, [op.label for op in operations]
    failures: list[str] = []
    statuses: Counter[str] = Counter()
    for operation in operations:
        failures.extend(fuzz_operation(operation, mode, headers, statuses))
    assert not failures, "\n".join(failures[:20])
    if mode == GenerationMode.POSITIVE:
        # The generated requests got past authentication and validation, so the fuzzing reached the core.
        assert statuses["POST /v1/comments 201"] > 0, statuses
        assert statuses["POST /v1/score 200"] > 0, statuses
    # The fuzzing did not take the server down.
    assert app.test_client().get("/healthz").status_code == 200


def test_the_fuzzer_catches_a_server_error(app: Any, site: dict[str, str]) -> None:
    """The checks above can fail: a route that raises is reported as a 5xx."""

    @app.route("/v1/broken", methods=["GET"])
    def broken() -> str:
        raise RuntimeError("boom")

    schema = schemathesis.openapi.from_dict(
        {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/v1/broken": {"get": {"responses": {"200": {"description": "ok"}}}}},
        }
    )
    schema.app = app
    (operation,) = [result.ok() for result in schema.get_all_operations()]
    failures = fuzz_operation(operation, GenerationMode.POSITIVE, bearer(site["admin"]))
    assert failures
    assert "server error" in failures[0]
