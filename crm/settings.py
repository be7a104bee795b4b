"""One frozen Settings object, read from the environment once by the process entry point.

Every variable has one name, a parser that rejects junk with a message naming the variable,
and a safe local default (SQLite file, inline jobs). ``.env.example`` lists them all.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

T = TypeVar("T")


class SettingsError(ValueError):
    """A variable in the environment has a value we cannot use."""


def _parse_int(name: str, lo: int, hi: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
        if not lo <= value <= hi:
            raise SettingsError(f"{name} must be between {lo} and {hi}, got {value}")
        return value

    return parse


def _parse_bool(name: str) -> Callable[[str], bool]:
    def parse(raw: str) -> bool:
        low = raw.strip().lower()
        if low in {"1", "true", "yes", "on"}:
            return True
        if low in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")

    return parse


def _parse_timezone(raw: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = raw.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"DEFAULT_TIMEZONE must be an IANA time zone like Europe/Berlin, got {raw!r}") from None
    return value


def _parse_language(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("en", "de"):
        raise SettingsError(f"DEFAULT_LANGUAGE must be en or de, got {raw!r}")
    return value


def _parse_url(name: str, schemes: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        scheme = urlparse(value).scheme
        if scheme not in schemes:
            raise SettingsError(
                f"{name} must start with one of {', '.join(s + '://' for s in schemes)}, got {value!r}"
            )
        return value

    return parse


def _parse_database_url(raw: str) -> str:
    value = raw.strip()
    if value.startswith(("postgres://", "postgresql://")):
        # Heroku-style URLs name no driver; we use psycopg 3.
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    if not value.startswith(("sqlite:///", "postgresql+psycopg://")):
        raise SettingsError(
            "DATABASE_URL must be sqlite:///PATH or postgresql+psycopg://USER@HOST/DB, "
            f"got {value!r}"
        )
    if value == "sqlite:///":
        # SQLAlchemy reads an empty path as an in-memory database: every restart loses the data.
        raise SettingsError("DATABASE_URL sqlite:/// needs a file path, e.g. sqlite:///instance/crm.sqlite3")
    return value


def _parse_str(name: str, max_len: int = 500) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if len(value) > max_len:
            raise SettingsError(f"{name} is longer than {max_len} characters")
        return value

    return parse


def _parse_allow_list(raw: str) -> tuple[str, ...]:
    """OUTGOING_ALLOW: host names, IP addresses or networks (CIDR), comma-separated."""
    import ipaddress

    items = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    for item in items:
        if "/" in item or item[:1].isdigit() or ":" in item:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise SettingsError(f"OUTGOING_ALLOW: {item!r} is not an address or network") from None
    return items


def _outgoing_allow(env: Mapping[str, str]) -> tuple[str, ...]:
    """OUTGOING_ALLOW, plus loopback and private networks for the deprecated WEBHOOKS_ALLOW_PRIVATE=true."""
    none: tuple[str, ...] = ()
    allow = _get(env, "OUTGOING_ALLOW", _parse_allow_list, none)
    if _get(env, "WEBHOOKS_ALLOW_PRIVATE", _parse_bool("WEBHOOKS_ALLOW_PRIVATE"), False):
        from crm.outgoing import PRIVATE_NETWORKS

        logging.getLogger(__name__).warning(
            "WEBHOOKS_ALLOW_PRIVATE is deprecated: set OUTGOING_ALLOW=%s instead (read as that now)",
            ",".join(PRIVATE_NETWORKS))
        allow += tuple(n for n in PRIVATE_NETWORKS if n not in allow)
    return allow


def _get(env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    return parse(raw)


@dataclass(frozen=True)
class Settings:
    """Process configuration. Build it with :meth:`from_env`; never mutate it."""

    data_dir: Path = Path("instance")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str = ""
    ingest_batch_size: int = 2000
    # Self-healing: a job, lease or import run silent for this long with no live worker behind
    # it is taken up again; RQ workers send a heartbeat every WORKER_HEARTBEAT_SECONDS.
    heal_after_seconds: int = 60
    worker_heartbeat_seconds: int = 10
    log_level: str = "INFO"
    base_url: str = "http://127.0.0.1:5000"
    # Delivery of alerts and reminders.
    smtp_url: str | None = None
    mail_from: str = "crm@localhost"
    # What {product} says in saved replies (crm/replies/saved.py); empty leaves it visible.
    product_name: str = ""
    # Security (issue 16). None: Secure cookies exactly when BASE_URL is https.
    session_cookie_secure: bool | None = None
    remember_days: int = 14
    # Failed sign-ins allowed per account and per address in LOGIN_WINDOW_SECONDS.
    login_attempts_per_account: int = 5
    login_attempts_per_address: int = 20
    login_window_seconds: int = 300
    max_upload_mb: int = 512
    # Uploaded import files and export files older than this are deleted by the scheduler.
    retention_days: int = 30
    # Outgoing URLs (alert and outgoing webhooks) may not reach private, loopback, link-local or
    # reserved addresses, except hosts and networks listed here (comma list: 10.0.0.0/8,
    # hooks.local); crm.outgoing checks them. The retired WEBHOOKS_ALLOW_PRIVATE=true adds
    # loopback and the private networks, with a deprecation warning.
    outgoing_allow: tuple[str, ...] = ()
    # Reverse proxies in front of the web process whose X-Forwarded-For/-Proto are trusted
    # (0: none). Login throttling counts per client address, which a proxy would otherwise hide.
    proxy_hops: int = 0
    # Users who have not chosen: times in this zone; the UI in the browser's language, else this.
    default_timezone: str = "Europe/Berlin"
    default_language: str = "en"
    # REST API: requests per minute per token unless the token says otherwise.
    api_rate_limit: int = 600
    extra: dict[str, str] = field(default_factory=dict)
    # The environment as read, for connector settings: each connector class names and parses
    # its own variables (connectors/base.py ``Setting``), so a new channel needs no field here.
    connector_env: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def jobs_inline(self) -> bool:
        return self.redis_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every variable; raise SettingsError naming the bad one."""
        env = os.environ if env is None else env
        data_dir = Path(_get(env, "DATA_DIR", _parse_str("DATA_DIR"), "instance")).resolve()
        database_url = _get(
            env, "DATABASE_URL", _parse_database_url, f"sqlite:///{data_dir / 'crm.sqlite3'}"
        )
        secret_key = _get(env, "SECRET_KEY", _parse_str("SECRET_KEY"), "")
        if secret_key and len(secret_key) < 16:
            raise SettingsError("SECRET_KEY must be at least 16 characters")
        log_level = _get(env, "LOG_LEVEL", _parse_str("LOG_LEVEL", 10), "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
        http = ("http", "https")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=_get(env, "REDIS_URL", _parse_url("REDIS_URL", ("redis", "rediss", "unix")), None),
            secret_key=secret_key,
            ingest_batch_size=_get(env, "INGEST_BATCH_SIZE", _parse_int("INGEST_BATCH_SIZE", 1, 50_000), 2000),
            heal_after_seconds=_get(env, "HEAL_AFTER_SECONDS", _parse_int("HEAL_AFTER_SECONDS", 2, 3600), 60),
            worker_heartbeat_seconds=_get(
                env, "WORKER_HEARTBEAT_SECONDS", _parse_int("WORKER_HEARTBEAT_SECONDS", 1, 300), 10
            ),
            log_level=log_level,
            base_url=_get(env, "BASE_URL", _parse_url("BASE_URL", http), "http://127.0.0.1:5000"),
            smtp_url=_get(env, "SMTP_URL", _parse_url("SMTP_URL", ("smtp", "smtps")), None),
            mail_from=_get(env, "MAIL_FROM", _parse_str("MAIL_FROM"), "crm@localhost"),
            product_name=_get(env, "PRODUCT_NAME", _parse_str("PRODUCT_NAME"), ""),
            session_cookie_secure=_get(env, "SESSION_COOKIE_SECURE", _parse_bool("SESSION_COOKIE_SECURE"), None),
            remember_days=_get(env, "REMEMBER_DAYS", _parse_int("REMEMBER_DAYS", 0, 365), 14),
            login_attempts_per_account=_get(
                env, "LOGIN_ATTEMPTS_PER_ACCOUNT", _parse_int("LOGIN_ATTEMPTS_PER_ACCOUNT", 1, 1000), 5
            ),
            login_attempts_per_address=_get(
                env, "LOGIN_ATTEMPTS_PER_ADDRESS", _parse_int("LOGIN_ATTEMPTS_PER_ADDRESS", 1, 10_000), 20
            ),
            login_window_seconds=_get(env, "LOGIN_WINDOW_SECONDS", _parse_int("LOGIN_WINDOW_SECONDS", 1, 86_400), 300),
            max_upload_mb=_get(env, "MAX_UPLOAD_MB", _parse_int("MAX_UPLOAD_MB", 1, 100_000), 512),
            retention_days=_get(env, "RETENTION_DAYS", _parse_int("RETENTION_DAYS", 0, 3650), 30),
            outgoing_allow=_outgoing_allow(env),
            proxy_hops=_get(env, "PROXY_HOPS", _parse_int("PROXY_HOPS", 0, 5), 0),
            connector_env={k: v for k, v in env.items() if k.isupper() and v.strip()},
            default_timezone=_get(env, "DEFAULT_TIMEZONE", _parse_timezone, cls.default_timezone),
            default_language=_get(env, "DEFAULT_LANGUAGE", _parse_language, cls.default_language),
            api_rate_limit=_get(env, "API_RATE_LIMIT", _parse_int("API_RATE_LIMIT", 1, 100_000), 600),
        )

    @property
    def cookies_secure(self) -> bool:
        """SESSION_COOKIE_SECURE when set, else whether BASE_URL is https."""
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        return self.base_url.startswith("https://")

    def connector_value(self, name: str) -> str | None:
        """A connector setting by its variable name (the connector class parses and defaults it)."""
        return self.connector_env.get(name)

    def with_connector_env(self, **values: str | None) -> Settings:
        """These settings with connector variables set (None removes one): for tests and tools."""
        env = {**self.connector_env, **values}
        return replace(self, connector_env={k: v for k, v in env.items() if v})

    def resolved_secret_key(self) -> str:
        """SECRET_KEY, or a random key kept in DATA_DIR so sessions survive restarts."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
