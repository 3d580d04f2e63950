"""The gunicorn application: the preloaded app is frozen out of the garbage collector before workers fork."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from service.serving import ModerationServer, gunicorn_options
from service.store.db import upgrade


def test_the_preloaded_app_is_frozen_before_the_fork(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    monkeypatch.setenv("MODERATION_DATABASE_URL", url)
    monkeypatch.setenv("MODERATION_LOAD_MODELS", "false")
    gc.unfreeze()
    app = ModerationServer(gunicorn_options("127.0.0.1", 0, 1)).load()
    try:
        # Full collections then skip everything loaded with the app (its objects sit in the permanent generation).
        assert gc.get_freeze_count() > 1000
        assert app.extensions["moderation"].db.url.startswith("sqlite")
    finally:
        gc.unfreeze()
        app.extensions["moderation"].db.dispose()
