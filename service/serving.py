"""Run the app under gunicorn with production settings (preload, worker recycling)."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


class ModerationServer(BaseApplication):
    """gunicorn application that serves service.app:create_app()."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from service.app import create_app

        app = create_app()
        # Everything loaded so far (models, word lists, the app) lives as long as the process: keep it out of
        # the garbage collector's full passes, which would otherwise walk it in every worker, and keep the
        # workers' copy-on-write pages shared.
        gc.freeze()
        return app


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """gunicorn settings: models load once before the fork; workers recycle to bound memory growth."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "preload_app": True,
        # A guard against slow leaks, not a routine: every worker cache is bounded (words, n-grams, keys,
        # policies, 256 sites' near-duplicate windows), and a recycled worker starts them all cold and reloads
        # each active site's window from the database. At 10 000 a busy worker recycled every few seconds.
        "max_requests": 100_000,
        "max_requests_jitter": 10_000,
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": "-",
        "post_fork": _post_fork,
        "worker_exit": _worker_exit,
    }


def _post_fork(server: Any, worker: Any) -> None:
    """Connections opened before the fork must not be shared with the children."""
    app = worker.app.callable
    if app is not None:
        app.extensions["moderation"].db.dispose()
        # Each worker delivers callbacks in a background thread; row leases keep several deliverers safe.
        from service.delivery.worker import start_in_process

        start_in_process(app)


def _worker_exit(server: Any, worker: Any) -> None:
    """Let the delivery thread finish the event in flight and hand back its other leases."""
    app = worker.app.callable
    handle = app.extensions.get("delivery") if app is not None else None
    if handle is not None:
        handle.stop(timeout=10)


def share_metrics_between_workers() -> str | None:
    """Have every worker write its counters into one directory, so /metrics sums all workers.

    Must run before prometheus_client is first imported, which picks its storage then. Uses
    PROMETHEUS_MULTIPROC_DIR when set (clearing the previous run's files, which would otherwise be summed
    in), else a fresh temporary directory; returns the directory to remove at exit, if it made one.
    """
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        Path(configured).mkdir(parents=True, exist_ok=True)
        for stale in Path(configured).glob("*.db"):
            stale.unlink()
        return None
    made = tempfile.mkdtemp(prefix="moderation-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


def run_gunicorn(host: str, port: int, workers: int, metrics_dir: str | None = None) -> None:
    """Serve until stopped; then remove the metrics directory made for this run, if any."""
    arbiter = os.getpid()
    try:
        ModerationServer(gunicorn_options(host, port, workers)).run()
    finally:
        # Workers are forked from inside run() and leave through this frame too (SystemExit when recycled
        # or stopped): only the arbiter may remove the directory the other workers still write to.
        if metrics_dir and os.getpid() == arbiter:
            shutil.rmtree(metrics_dir, ignore_errors=True)
