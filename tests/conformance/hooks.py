"""Schemathesis checks for MVidarr's promises about its OpenAPI document (loaded by the `st` run in
test_openapi_conformance.py through SCHEMATHESIS_HOOKS).

- No answer is a 500, and any other 5xx is one the operation documents (a remote source that fails
  is a documented 502, not a crash).
- A request the schema allows is not refused for a constraint the schema could have stated. A 422
  for such a request must consist only of errors of the rule types the document names in every 422
  description (`reference`, `conflict`, `content`): rules JSON Schema cannot express, such as a row
  that must exist or two fields that exclude each other.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

RULE_TYPES = frozenset({"reference", "conflict", "content"})
# What a well-formed request may still meet: missing or insufficient credentials, a row that does not
# exist, a conflict with the current state, throttling, a body over the size limit.
STATE_STATUSES = frozenset({401, 403, 404, 409, 413, 429})


def _body(response: Response) -> Any:
    try:
        return response.json()
    except Exception:
        return None


@schemathesis.check
def no_undocumented_server_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    status = response.status_code
    if status < 500:
        return None
    documented = {str(code) for code in case.operation.definition.raw.get("responses", {})}
    if status == 500 or str(status) not in documented:
        raise AssertionError(f"{status}: a 500, or a 5xx this operation does not document\n{response.text[:600]}")
    return None


@schemathesis.check
def schema_valid_input_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status >= 500 or status in STATE_STATUSES:
        return None
    body = _body(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    if status == 422 and errors and all(isinstance(e, dict) and e.get("type") in RULE_TYPES for e in errors):
        return None
    raise AssertionError(
        f"{status} for a request the schema allows, for a reason the schema could state (only errors of "
        f"type {', '.join(sorted(RULE_TYPES))} may refuse such a request)\n{response.text[:600]}"
    )
