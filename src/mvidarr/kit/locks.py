"""Locked fields: metadata a user edited, which enrichment must never overwrite."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from mvidarr.errors import InvalidInput


def locked_after_edit(
    current: Iterable[str], edited: Iterable[str], explicit: Collection[str] | None, lockable: frozenset[str]
) -> list[str]:
    """The locks after an update: the edited lockable fields are added to the explicit list sent by
    the user, or to the current locks when none was sent. Unknown names in the explicit list are a 422."""
    if explicit is not None:
        unknown = set(explicit) - lockable
        if unknown:
            raise InvalidInput(
                f"cannot lock {sorted(unknown)}; lockable fields: {sorted(lockable)}", loc=("body", "locked_fields")
            )
    base = set(explicit) if explicit is not None else set(current)
    return sorted(base | (set(edited) & lockable))
