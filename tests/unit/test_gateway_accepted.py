"""Every "a message is on its way" answer of the API (202 Accepted, but the sign-in
challenges) has one shape: `detail`, the plain words that say what happens next, as a
problem document's `detail` says what went wrong (X3: the same answer whatever matched)."""

from __future__ import annotations

from services.common.settings import Settings
from tests.unit.test_gateway_doubles import gateway_for

CHALLENGES = {"SignInChallenge", "StaffSignInChallenge"}


def _accepted() -> tuple[dict[str, str], dict]:
    """The schema name of each route's 202 answer, and the API's schemas."""
    with gateway_for(Settings()) as app:  # type: ignore[call-arg]
        document = app.openapi()
    answers = {
        f"{method.upper()} {path}": operation["responses"]["202"]["content"]["application/json"][
            "schema"
        ]["$ref"].rsplit("/", 1)[1]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "202" in operation.get("responses", {})
    }
    return answers, document["components"]["schemas"]


# rule X3
def test_every_message_on_its_way_answer_has_one_shape_X3():
    answers, schemas = _accepted()
    messages = {route: name for route, name in answers.items() if name not in CHALLENGES}
    assert {"POST /v1/patient/recovery/password", "POST /v1/patient/recovery/username"} <= set(
        messages
    )
    assert set(messages.values()) == {"RecoveryAccepted"}, messages
    assert schemas["RecoveryAccepted"]["required"] == ["detail"]
    assert set(schemas["RecoveryAccepted"]["properties"]) == {"detail"}
