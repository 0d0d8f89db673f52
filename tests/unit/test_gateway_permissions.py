"""The route-to-permission table covers every practice route (S2)."""

from __future__ import annotations

from gateway.permissions import PRACTICE_ROUTES, PUBLIC_PRACTICE_ROUTES
from services.common.settings import Settings
from tests.unit.test_gateway_doubles import gateway_for

SIGN_IN = ("POST", "/v1/practice/sessions")


def _practice_routes() -> set[tuple[str, str]]:
    """Every practice operation the gateway serves, read from its OpenAPI document."""
    with gateway_for(Settings()) as app:  # type: ignore[call-arg]
        paths = app.openapi()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/v1/practice")
        for method in operations
    }


def test_the_practice_routes_are_found():
    assert SIGN_IN in _practice_routes()


# rule S2
def test_every_practice_route_but_the_sign_in_steps_has_a_permission_entry_S2():
    missing = _practice_routes() - PUBLIC_PRACTICE_ROUTES - set(PRACTICE_ROUTES)
    assert not missing, f"add these routes to gateway.permissions.PRACTICE_ROUTES: {missing}"


def test_the_table_names_no_route_that_does_not_exist():
    assert set(PRACTICE_ROUTES) <= _practice_routes() - PUBLIC_PRACTICE_ROUTES


def test_the_public_practice_routes_exist_and_are_only_the_sign_in_steps():
    assert PUBLIC_PRACTICE_ROUTES <= _practice_routes()
    assert all(path.startswith("/v1/practice/sessions") for _, path in PUBLIC_PRACTICE_ROUTES)
