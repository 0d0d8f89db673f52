"""No route of the API takes a secret in its URL (X1): tokens, codes, tickets, passwords and
answers travel in bodies and headers only, never in a path or a query string, which servers,
proxies, browsers and traces keep."""

from __future__ import annotations

import re

from services.common.settings import Settings
from tests.unit.test_gateway_doubles import gateway_for

SECRET = re.compile(r"token|code|ticket|secret|password|otp|answer|key", re.IGNORECASE)
# Names that look like a secret's but are not one.
NOT_SECRET = {
    # A position in the audit trail, which the answer before gave to the same staff member.
    "page_token",
}


def _url_parameters() -> set[tuple[str, str, str]]:
    """(method and path, where, name) of every path and query parameter of the API."""
    with gateway_for(Settings()) as app:  # type: ignore[call-arg]
        paths = app.openapi()["paths"]
    return {
        (f"{method.upper()} {path}", parameter["in"], parameter["name"])
        for path, operations in paths.items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] in ("path", "query")
    }


def test_the_url_parameters_are_found():
    assert ("GET /v1/practice/audit", "query", "page_size") in _url_parameters()


# rule X1
def test_no_url_carries_a_token_code_ticket_or_password_X1():
    secrets = {
        parameter
        for parameter in _url_parameters()
        if SECRET.search(parameter[2]) and parameter[2] not in NOT_SECRET
    }
    assert not secrets, f"take these in the body or a header instead: {sorted(secrets)}"
