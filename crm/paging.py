"""A page of results with the total count, for lists small enough to count (members, reviews)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class CountedPage(Generic[T]):
    """``items`` of page ``page`` (1-based), ``per_page`` a page, ``total`` in all."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
