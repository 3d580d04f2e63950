"""The `moderation` command: serve, database, sites, keys, policy, offline scoring, labels, models."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from service.config import REPO_ROOT, SECRET_GRACE_SECONDS


def _app(**overrides: Any) -> Any:
    from service.app import create_app

    app = create_app({"LOG_JSON": False, **overrides})
    # Close pooled connections when the command ends, success or not.
    click.get_current_context().call_on_close(app.extensions["moderation"].db.dispose)
    return app


def _service(**overrides: Any) -> Any:
    return _app(**overrides).extensions["moderation"]


class ModerationGroup(click.Group):
    """The CLI's one error path: a domain error becomes a one-line message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from service.errors import ModerationError

        try:
            return super().invoke(ctx)
        except ModerationError as error:
            raise click.ClickException(error.detail) from error


# Where `train` and `evaluate` read the labelled sets: ../shared/datasets beside the checkout by default.
data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False),
    default=str(REPO_ROOT.parent / "shared" / "datasets"),
    show_default=True,
    help="folder of the labelled data sets",
)


# How long the previous signing secret keeps working after `rotate-secret` or `set-secret`.
grace_option = click.option(
    "--grace",
    default=SECRET_GRACE_SECONDS,
    show_default=True,
    type=int,
    help="seconds the old secret stays valid",
)


@click.group(cls=ModerationGroup)
def main() -> None:
    """Self-hosted comment moderation."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--no-migrate", is_flag=True, help="do not bring the database schema up to date first")
def serve(host: str, port: int, workers: int, no_migrate: bool) -> None:
    """Serve the API with gunicorn (models load once, before the workers fork)."""
    from service.serving import run_gunicorn, share_metrics_between_workers

    metrics_dir = share_metrics_between_workers()  # before anything imports prometheus_client
    if not no_migrate:
        _upgrade()
    run_gunicorn(host=host, port=port, workers=workers, metrics_dir=metrics_dir)


def _upgrade() -> None:
    from service.store.db import upgrade

    app = _app(LOAD_MODELS=False)
    upgrade(app.config["DATABASE_URL"])


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema (Alembic) to the newest revision."""
    _upgrade()
    click.echo("database is up to date")


@main.group()
def sites() -> None:
    """Sites (tenants)."""


@sites.command("create")
@click.argument("name")
@click.option("--callback-url", default=None, help="where verdicts and decisions are POSTed")
def sites_create(name: str, callback_url: str | None) -> None:
    """Create a site; prints its webhook signing secret on the last line."""
    site, secret = _service(LOAD_MODELS=False).accounts.create_site(name, callback_url)
    click.echo(f"created site {site.name}" + (f" (callbacks to {callback_url})" if callback_url else ""))
    click.echo("webhook signing secret (shown once):")
    click.echo(secret)


@sites.command("set-callback")
@click.argument("name")
@click.argument("url", required=False)
def sites_set_callback(name: str, url: str | None) -> None:
    """Set (or, without URL, clear) a site's callback URL."""
    _service(LOAD_MODELS=False).accounts.set_callback(name, url)
    click.echo(f"callback for {name}: {url or 'none'}")


@sites.command("rotate-secret")
@click.argument("name")
@grace_option
def sites_rotate_secret(name: str, grace: int) -> None:
    """Issue a new signing secret; the old one keeps working for --grace seconds. Prints it on the last line."""
    secret = _service(LOAD_MODELS=False).accounts.rotate_secret(name, grace)
    click.echo(f"new signing secret for {name}; the previous one expires in {grace} s:")
    click.echo(secret)


@main.group()
def keys() -> None:
    """API keys."""


@keys.command("create")
@click.option("--site", "site_name", required=True)
@click.option("--role", type=click.Choice(["ingest", "moderator", "admin"]), required=True)
def keys_create(site_name: str, role: str) -> None:
    """Create an API key; prints the raw key on the last line (only its hash is stored)."""
    raw = _service(LOAD_MODELS=False).accounts.create_key(site_name, role)
    click.echo(f"created {role} key for {site_name} (shown once):")
    click.echo(raw)


@keys.command("list")
@click.option("--site", "site_name", required=True)
def keys_list(site_name: str) -> None:
    """List a site's keys by prefix and role."""
    rows = _service(LOAD_MODELS=False).accounts.list_keys(site_name)
    for key in rows:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.prefix}…  {key.role:<9}  created {key.created_at:%Y-%m-%d}  {state}")


@keys.command("revoke")
@click.argument("prefix")
def keys_revoke(prefix: str) -> None:
    """Revoke a key by the prefix `keys list` shows."""
    _service(LOAD_MODELS=False).accounts.revoke_key(prefix)
    click.echo(f"revoked {prefix}; running servers refuse it within MODERATION_CACHE_SECONDS")


@main.group()
def policy() -> None:
    """Per-site moderation policy."""


@policy.command("show")
@click.option("--site", "site_name", required=True)
def policy_show(site_name: str) -> None:
    """Print a site's policy as JSON."""
    site = _service(LOAD_MODELS=False).accounts.get_site(site_name)
    click.echo(
        json.dumps({"policy_version": f"{site.name}@{site.policy_revision}", "policy": site.policy}, indent=2)
    )


@policy.command("set")
@click.option("--site", "site_name", required=True)
@click.argument("document", type=click.File("r"))
def policy_set(site_name: str, document: Any) -> None:
    """Merge a JSON policy document (file or - for stdin) into a site's policy."""
    try:
        changes = json.load(document)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"not valid JSON: {error}") from error
    if not isinstance(changes, dict):
        raise click.ClickException("the policy document must be a JSON object")
    site = _service(LOAD_MODELS=False).update_policy(site_name, changes, actor="cli")
    click.echo(f"policy is now {site.name}@{site.policy_revision}")


@main.command()
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False))
@click.option("--site", "site_name", default=None, help="use this site's policy (default: built-in policy)")
@click.option("--batch-size", default=64, show_default=True, type=int)
def score(input_path: str, output_path: str, site_name: str | None, batch_size: int) -> None:
    """Score a JSONL file offline through the full pipeline, storing nothing."""
    from service.offline import score_file

    count = score_file(_service(), Path(input_path), Path(output_path), site_name, batch_size)
    click.echo(f"scored {count} comments into {output_path}", err=True)


@main.group()
def labels() -> None:
    """Human labels collected for retraining."""


@labels.command("export")
@click.option("--site", "site_name", default=None)
@click.option("--output", type=click.File("w"), default="-")
def labels_export(site_name: str | None, output: Any) -> None:
    """Write every moderator and Akismet label as JSON lines."""
    # An export of every label may take one long statement; it runs under no request's deadline.
    for row in _service(LOAD_MODELS=False, STATEMENT_TIMEOUT=0).export_labels(site_name):
        output.write(json.dumps(row, ensure_ascii=False) + "\n")


@main.command()
@data_option
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), default=str(REPO_ROOT / "models"), show_default=True
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--labels",
    "label_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="add human labels from `moderation labels export` (repeatable)",
)
def train(data_dir: str, out_dir: str, seed: int, label_files: tuple[str, ...]) -> None:
    """Fit the models on the labelled data sets (and your moderators' labels) and write the artifacts and card."""
    from service.ml import train as training

    training.train(Path(data_dir), Path(out_dir), seed=seed, label_files=[Path(f) for f in label_files])


@main.command()
@data_option
@click.option(
    "--models",
    "model_dir",
    type=click.Path(file_okay=False),
    default=str(REPO_ROOT / "models"),
    show_default=True,
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False),
    default=str(REPO_ROOT / "reports"),
    show_default=True,
)
def evaluate(data_dir: str, model_dir: str, report_dir: str) -> None:
    """Score every eval-only set and write a Markdown report with plots."""
    from service.ml import evaluate as evaluation

    evaluation.evaluate(Path(model_dir), Path(data_dir), Path(report_dir))


@main.command()
@click.option("--once", is_flag=True, help="deliver what is due now, then exit")
@click.option(
    "--poll", default=None, type=float, help="seconds between polls when idle (OUTBOX_POLL_INTERVAL)"
)
def worker(once: bool, poll: float | None) -> None:
    """Deliver callbacks from the outbox as its own process until SIGTERM/SIGINT (finishes the event in flight)."""
    import dataclasses
    import signal
    import threading

    from service.delivery.worker import Deliverer, DeliverySettings

    app = _app(LOAD_MODELS=False)
    settings = DeliverySettings.from_config(app.config)
    if poll is not None:
        settings = dataclasses.replace(settings, poll_interval=poll)
    deliverer = Deliverer(app.extensions["moderation"].db, settings)
    if once:
        total = 0
        while claimed := deliverer.run_once():
            total += claimed
        click.echo(f"attempted {total} deliveries")
        return
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        click.echo(f"received signal {signum}, stopping after the event in flight", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo("delivering callbacks; stop with SIGTERM", err=True)
    deliverer.run(stop)
    app.extensions["moderation"].db.dispose()
    click.echo("worker stopped", err=True)


@main.group()
def outbox() -> None:
    """The callback outbox."""


@outbox.command("list")
@click.option("--site", "site_name", required=True)
@click.option("--status", type=click.Choice(["pending", "delivered", "dead"]), default=None)
@click.option("--limit", default=50, show_default=True, type=int)
def outbox_list(site_name: str, status: str | None, limit: int) -> None:
    """List a site's callback events, newest first."""
    from service.delivery import outbox as events

    service = _service(LOAD_MODELS=False)
    site = service.accounts.get_site(site_name)
    page = events.list_events(service.db, site.id, status=status, limit=limit, cursor=None)
    for item in page["items"]:
        last_error = f"  {item['last_error']}" if item["last_error"] else ""
        click.echo(
            f"{item['id']:>8}  {item['type']:<18} {item['status']:<9} attempts={item['attempts']}"
            f"  comment={item['comment_id']}{last_error}"
        )


@outbox.command("redeliver")
@click.option("--site", "site_name", required=True)
@click.argument("event_id", type=int)
def outbox_redeliver(site_name: str, event_id: int) -> None:
    """Queue an event again (e.g. a dead one) with a fresh attempt budget."""
    from service.delivery import outbox as events

    service = _service(LOAD_MODELS=False)
    site = service.accounts.get_site(site_name)
    events.redeliver(service.db, site.id, event_id, actor="cli")
    click.echo(f"event {event_id} queued for delivery")


@sites.command("set-secret")
@click.argument("name")
@grace_option
@click.option(
    "--secret", prompt=True, hide_input=True, help="the secret to use (e.g. Coral's signing secret)"
)
def sites_set_secret(name: str, grace: int, secret: str) -> None:
    """Adopt a secret issued elsewhere (Coral's phase signing secret) as the site's newest signing secret."""
    if len(secret) < 16 or len(secret) > 128:
        raise click.ClickException("a signing secret must be 16 to 128 characters")
    _service(LOAD_MODELS=False).accounts.rotate_secret(name, grace, new_secret=secret)
    click.echo(f"signing secret for {name} replaced; the previous one expires in {grace} s")


if __name__ == "__main__":
    sys.exit(main())
