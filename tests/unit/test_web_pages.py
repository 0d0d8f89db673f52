"""The pages against a fake API at the HTTP boundary (W1, W2, X1): security headers on every
answer, no form taken without its CSRF token, a problem shown beside the field it names, no
way to be sent to another site after signing in, and the language chosen."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from web import cookies
from web.app import create_app

Handler = Callable[[httpx.Request], httpx.Response]


class FakeApi:
    """Answers every API call with `handler`, and keeps the requests."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)


def browser(api: FakeApi) -> httpx.AsyncClient:
    app = create_app(lambda request: httpx.MockTransport(api))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://portal")


def run(steps: Callable[[httpx.AsyncClient], object], api: FakeApi) -> object:
    """Runs `steps` on an event loop of its own thread: a browser test earlier in the same
    process leaves Playwright's loop running in this one, where asyncio.run() refuses."""

    async def go() -> object:
        async with browser(api) as client:
            return await steps(client)

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, go()).result()


def problem(status: int, code: str, detail: str, **extra: object) -> httpx.Response:
    return httpx.Response(
        status,
        json={"status": status, "code": code, "detail": detail, **extra},
        headers={"content-type": "application/problem+json"},
    )


async def signed_in_form(client: httpx.AsyncClient, *, token: str = "", **fields: str):
    page = await client.get("/sign-in")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    data = {"csrf_token": token or csrf, **fields}
    return await client.post("/sign-in", data=data)


def never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the API was called: {request.url}")


# rule X1
def test_every_page_has_a_strict_policy_and_no_referrer_X1():
    answer = run(lambda client: client.get("/sign-in"), FakeApi(never))
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["strict-transport-security"].startswith("max-age=")


# rule W1
def test_a_form_without_its_token_is_refused_and_nothing_is_sent_W1():
    api = FakeApi(never)
    answer = run(
        lambda client: signed_in_form(client, token="forged", username="j", password="p"), api
    )
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    assert api.requests == []


# rule W1
def test_a_form_sent_by_another_site_is_refused_W1():
    async def steps(client):
        page = await client.get("/sign-in")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        return await client.post(
            "/sign-in",
            data={"csrf_token": csrf, "username": "j", "password": "p"},
            headers={"sec-fetch-site": "cross-site"},
        )

    assert run(steps, FakeApi(never)).status_code == 403


# rule W2
def test_a_problem_naming_a_field_is_shown_beside_it_W2():
    api = FakeApi(
        lambda request: problem(
            422,
            "INVALID_ARGUMENT",
            "Some fields are missing or not valid.",
            errors=[{"field": "username", "detail": "Field required"}],
        )
    )
    answer = run(lambda client: signed_in_form(client, username="", password="p"), api)
    assert answer.status_code == 422
    assert 'id="username-error"' in answer.text
    assert 'aria-describedby="username-hint username-error" aria-invalid="true"' in answer.text
    assert '<a href="#username">Field required</a>' in answer.text


# rule W3
def test_a_problem_is_told_in_spanish_from_its_code_W3():
    api = FakeApi(lambda request: problem(401, "BAD_CREDENTIALS", "The username..."))

    async def steps(client):
        client.headers["accept-language"] = "es-MX,es;q=0.9,en;q=0.5"
        return await signed_in_form(client, username="jane", password="wrong")

    answer = run(steps, api)
    assert "El nombre de usuario o la contraseña no son correctos." in answer.text


# rule W1
def test_the_password_goes_to_the_api_as_typed_and_never_back_to_the_page_W1():
    api = FakeApi(lambda request: problem(401, "BAD_CREDENTIALS", "Wrong."))
    answer = run(
        lambda client: signed_in_form(client, username=" jane ", password=" pass word "), api
    )
    assert json.loads(api.requests[0].content) == {
        "username": "jane",
        "password": " pass word ",
        "remember_device": False,
    }
    assert "pass word" not in answer.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
# rule W1
def test_signing_in_never_sends_the_person_to_another_site_W1(target):
    api = FakeApi(
        lambda request: httpx.Response(201, json={"session_token": "t", "required_actions": []})
    )

    async def steps(client):
        page = await client.get("/sign-in")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        return await client.post(
            "/sign-in",
            params={"next": target},
            data={"csrf_token": csrf, "username": "j", "password": "p"},
        )

    answer = run(steps, api)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/home"


# rule W1, I3
def test_a_session_with_questions_to_answer_goes_to_them_first_W1_I3():
    api = FakeApi(
        lambda request: httpx.Response(
            201, json={"session_token": "t", "required_actions": ["set_security_questions"]}
        )
    )
    answer = run(lambda client: signed_in_form(client, username="j", password="p"), api)
    assert answer.headers["location"] == "/account/security-questions/first"
    assert f"{cookies.SESSION}=t" in answer.headers["set-cookie"]
    assert "HttpOnly" in answer.headers["set-cookie"] and "Secure" in answer.headers["set-cookie"]


# rule W3
def test_the_language_switch_remembers_the_choice_W3():
    async def steps(client):
        switched = await client.get("/sign-in", params={"lang": "es"})
        again = await client.get("/sign-in")
        return switched, again

    switched, again = run(steps, FakeApi(never))
    assert (switched.status_code, switched.headers["location"]) == (303, "/sign-in")
    assert '<html lang="es">' in again.text
