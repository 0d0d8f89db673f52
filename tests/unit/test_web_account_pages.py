"""The account settings pages against a fake API at the HTTP boundary (W1, I1, I4, I5, I10,
X2): what each form sends, where a refusal is shown, recovery codes shown once, and the
activity in words that never show an internal ID."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from tests.unit.test_web_pages import FakeApi, never, problem, run
from web import cookies
from web.devices import device_name

SETTINGS = {
    "account_id": "a1",
    "username": "JaneDoe84",
    "verified_email": "jane.doe@example.com",
    "pending_email": None,
    "notification_email": None,
    "cell_phone_hint": None,
    "security_question_ids": [],
    "required_actions": [],
    "authenticator_app_on": False,
}


def routes(answers: Mapping[tuple[str, str], httpx.Response | Callable[[], httpx.Response]]):
    """A fake API answering by method and path (below /v1); anything else fails the test."""

    def handler(request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.raw_path.decode().removeprefix("/v1"))
        if key not in answers:
            raise AssertionError(f"unexpected API call: {key}")
        answer = answers[key]
        return answer() if callable(answer) else answer

    return FakeApi(handler)


def ok(body: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def signed_in(client: httpx.AsyncClient) -> httpx.AsyncClient:
    client.cookies.set(cookies.SESSION, "session-token")
    return client


async def form_post(client: httpx.AsyncClient, page: str, action: str, **fields: str):
    """Signed in, opens `page` for its form token, then posts `fields` to `action`."""
    shown = await signed_in(client).get(page)
    csrf = shown.text.split('name="csrf_token" value="')[1].split('"')[0]
    return await client.post(action, data={"csrf_token": csrf, **fields})


def sent(api: FakeApi, method: str) -> dict[str, object]:
    """The JSON body of the one request of `method` the pages sent."""
    [request] = [r for r in api.requests if r.method == method]
    return json.loads(request.content)


# rule W1
def test_the_settings_need_a_signed_in_person_W1():
    answer = run(lambda client: client.get("/account"), FakeApi(never))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/account"


# rule I1, W2
def test_a_taken_username_is_shown_beside_the_form_s_own_field_I1_W2():
    api = routes(
        {
            ("GET", "/patient/account/settings"): ok(SETTINGS),
            ("PUT", "/patient/account/username"): problem(
                409,
                "USERNAME_TAKEN",
                "That username is taken.",
                errors=[{"field": "new_username", "detail": "Taken; choose another one."}],
            ),
        }
    )
    answer = run(
        lambda client: form_post(
            client,
            "/account/username",
            "/account/username",
            username="JohnDoe84",
            current_password=" my pass ",
        ),
        api,
    )
    assert answer.status_code == 409
    assert sent(api, "PUT") == {"current_password": " my pass ", "username": "JohnDoe84"}
    assert '<a href="#username">That username is taken.</a>' in answer.text
    assert 'id="username-error"' in answer.text
    assert " my pass " not in answer.text


# rule I5
def test_an_empty_notification_email_clears_it_I5():
    api = routes(
        {
            ("GET", "/patient/account/settings"): ok(SETTINGS),
            ("PUT", "/patient/account/notification-email"): ok(SETTINGS),
        }
    )
    answer = run(
        lambda client: form_post(
            client,
            "/account/notification-email",
            "/account/notification-email",
            notification_email="  ",
        ),
        api,
    )
    assert sent(api, "PUT") == {"notification_email": None}
    assert answer.headers["location"] == "/account?done=notification_email_removed"


# rule I10
def test_a_session_s_id_from_the_form_stays_one_segment_of_the_api_s_path_I10():
    api = routes(
        {
            ("GET", "/patient/sessions"): ok({"sessions": []}),
            ("DELETE", "/patient/sessions/..%2Faccount%2Fpassword"): httpx.Response(204),
        }
    )
    answer = run(
        lambda client: form_post(
            client, "/account/sessions", "/account/sessions/end", session_id="../account/password"
        ),
        api,
    )
    assert answer.headers["location"] == "/account/sessions?done=ended"


# rule I4
def test_recovery_codes_are_shown_once_then_forgotten_I4():
    codes = [f"code{n}-abcde" for n in range(10)]

    async def steps(client: httpx.AsyncClient):
        response = Response()
        cookies.keep_journey(response, {"recovery_codes": " ".join(codes), "codes_after": "new"})
        kept = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        signed_in(client).cookies.set(cookies.JOURNEY, kept)
        first = await client.get("/account/authenticator/recovery-codes")
        client.cookies.delete(cookies.JOURNEY)  # as the browser does, told by `first`
        again = await client.get("/account/authenticator/recovery-codes")
        return first, again

    first, again = run(steps, FakeApi(never))
    assert all(code in first.text for code in codes)
    assert f'{cookies.JOURNEY}=""' in first.headers["set-cookie"]
    assert "Max-Age=0" in first.headers["set-cookie"]
    assert not any(code in again.text for code in codes)
    assert "Your recovery codes were shown once" in again.text


ACTIVITY = [
    {
        "occurred_at": "2026-03-12T15:04:00Z",
        "practice_id": "p-internal-1",
        "practice_name": "Lakeside Family Medicine",
        "actor": "account:a-internal-guardian",
        "actor_kind": "guardian",
        "actor_name": "Sam Lee",
        "on_behalf_of": "patient:pt-internal-1",
        "action": "proxy.access",
        "right": "messages:act",
        "outcome": "success",
    },
    {
        "occurred_at": "2026-03-12T15:03:00Z",
        "practice_id": "p-internal-1",
        "practice_name": "Lakeside Family Medicine",
        "actor": "staff:s-internal-1",
        "actor_kind": "staff",
        "actor_name": None,
        "on_behalf_of": None,
        "action": "some.future.action",
        "right": None,
        "outcome": "denied",
    },
    {
        "occurred_at": "2026-03-12T15:02:00Z",
        "practice_id": "p-internal-1",
        "practice_name": "Lakeside Family Medicine",
        "actor": "system",
        "actor_kind": "system",
        "actor_name": None,
        "on_behalf_of": None,
        "action": "enrollment.auto_invite.sent",
        "right": None,
        "outcome": "success",
    },
    {
        "occurred_at": "2026-03-12T15:01:00Z",
        "practice_id": "p-internal-1",
        "practice_name": "Lakeside Family Medicine",
        "actor": "account:a-internal-other",
        "actor_kind": "other_account",
        "actor_name": None,
        "on_behalf_of": None,
        "action": "patient.view",
        "right": None,
        "outcome": "success",
    },
]


def _activity(entries: list[dict[str, object]], language: str = "en") -> httpx.Response:
    api = routes({("GET", "/patient/activity"): ok({"activity": entries})})
    return run(
        lambda client: signed_in(client).get(
            "/account/activity", headers={"accept-language": language}
        ),
        api,
    )


# rule X2
def test_the_activity_names_each_actor_and_action_in_words_X2():
    shown = _activity(ACTIVITY).text
    for words in (
        "Your guardian Sam Lee",
        "Opened your messages",
        "A staff member at Lakeside Family Medicine",
        "Did something else with your record",
        "Refused",
        "The portal of Lakeside Family Medicine, on its own",
        "Invited you to the patient portal",
        "Another portal account",
        "March 12, 2026, 3:04\u202fPM (UTC)",
    ):
        assert words in shown


# rule X2
def test_the_activity_never_shows_an_internal_id_X2():
    shown = _activity(ACTIVITY).text
    assert "internal" not in shown
    assert not any(word in shown for word in ("account:", "staff:", "patient:", "proxy.access"))


# rule W3, X2
def test_the_activity_in_spanish_X2_W3():
    shown = _activity(ACTIVITY, "es").text
    assert "Su tutor Sam Lee" in shown
    assert "Una persona del personal de Lakeside Family Medicine" in shown
    assert "12 de marzo de 2026, 15:04 (UTC)" in shown


# rule X2
def test_an_account_with_no_activity_is_told_so_X2():
    assert "Nothing has been done with your record yet." in _activity([]).text


def _request(language: str = "en") -> Request:
    return Request(
        {"type": "http", "headers": [(b"accept-language", language.encode())], "query_string": b""}
    )


@pytest.mark.parametrize(
    ("label", "named"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0 Safari/537.36",
            "Chrome on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0 Safari/537.36 Edg/124.0",
            "Edge on Windows",
        ),
        (
            # Cut at 120 characters, as the sessions list keeps it.
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Mobile/15E1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Firefox on Linux",
        ),
        ("vestibule-cli/1.0", "vestibule-cli/1.0"),
    ],
)
# rule I10
def test_a_device_is_named_by_its_browser_and_system_I10(label, named):
    assert device_name(_request(), label) == named
