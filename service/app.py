"""create_app(): configuration, database, models, blueprints and the one error path."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_limiter import Limiter
from flask_smorest import Api

from service.accounts import hash_key
from service.config import DEFAULTS, default_database_url
from service.errors import register_error_handlers
from service.metrics import REQUESTS
from service.ml.scorer import ModelUnavailable, Scorer, load_scorer
from service.moderation.service import ModerationService
from service.store.db import Database
from service.text.lexicon import word_ranks

log = logging.getLogger(__name__)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per log line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class RequestIdFilter(logging.Filter):
    """Stamp every record logged while a request is served with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and not hasattr(record, "request_id"):
            record.request_id = g.get("request_id")
        return True


def configure_logging(app: Flask) -> None:
    """JSON logs to stderr unless turned off (tests keep pytest's handlers)."""
    if not app.config["LOG_JSON"]:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)


def load_models(app: Flask) -> Scorer | None:
    """Load the shipped models; on failure keep serving and hold every comment for review."""
    try:
        return load_scorer(Path(app.config["MODEL_DIR"]))
    except ModelUnavailable as error:
        app.extensions["model_error"] = str(error)
        log.error("models unavailable, every comment will be held for review: %s", error)
        return None


def rate_limit_key() -> str:
    """Limit per API key (by its hash, so raw keys never reach the limiter's storage), else per address."""
    credential = request.headers.get("Authorization") or request.args.get("key")
    if credential:
        return "key:" + hash_key(credential)[:32]
    return "addr:" + (request.remote_addr or "unknown")


def register_request_hooks(app: Flask) -> None:
    """Request ids and latency metrics."""

    @app.before_request
    def _start() -> None:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        started = g.get("started")
        if started is not None:
            try:
                REQUESTS.labels(
                    request.method,
                    request.url_rule.rule if request.url_rule else "unmatched",
                    str(response.status_code),
                ).observe(time.perf_counter() - started)
            except OSError:  # why: metrics storage (multiprocess files) failing must never fail the request
                log.exception("could not record request metrics")
        return response


def register_blueprints(app: Flask) -> None:
    """Every API surface, documented in /openapi.json."""
    from service.api import akismet, comments, coral, ops, outbox, perspective, review, webhooks

    api = Api(app, spec_kwargs={"info": {"description": "Self-hosted comment moderation"}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in (comments, review, ops, webhooks, outbox, akismet, perspective, coral):
        api.register_blueprint(module.blp)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the WSGI app; gunicorn runs 'service.app:create_app()'."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("MODERATION")
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = default_database_url(app.instance_path)
    configure_logging(app)

    db = Database(app.config["DATABASE_URL"], statement_timeout=float(app.config["STATEMENT_TIMEOUT"]))
    # Tests inject a scorer; admin commands skip loading models they do not use.
    scorer = (
        app.config["SCORER"]
        if "SCORER" in app.config
        else (load_models(app) if app.config["LOAD_MODELS"] else None)
    )
    app.extensions["moderation"] = ModerationService(db, scorer, float(app.config["CACHE_SECONDS"]))
    word_ranks()  # the normaliser's lexicon, read before gunicorn forks so that workers share it

    Limiter(
        key_func=rate_limit_key,
        app=app,
        default_limits=[app.config["RATELIMIT_DEFAULT"]],
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        enabled=app.config["RATELIMIT_ENABLED"],
    )
    register_request_hooks(app)
    register_blueprints(app)
    # After flask-smorest, so our problem+json handlers replace its JSON error handler.
    register_error_handlers(app)
    return app
