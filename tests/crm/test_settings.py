"""Settings.from_env: safe defaults, junk rejected with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.errors import InvalidInput
from crm.settings import Settings, SettingsError


def test_defaults_are_safe_and_local(tmp_path: Path) -> None:
    s = Settings.from_env({"DATA_DIR": str(tmp_path)})
    assert s.data_dir == tmp_path.resolve()
    assert s.database_url == f"sqlite:///{tmp_path.resolve() / 'crm.sqlite3'}"
    assert s.is_sqlite
    assert s.redis_url is None and s.jobs_inline
    assert s.ingest_batch_size == 2000
    assert s.log_level == "INFO"
    assert s.secret_key == ""
    assert s.base_url == "http://127.0.0.1:5000"
    assert s.connector_value("REDDIT_CLIENT_ID") is None and s.connector_value("X_BEARER_TOKEN") is None


def test_blank_values_mean_the_default(tmp_path: Path) -> None:
    s = Settings.from_env({"DATA_DIR": str(tmp_path), "REDIS_URL": "  ", "INGEST_BATCH_SIZE": "",
                           "LOG_LEVEL": ""})
    assert (s.redis_url, s.ingest_batch_size, s.log_level) == (None, 2000, "INFO")


def test_good_values_are_read(tmp_path: Path) -> None:
    s = Settings.from_env({
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": " postgresql+psycopg://crm@db.internal:5432/crm ",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        "INGEST_BATCH_SIZE": " 500 ",
        "LOG_LEVEL": "debug",
        "SECRET_KEY": "x" * 32,
    })
    assert s.database_url == "postgresql+psycopg://crm@db.internal:5432/crm"
    assert not s.is_sqlite
    assert s.redis_url == "redis://127.0.0.1:6379/2" and not s.jobs_inline
    assert s.ingest_batch_size == 500
    assert s.log_level == "DEBUG"
    assert s.secret_key == "x" * 32


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_driverless_postgres_urls_are_rewritten_to_psycopg(tmp_path: Path, scheme: str) -> None:
    s = Settings.from_env({"DATA_DIR": str(tmp_path), "DATABASE_URL": f"{scheme}://u:p@h:5432/db"})
    assert s.database_url == "postgresql+psycopg://u:p@h:5432/db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/crm"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "postgresql+psycopg2://u@h/db"),
        ("DATABASE_URL", "sqlite://relative.db"),
        ("DATABASE_URL", "sqlite:///"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("REDIS_URL", "localhost:6379"),
        ("INGEST_BATCH_SIZE", "abc"),
        ("INGEST_BATCH_SIZE", "1.5"),
        ("INGEST_BATCH_SIZE", "0"),
        ("INGEST_BATCH_SIZE", "-3"),
        ("INGEST_BATCH_SIZE", "1000000"),
        ("LOG_LEVEL", "LOUD"),
        ("LOG_LEVEL", "VERBOSE_EVERYTHING"),
        ("SECRET_KEY", "short"),
        ("SECRET_KEY", "x" * 15),
        ("BASE_URL", "ftp://example.com"),
        ("SMTP_URL", "http://mail.example.com"),
    ],
)
def test_junk_is_rejected_naming_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError) as err:
        Settings.from_env({"DATA_DIR": str(tmp_path), name: value})
    assert name in str(err.value)


def test_secret_key_of_sixteen_characters_is_enough(tmp_path: Path) -> None:
    assert Settings.from_env({"DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 16}).secret_key == "k" * 16


def test_batch_size_bounds_are_inclusive(tmp_path: Path) -> None:
    for value in ("1", "50000"):
        s = Settings.from_env({"DATA_DIR": str(tmp_path), "INGEST_BATCH_SIZE": value})
        assert s.ingest_batch_size == int(value)


def test_generated_secret_key_is_kept_in_the_data_dir(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    key = s.resolved_secret_key()
    assert len(key) >= 32
    assert Settings(data_dir=tmp_path).resolved_secret_key() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_settings_are_frozen(tmp_path: Path) -> None:
    s = Settings.from_env({"DATA_DIR": str(tmp_path)})
    with pytest.raises(AttributeError):
        s.database_url = "sqlite:///elsewhere"  # type: ignore[misc]


def test_connector_settings_come_from_the_environment_by_their_own_names() -> None:
    s = Settings.from_env({"MASTODON_API_BASE_URL": "https://social.example", "X_BEARER_TOKEN": "tok",
                           "BLANK_ONE": "  "})
    assert s.connector_value("MASTODON_API_BASE_URL") == "https://social.example"
    assert s.connector_value("X_BEARER_TOKEN") == "tok"  # a typed field wins, same value
    assert s.connector_value("BLANK_ONE") is None and s.connector_value("NOT_SET") is None
    assert "social.example" not in repr(s)  # the environment copy is not printed


def test_outgoing_allow_is_the_one_setting_and_the_old_flag_still_reads(caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from crm.outgoing import PRIVATE_NETWORKS, check_url

    s = Settings.from_env({"OUTGOING_ALLOW": "hooks.internal, 10.0.0.0/8"})
    assert s.outgoing_allow == ("hooks.internal", "10.0.0.0/8")
    with caplog.at_level(logging.WARNING, logger="crm.settings"):
        old = Settings.from_env({"OUTGOING_ALLOW": "hooks.internal", "WEBHOOKS_ALLOW_PRIVATE": "true"})
    assert old.outgoing_allow == ("hooks.internal", *PRIVATE_NETWORKS)
    assert "WEBHOOKS_ALLOW_PRIVATE is deprecated" in caplog.text
    assert check_url("http://192.168.1.5/x", old.outgoing_allow) == "http://192.168.1.5/x"
    with pytest.raises(InvalidInput, match="link-local"):  # cloud metadata stays out of reach
        check_url("http://169.254.169.254/", old.outgoing_allow)
    assert Settings.from_env({"WEBHOOKS_ALLOW_PRIVATE": "false"}).outgoing_allow == ()
    with pytest.raises(SettingsError):
        Settings.from_env({"WEBHOOKS_ALLOW_PRIVATE": "perhaps"})
