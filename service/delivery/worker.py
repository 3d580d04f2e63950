"""The deliverer: claims due outbox events, POSTs them signed to the site's callback URL, and retries."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from service.delivery.outbox import AttemptResult, ClaimedEvent, backoff_delay, claim_due, record_attempt
from service.metrics import DELIVERIES
from service.signing import SIGNATURE_HEADER, sign
from service.store.db import Database

log = logging.getLogger(__name__)

USER_AGENT = "comment-moderation-callbacks/1"
# Only this much of a failing receiver's answer is kept in the delivery log.
ERROR_EXCERPT = 300


@dataclass(frozen=True)
class DeliverySettings:
    """How hard to try: attempts, backoff, timeouts, batch size and polling."""

    max_attempts: int = 10
    backoff_base: float = 2.0
    backoff_max: float = 3600.0
    timeout: float = 5.0
    batch_size: int = 10
    poll_interval: float = 1.0

    @property
    def lease_seconds(self) -> float:
        """Long enough for a whole batch to time out one by one, with a margin; expired leases are reclaimed."""
        return self.timeout * self.batch_size + 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DeliverySettings:
        """Settings from the app config (OUTBOX_* keys)."""
        return cls(
            max_attempts=int(config["OUTBOX_MAX_ATTEMPTS"]),
            backoff_base=float(config["OUTBOX_BACKOFF_BASE"]),
            backoff_max=float(config["OUTBOX_BACKOFF_MAX"]),
            timeout=float(config["OUTBOX_TIMEOUT"]),
            batch_size=int(config.get("OUTBOX_BATCH_SIZE", 10)),
            poll_interval=float(config.get("OUTBOX_POLL_INTERVAL", 1.0)),
        )


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent and signed."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


class Deliverer:
    """Delivers outbox events; several deliverers (threads or processes) may run against one database."""

    def __init__(
        self,
        db: Database,
        settings: DeliverySettings,
        *,
        http: requests.Session | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.http = http or requests.Session()
        self.rng = rng or random.Random()

    def send(self, event: ClaimedEvent) -> AttemptResult:
        """POST one event, signed; any 2xx is success, anything else (redirects included) is a failure."""
        started = time.perf_counter()
        if not event.callback_url:
            return AttemptResult(False, None, "the site has no callback URL", 0.0)
        if not event.secrets:
            return AttemptResult(False, None, "the site has no active signing secret", 0.0)
        body = encode_payload(event.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(event.secrets, body),
            # Receivers deduplicate on this id: delivery is at-least-once if a deliverer dies mid-request.
            "X-Moderation-Event-Id": str(event.id),
            "X-Moderation-Event-Type": event.event_type,
            "X-Moderation-Delivery-Attempt": str(event.attempts + 1),
        }
        try:
            response = self.http.post(
                event.callback_url,
                data=body,
                headers=headers,
                timeout=self.settings.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            elapsed = (time.perf_counter() - started) * 1000
            return AttemptResult(False, None, f"{error.__class__.__name__}: {error}"[:ERROR_EXCERPT], elapsed)
        elapsed = (time.perf_counter() - started) * 1000
        if 200 <= response.status_code < 300:
            return AttemptResult(True, response.status_code, None, elapsed)
        excerpt = response.text[:ERROR_EXCERPT] if response.text else ""
        return AttemptResult(
            False, response.status_code, f"HTTP {response.status_code} {excerpt}".strip(), elapsed
        )

    def deliver(self, event: ClaimedEvent) -> str | None:
        """Send one claimed event and record the outcome; returns the event's new status."""
        result = self.send(event)
        retry_in = backoff_delay(
            event.attempts + 1, self.settings.backoff_base, self.settings.backoff_max, self.rng
        )
        status = record_attempt(
            self.db, event, result, max_attempts=self.settings.max_attempts, retry_in=retry_in
        )
        if status is None:
            DELIVERIES.labels("lease_lost").inc()
            log.warning("outbox event %s: lease lost before the outcome was recorded", event.id)
        else:
            DELIVERIES.labels("delivered" if result.ok else ("dead" if status == "dead" else "retry")).inc()
            if not result.ok:
                log.info("outbox event %s attempt %s failed: %s", event.id, event.attempts + 1, result.error)
        return status

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Claim one batch of due events and deliver them; returns how many were claimed."""
        events = claim_due(self.db, limit=self.settings.batch_size, lease_seconds=self.settings.lease_seconds)
        for index, event in enumerate(events):
            if stop is not None and stop.is_set():
                # Hand the rest back now rather than making them wait for the lease to run out.
                release(self.db, events[index:])
                break
            self.deliver(event)
        return len(events)

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set; a database outage is logged and retried, never fatal."""
        failures = 0
        while not stop.is_set():
            try:
                claimed = self.run_once(stop)
                failures = 0
            except Exception:  # keep the loop alive through database outages; the events stay in the outbox
                failures += 1
                log.exception("callback delivery loop failed; retrying")
                stop.wait(min(30.0, self.settings.poll_interval * 2**failures))
                continue
            if claimed < self.settings.batch_size:
                stop.wait(self.settings.poll_interval)


def release(db: Database, events: list[ClaimedEvent]) -> None:
    """Give back leases on events this deliverer will not send (shutdown), so others can claim them now."""
    from sqlalchemy import update

    from service.store.tables import OutboxEvent

    with db.write() as session:
        for event in events:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event.id, OutboxEvent.lease_until == event.lease_until)
                .values(lease_until=None)
                .execution_options(synchronize_session=False)
            )


class BackgroundDelivery:
    """A daemon thread running a Deliverer inside a server process (`moderation serve`)."""

    def __init__(self, deliverer: Deliverer, name: str = "callback-delivery") -> None:
        self.deliverer = deliverer
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=deliverer.run, args=(self.stop_event,), name=name, daemon=True)

    def start(self) -> BackgroundDelivery:
        """Start delivering."""
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Finish the event in flight, hand back the rest, and wait for the thread."""
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout)


def start_in_process(app: Any) -> BackgroundDelivery | None:
    """Start background delivery for a Flask app when DELIVER_IN_PROCESS is on; returns the handle."""
    if not app.config.get("DELIVER_IN_PROCESS"):
        return None
    service = app.extensions["moderation"]
    handle = BackgroundDelivery(Deliverer(service.db, DeliverySettings.from_config(app.config))).start()
    app.extensions["delivery"] = handle
    return handle
