"""Sites, API keys and signing secrets: creation, rotation and authentication (no Flask here)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cachetools import TTLCache
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import BEARER_CHALLENGE, Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from service.store.db import Database
from service.store.tables import ApiKey, AuditEntry, Site, SiteSecret

ROLES = ("ingest", "moderator", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
KEY_PREFIX = "mk_"


def utcnow() -> datetime:
    """The store's clock."""
    return datetime.now(UTC)


def hash_key(raw_key: str) -> str:
    """SHA-256 of a raw API key; the only form in which keys are stored."""
    return hashlib.sha256(raw_key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key's site and role."""

    site_id: int
    site_name: str
    role: str
    key_prefix: str

    def require(self, role: str) -> None:
        """Raise Forbidden unless this key's role includes `role` (admin ⊃ moderator ⊃ ingest)."""
        if ROLE_RANK[self.role] < ROLE_RANK[role]:
            raise Forbidden(f"this call needs the {role} role; the key has {self.role}")

    def require_site(self, site_name: str | None) -> None:
        """Raise Forbidden when a call names another site than the key's own."""
        if site_name is not None and site_name != self.site_name:
            raise Forbidden(f"this key belongs to site {self.site_name!r}, not {site_name!r}")


def audit(
    session: Session, site_id: int, action: str, target: str, details: dict[str, Any], actor: str = "cli"
) -> None:
    """Record an account change (sites, keys, secrets) in the audit log."""
    session.add(
        AuditEntry(
            site_id=site_id, actor=actor, action=action, target=target, details=details, created_at=utcnow()
        )
    )


# Built once: every comment looks its site up, and building the statement costs more than running it.
_SITE_BY_NAME = select(Site).where(Site.name == bindparam("name"))
_SITE_REF_BY_NAME = select(Site.id, Site.name, Site.callback_url).where(Site.name == bindparam("name"))


@dataclass(frozen=True)
class SiteRef:
    """What ingestion needs of a site, read as plain columns (loading the ORM row costs more than the query)."""

    id: int
    name: str
    callback_url: str | None


class Accounts:
    """Manages sites, keys and secrets in the store."""

    def __init__(
        self, db: Database, cache_seconds: float = 0.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """`cache_seconds` > 0 keeps authenticated keys in this process's memory for that long.

        Why: every API call authenticates, and the lookup would otherwise cost a query per call. The price:
        a key revoked by another process (the CLI, another worker) keeps working for up to that long.
        """
        self.db = db
        self._principals: TTLCache[str, Principal] | None = (
            TTLCache(maxsize=4096, ttl=cache_seconds, timer=clock) if cache_seconds > 0 else None
        )
        self._lock = threading.Lock()  # TTLCache is not thread-safe; the delivery thread shares the process

    def create_site(self, name: str, callback_url: str | None = None) -> tuple[Site, str]:
        """Create a site and its first signing secret; returns (site, secret)."""
        if not SITE_NAME.match(name):
            raise ValidationFailed(
                "site names are 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
                errors={"name": ["invalid site name"]},
            )
        secret = "whsec_" + secrets.token_hex(24)
        now = utcnow()
        try:
            with self.db.write() as session:
                site = Site(
                    name=name, callback_url=callback_url, policy={}, policy_revision=1, created_at=now
                )
                session.add(site)
                session.flush()
                session.add(SiteSecret(site_id=site.id, secret=secret, created_at=now, expires_at=None))
                audit(session, site.id, "site.created", name, {"callback_url": callback_url})
        except IntegrityError as error:
            raise Conflict(f"site {name!r} already exists") from error
        return site, secret

    def site(self, session: Session, name: str) -> Site:
        """Look a site up by name or raise NotFound."""
        site = session.scalar(_SITE_BY_NAME, {"name": name})
        if site is None:
            raise NotFound(f"no site named {name!r}")
        return site

    def site_ref(self, session: Session, name: str) -> SiteRef:
        """A site's id, name and callback URL, or NotFound."""
        row = session.connection().execute(_SITE_REF_BY_NAME, {"name": name}).first()
        if row is None:
            raise NotFound(f"no site named {name!r}")
        return SiteRef(id=row.id, name=row.name, callback_url=row.callback_url)

    def get_site(self, name: str) -> Site:
        """Look a site up by name in its own transaction."""
        with self.db.read() as session:
            return self.site(session, name)

    def set_callback(self, name: str, callback_url: str | None) -> None:
        """Change (or clear) a site's callback URL."""
        with self.db.write() as session:
            site = self.site(session, name)
            site.callback_url = callback_url
            audit(session, site.id, "site.callback_changed", name, {"callback_url": callback_url})

    def create_key(self, site_name: str, role: str) -> str:
        """Create an API key for a site; returns the raw key, which is never stored."""
        if role not in ROLE_RANK:
            raise ValidationFailed(
                f"role must be one of {', '.join(ROLES)}", errors={"role": ["unknown role"]}
            )
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.db.write() as session:
            site = self.site(session, site_name)
            session.add(
                ApiKey(
                    site_id=site.id,
                    role=role,
                    key_hash=hash_key(raw),
                    prefix=raw[:10],
                    created_at=utcnow(),
                    revoked_at=None,
                )
            )
            audit(session, site.id, "key.created", raw[:10], {"role": role})
        return raw

    def revoke_key(self, prefix: str) -> None:
        """Revoke every key that starts with `prefix` (as shown by `keys list`)."""
        with self.db.write() as session:
            keys = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix[:10])).all()
            if not keys:
                raise NotFound(f"no key with prefix {prefix!r}")
            for key in keys:
                key.revoked_at = utcnow()
                audit(session, key.site_id, "key.revoked", key.prefix, {})
        self.forget_keys()

    def forget_keys(self) -> None:
        """Drop this process's remembered keys, so that a revocation takes effect here at once."""
        if self._principals is not None:
            with self._lock:
                self._principals.clear()

    def list_keys(self, site_name: str) -> list[ApiKey]:
        """The site's keys (hash prefixes only)."""
        with self.db.read() as session:
            site = self.site(session, site_name)
            return list(session.scalars(select(ApiKey).where(ApiKey.site_id == site.id).order_by(ApiKey.id)))

    def authenticate(self, raw_key: str | None) -> Principal:
        """Resolve a raw key to its site and role, or raise Unauthorized."""
        if not raw_key:
            raise Unauthorized(
                "an API key is required: send 'Authorization: Bearer <key>'", headers=BEARER_CHALLENGE
            )
        digest = hash_key(raw_key)
        if self._principals is not None:
            with self._lock:
                known = self._principals.get(digest)
            if known is not None:
                return known
        with self.db.read() as session:
            row = session.execute(
                select(ApiKey, Site.name)
                .join(Site, Site.id == ApiKey.site_id)
                .where(ApiKey.key_hash == digest)
            ).first()
        # The lookup is by hash; compare again in constant time so timing says nothing about near misses.
        if row is None or not hmac.compare_digest(row[0].key_hash, digest) or row[0].revoked_at is not None:
            raise Unauthorized("the API key is unknown or revoked", headers=BEARER_CHALLENGE)
        key, site_name = row
        principal = Principal(site_id=key.site_id, site_name=site_name, role=key.role, key_prefix=key.prefix)
        if self._principals is not None:
            with self._lock:
                self._principals[digest] = principal
        return principal

    def active_secrets(self, site_name: str) -> tuple[Site, list[str]]:
        """The site's signing secrets that are valid now (newest first)."""
        now = utcnow()
        with self.db.read() as session:
            site = self.site(session, site_name)
            rows = session.scalars(
                select(SiteSecret).where(SiteSecret.site_id == site.id).order_by(SiteSecret.id.desc())
            ).all()
        return site, [row.secret for row in rows if row.expires_at is None or row.expires_at > now]

    def rotate_secret(self, site_name: str, grace_seconds: int, new_secret: str | None = None) -> str:
        """Add a new signing secret; older ones stay valid for `grace_seconds`."""
        secret = new_secret or "whsec_" + secrets.token_hex(24)
        now = utcnow()
        with self.db.write() as session:
            site = self.site(session, site_name)
            for row in session.scalars(select(SiteSecret).where(SiteSecret.site_id == site.id)):
                if row.expires_at is None or row.expires_at > now + timedelta(seconds=grace_seconds):
                    row.expires_at = now + timedelta(seconds=grace_seconds)
            session.add(SiteSecret(site_id=site.id, secret=secret, created_at=now, expires_at=None))
            audit(session, site.id, "secret.rotated", site_name, {"grace_seconds": grace_seconds})
        return secret
