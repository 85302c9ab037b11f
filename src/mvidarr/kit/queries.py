"""Typing helpers for SQLAlchemy statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

AnySelect = Select[*tuple[Any, ...]]
"""A SELECT of any number of columns."""
