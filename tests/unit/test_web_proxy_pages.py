"""Inviting, and accepting an invitation, against a fake API (P1, P3, P4, W4, X1): the rights
as the API takes them, an invitation sent once however often the form is sent, the link
pasted when no script reads it, a second factor on the way to accepting, and landing signed
in and acting for the patient."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
from starlette.requests import Request
from starlette.responses import Response

from tests.unit.test_web_pages import FakeApi, problem, run
from web import acting, cookies

TOKEN = "t" * 43
TICKET = {
    "ticket": "ticket-1",
    "kind": "guardian",
    "first_name": "Maria",
    "last_name": "Lopez",
    "email": "maria@example.com",
    "relationship_label": "mother",
    "practice_id": "p1",
    "patient_first_name": "Sam",
}
RELATIONSHIP = {"patient_id": "sam", "kind": "guardian", "relationship_id": "r1"}
OWN = {"patient_id": "jane", "practice_id": "p1", "first_name": "Jane", "acting_as": "self"}


def routes(answers: dict[str, Callable[[httpx.Request], httpx.Response]]) -> FakeApi:
    """Answers each `METHOD /path` (below /v1) with its function."""

    def answer(request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url.path.removeprefix('/v1')}"
        if key not in answers:
            raise AssertionError(f"unexpected {key}")
        return answers[key](request)

    return FakeApi(answer)


def ok(body: object, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=body)


def body_of(api: FakeApi, key: str) -> dict:
    method, path = key.split(" ")
    sent = [r for r in api.requests if r.method == method and r.url.path == f"/v1{path}"]
    return json.loads(sent[-1].content)


async def form(client: httpx.AsyncClient, page: str, action: str, **fields: object):
    shown = await client.get(page)
    csrf = shown.text.split('name="csrf_token" value="')[1].split('"')[0]
    return await client.post(action, data={"csrf_token": csrf, **fields})


INVITING = {
    "GET /patient/records/jane": ok({**OWN, "rights": None, "hidden_categories": []}),
    "POST /patient/representatives": ok({"relationship_id": "r1"}, 201),
}
NAMES = {"first_name": "Maria", "last_name": "Lopez", "email": "maria@example.com"}


def invite(api: FakeApi, **fields: object) -> httpx.Response:
    async def steps(client):
        client.cookies.set(cookies.SESSION, "s")
        page = "/records/jane/proxies/invite"
        return await form(client, page, page, **NAMES, **fields)

    return run(steps, api)  # type: ignore[return-value]


# rule P4
def test_a_preset_goes_to_the_api_as_a_preset_P4():
    api = routes(INVITING)
    answer = invite(api, access="view_only", rights="forms:act")
    assert answer.headers["location"] == "/records/jane/proxies?done=invited"
    sent = body_of(api, "POST /patient/representatives")
    assert (sent["preset"], sent["practice_id"]) == ("view_only", "p1")
    assert "rights" not in sent


# rule P4
def test_rights_chosen_one_by_one_go_as_a_list_once_however_often_sent_P4():
    api = routes(INVITING)
    invite(api, access="choose", rights=["health_records:view", "messages:act"])
    sent = body_of(api, "POST /patient/representatives")
    assert sent["rights"] == ["health_records:view", "messages:act"]
    posted = [r for r in api.requests if r.method == "POST"]
    assert posted[-1].headers["idempotency-key"].startswith("invite:")


# rule P4
def test_choosing_one_by_one_and_choosing_none_is_named_and_nothing_is_sent_P4():
    api = routes(INVITING)
    answer = invite(api, access="choose")
    assert answer.status_code == 422
    assert '<a href="#rights">Choose at least one thing they may do.</a>' in answer.text
    assert not [r for r in api.requests if r.method == "POST"]


# rule P3
def test_inviting_yourself_is_named_beside_the_email_P3():
    refusal = problem(
        422,
        "PROXY_INVITATION_INVALID",
        "This is the patient's own email address: invite someone else.",
        errors=[{"field": "email", "detail": "The patient's own email."}],
    )
    api = routes({**INVITING, "POST /patient/representatives": lambda r: refusal})
    answer = invite(api, access="full")
    assert 'id="email-error"' in answer.text
    assert "This is your own email address. Invite the other person with theirs." in answer.text


def identify(api: FakeApi, **fields: str) -> httpx.Response:
    async def steps(client):
        fields.setdefault("zip_code", "60614")
        dates = {
            "date_of_birth-month": "5",
            "date_of_birth-day": "20",
            "date_of_birth-year": "2019",
        }
        return await form(client, "/proxy-invitation", "/proxy-invitation", **dates, **fields)

    return run(steps, api)  # type: ignore[return-value]


# rule W4, X1
def test_without_a_script_the_pasted_link_gives_the_token_P1_W4_X1():
    api = routes({"POST /patient/proxy-invitations/verify": ok(TICKET)})
    answer = identify(api, link=f"https://portal.example/proxy-invitation#token={TOKEN}")
    assert answer.headers["location"] == "/proxy-invitation/next"
    assert body_of(api, "POST /patient/proxy-invitations/verify") == {
        "invitation_token": TOKEN,
        "zip_code": "60614",
        "date_of_birth": "2019-05-20",
    }
    assert TOKEN not in answer.headers["location"]


# rule W4
def test_no_link_at_all_asks_for_it_and_sends_nothing_W4():
    api = routes({})
    answer = identify(api, link="")
    assert answer.status_code == 422
    assert "Paste the whole link from your invitation email." in answer.text
    assert api.requests == []


def _keep(client: httpx.AsyncClient, kept: dict[str, str]) -> None:
    """Puts the journey cookie in the browser, as `cookies.keep_journey` writes it."""
    response = Response()
    cookies.keep_journey(response, kept)
    client.cookies.set(
        cookies.JOURNEY, response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    )


def _after_identifying(client: httpx.AsyncClient) -> None:
    """The journey as the first step leaves it."""
    kept = {"ticket": "ticket-1", "kind": "guardian", "patient": "Sam", "practice_id": "p1"}
    _keep(client, kept)


def _acting_in(answer: httpx.Response, session: str) -> acting.Acting | None:
    """The acting cookie the answer set, read as the next page would with `session`."""
    jar = httpx.Cookies()
    jar.extract_cookies(answer)
    cookie = f"{cookies.SESSION}={session}; {cookies.ACTING}={jar[cookies.ACTING]}"
    return acting.shown(Request({"type": "http", "headers": [(b"cookie", cookie.encode())]}))


# rule P1, I4
def test_signing_in_with_a_second_factor_then_accepts_and_lands_acting_P1_I4():
    api = routes(
        {
            "POST /patient/sessions": ok({"challenge_token": "c1"}, 202),
            "POST /patient/sessions/continue": ok(
                {"session_token": "new", "required_actions": [], "account": {"username": "m"}},
                201,
            ),
            "POST /patient/proxy-invitations/accept": ok(RELATIONSHIP),
        }
    )

    async def steps(client):
        _after_identifying(client)
        page = "/proxy-invitation/sign-in"
        first = await form(client, page, page, username="m", password="p", relationship_label="mom")
        code = "/proxy-invitation/sign-in/code"
        return first, await form(client, code, code, kind="totp_code", code="123456")

    first, done = run(steps, api)
    assert first.headers["location"] == "/proxy-invitation/sign-in/code"
    assert (done.status_code, done.headers["location"]) == (303, "/records/sam")
    accepted = next(r for r in api.requests if r.url.path.endswith("/accept"))
    assert accepted.headers["authorization"] == "Bearer new"
    assert json.loads(accepted.content)["relationship_label"] == "mom"
    assert _acting_in(done, "new") == acting.Acting("sam", "Sam", "guardian")


# rule P1
def test_accepting_while_signed_in_uses_that_session_P1():
    api = routes(
        {
            "GET /patient/me": ok({"account": {"username": "JaneDoe84"}, "enrollments": []}),
            "POST /patient/proxy-invitations/accept": ok(RELATIONSHIP),
        }
    )

    async def steps(client):
        _after_identifying(client)
        client.cookies.set(cookies.SESSION, "already")
        return await form(
            client, "/proxy-invitation/next", "/proxy-invitation/accept", relationship_label=""
        )

    done = run(steps, api)
    assert done.headers["location"] == "/records/sam"
    assert api.requests[-1].headers["authorization"] == "Bearer already"
    assert _acting_in(done, "already") == acting.Acting("sam", "Sam", "guardian")


def _confirming(session: object) -> FakeApi:
    return routes(
        {
            "POST /patient/proxy-invitations/complete": ok(
                {"account_id": "a2", "relationship": RELATIONSHIP, "session": session}
            ),
        }
    )


async def _confirm(client: httpx.AsyncClient) -> httpx.Response:
    _after_identifying(client)
    _keep(client, {**_journey_of(client), "hint": "m***@example.com"})
    code = "/proxy-invitation/account/code"
    return await form(client, code, code, code="123456")


def _journey_of(client: httpx.AsyncClient) -> dict[str, str]:
    return json.loads(base64.urlsafe_b64decode(client.cookies[cookies.JOURNEY]))


# rule P1, P3, I3
def test_the_code_of_a_new_account_signs_it_in_acting_for_the_patient_P1_P3_I3():
    session = {"session_token": "first", "required_actions": ["set_security_questions"]}
    done = run(_confirm, _confirming(session))
    assert done.headers["location"] == "/account/security-questions/first"
    assert f"{cookies.SESSION}=first" in done.headers["set-cookie"]
    assert _acting_in(done, "first") == acting.Acting("sam", "Sam", "guardian")


# rule P1
def test_a_confirmed_account_without_a_session_signs_in_and_comes_back_P1():
    done = run(_confirm, _confirming(None))
    assert done.headers["location"] == "/sign-in?next=/records/sam"
