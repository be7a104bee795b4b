"""Every column has a type of its own, whichever area's models a process happens to import.

A foreign-key column without an explicit type borrows it from the referenced table, which
exists only if that area's module was imported: ``crm import`` on PostgreSQL once failed with
"Can't generate DDL for NullType()" because the CLI never imported ``crm.sources.models``.
These checks run in fresh interpreters, since this test process has imported everything.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import crm

ROOT = Path(__file__).resolve().parents[2]
MODEL_MODULES = sorted(
    f"crm.{m.name}.models" for m in pkgutil.iter_modules(crm.__path__) if (ROOT / "crm" / m.name / "models.py").exists()
)

CHECK = """
import importlib, sys
from sqlalchemy.types import NullType
from crm.db import Base
importlib.import_module(sys.argv[1])
bad = [f"{t.name}.{c.name}" for t in Base.metadata.tables.values() for c in t.columns
       if isinstance(c.type, NullType)]
print(",".join(bad))
"""


def test_there_are_model_modules() -> None:
    assert "crm.interactions.models" in MODEL_MODULES and len(MODEL_MODULES) >= 8


@pytest.mark.parametrize("module", MODEL_MODULES)
def test_columns_are_typed_when_one_area_is_imported_alone(module: str) -> None:
    out = subprocess.run([sys.executable, "-c", CHECK, module], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"untyped columns after importing {module} alone: {out.stdout.strip()}"


def test_an_engine_registers_every_model() -> None:
    from crm.models import Base

    code = "from crm.db import Base\nfrom crm.engine import make_engine\nmake_engine('sqlite:///:memory:')\nprint(' '.join(sorted(Base.metadata.tables)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == sorted(Base.metadata.tables)
