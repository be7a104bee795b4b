"""A database error never carries people's texts into a log: the engine hides bound parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError


def test_a_failing_statement_does_not_print_its_parameters(engine: Engine) -> None:
    assert engine.hide_parameters
    secret = "private message of a member 4711"
    with engine.connect() as conn, pytest.raises(DBAPIError) as caught:
        conn.execute(text("INSERT INTO no_such_table (x) VALUES (:x)"), {"x": secret})
    assert secret not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)
