"""`crm users create`: a prompt on a terminal, --password-stdin for scripts, never a silent default."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import cli
from crm.engine import make_engine, make_session_factory
from crm.migrate import upgrade
from crm.users.models import User
from crm.users.services import check_password
from listeners import runtime


@pytest.fixture()
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    before = runtime._runtime
    yield make_session_factory(engine)
    runtime._runtime = before
    engine.dispose()


def test_password_from_stdin(scratch) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["users", "create", "ops@example.com", "--role", "manager", "--password-stdin"],
                                input="s3cret-enough\n")
    assert result.exit_code == 0, result.output
    assert "s3cret-enough" not in result.output
    with scratch() as s:
        user = s.scalar(select(User).where(User.email == "ops@example.com"))
        assert user is not None and user.role == "manager" and check_password(user.password_hash, "s3cret-enough")


def test_no_terminal_and_no_password_is_a_clear_error(scratch) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["users", "create", "ops@example.com"], input="")
    assert result.exit_code != 0
    assert "--password-stdin" in result.output
    with scratch() as s:
        assert s.scalar(select(User).where(User.email == "ops@example.com")) is None


def test_a_short_password_from_stdin_is_refused(scratch) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["users", "create", "ops@example.com", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "at least 8 characters" in result.output


def test_generated_password_is_printed_once(scratch) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["users", "create", "gen@example.com", "--generate-password"])
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1].split(": ", 1)[1]
    with scratch() as s:
        user = s.scalar(select(User).where(User.email == "gen@example.com"))
        assert user is not None and check_password(user.password_hash, password)
