"""Structured logs: one JSON object per line, carrying the id of the request that logged it."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from service.app import JsonLogFormatter, RequestIdFilter


def test_log_lines_are_json_with_the_request_id(app: Any) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("service.test_logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    @app.route("/logs-something")
    def logs_something() -> str:
        logger.warning("inside the request")
        return "ok"

    try:
        response = app.test_client().get("/logs-something", headers={"X-Request-Id": "req-42"})
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)
    assert response.headers["X-Request-Id"] == "req-42"
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "inside the request"
    assert inside["request_id"] == "req-42"
    assert inside["level"] == "warning"
    assert "request_id" not in outside


def test_json_logging_installs_the_request_id_filter(app: Any) -> None:
    from service.app import configure_logging

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        app.config["LOG_JSON"] = True
        configure_logging(app)
        (handler,) = root.handlers
        assert isinstance(handler.formatter, JsonLogFormatter)
        assert any(isinstance(f, RequestIdFilter) for f in handler.filters)
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
