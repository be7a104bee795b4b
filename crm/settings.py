"""One frozen Settings object, read from the environment once by the process entry point.

Every variable has one name, a parser that rejects junk with a message naming the variable,
and a safe local default (SQLite file, inline jobs). ``.env.example`` lists them all.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    # Connectors (optional; without credentials a connector is disabled and says why).
    reddit_client_id: str | None = None
    reddit_client_secret: str | None = None
    reddit_user_agent: str = "social-crm/0.1 (self-hosted)"
    reddit_username: str | None = None
    reddit_password: str | None = None
    reddit_oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    x_bearer_token: str | None = None
    x_api_url: str = "https://api.twitter.com"
    # Delivery of alerts and reminders.
    smtp_url: str | None = None
    mail_from: str = "crm@localhost"
    # Outgoing webhooks may target loopback and private networks (tests, an internal receiver).
    webhooks_allow_private: bool = False
    # REST API: requests per minute per token unless the token says otherwise.
    api_rate_limit: int = 600
    extra: dict[str, str] = field(default_factory=dict)

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
        opt = lambda name: _get(env, name, _parse_str(name), None)  # noqa: E731
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
            reddit_client_id=opt("REDDIT_CLIENT_ID"),
            reddit_client_secret=opt("REDDIT_CLIENT_SECRET"),
            reddit_user_agent=_get(env, "REDDIT_USER_AGENT", _parse_str("REDDIT_USER_AGENT"), cls.reddit_user_agent),
            reddit_username=opt("REDDIT_USERNAME"),
            reddit_password=opt("REDDIT_PASSWORD"),
            reddit_oauth_url=_get(env, "REDDIT_OAUTH_URL", _parse_url("REDDIT_OAUTH_URL", http), cls.reddit_oauth_url),
            reddit_url=_get(env, "REDDIT_URL", _parse_url("REDDIT_URL", http), cls.reddit_url),
            x_bearer_token=opt("X_BEARER_TOKEN"),
            x_api_url=_get(env, "X_API_URL", _parse_url("X_API_URL", http), cls.x_api_url),
            smtp_url=_get(env, "SMTP_URL", _parse_url("SMTP_URL", ("smtp", "smtps")), None),
            mail_from=_get(env, "MAIL_FROM", _parse_str("MAIL_FROM"), "crm@localhost"),
            webhooks_allow_private=_get(
                env, "WEBHOOKS_ALLOW_PRIVATE", _parse_bool("WEBHOOKS_ALLOW_PRIVATE"), False
            ),
            api_rate_limit=_get(env, "API_RATE_LIMIT", _parse_int("API_RATE_LIMIT", 1, 100_000), 600),
        )

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
