"""The forgot-username, forgot-password and first-email pages, and the sign-in's waits, against
a fake API at the HTTP boundary (I2, I4, I7, I8, I11, W2, W3, X1): what each page sends, where
secrets travel, and how each answer is shown."""

from __future__ import annotations

import base64
import json

import httpx

from tests.unit.test_web_pages import FakeApi, problem, run
from web import cookies

CHECKLIST = {
    "requirements": [{"name": "min_length", "description": "x", "met": False, "limit": 12}],
    "acceptable": False,
}
TOKEN = "AbC_123-xyz"


def routes(answers: dict[str, httpx.Response]):
    """A fake API answering by path below /v1 (the checklist always); any other is an error."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1")
        if path == "/patient/password-check":
            return httpx.Response(200, json=CHECKLIST)
        if path in answers:
            return answers[path]
        raise AssertionError(f"unexpected call: {path}")

    return handler


def csrf_of(page: httpx.Response) -> str:
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


async def submit(client: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    """Opens `path` and posts its form with `fields`, as a browser would."""
    page = await client.get(path)
    return await client.post(path, data={"csrf_token": csrf_of(page), **fields})


def journey_in(answer: httpx.Response) -> dict[str, str]:
    value = answer.cookies.get(cookies.JOURNEY) or ""
    return json.loads(base64.urlsafe_b64decode(value)) if value else {}


def bodies(api: FakeApi, path: str) -> list[dict]:
    return [json.loads(r.content) for r in api.requests if r.url.path == f"/v1{path}"]


CHECK = "/patient/recovery/password/reset/check"
CHECKED = httpx.Response(
    200, json={"second_factor_required": False, "username": "JaneDoe84", "practice_id": "p-9"}
)


# rule X1, I8
def test_the_link_token_goes_in_a_body_and_the_journey_cookie_never_a_url_X1_I8():
    api = FakeApi(routes({CHECK: CHECKED}))
    answer = run(lambda client: submit(client, "/reset-password", link=TOKEN), api)
    assert (answer.status_code, answer.headers["location"]) == (303, "/reset-password/new-password")
    assert bodies(api, CHECK) == [{"token": TOKEN}]
    assert all(TOKEN not in str(r.url) for r in api.requests)
    assert journey_in(answer)["token"] == TOKEN


# rule W4, I8
def test_a_pasted_link_gives_its_token_W4_I8():
    api = FakeApi(routes({CHECK: CHECKED}))
    link = f"https://portal.example/reset-password#token={TOKEN}"
    run(lambda client: submit(client, "/reset-password", link=f"  {link} "), api)
    assert bodies(api, CHECK) == [{"token": TOKEN}]


# rule I2, I8
def test_the_new_password_is_checked_by_the_practice_and_username_of_the_link_I2_I8():
    api = FakeApi(routes({CHECK: CHECKED}))

    async def steps(client):
        await submit(client, "/reset-password", link=TOKEN)
        return await client.get("/reset-password/new-password")

    page = run(steps, api)
    assert bodies(api, "/patient/password-check")[-1] == {
        "password": " ",
        "username": "JaneDoe84",
        "practice_id": "p-9",
    }
    assert 'data-practice-id="p-9"' in page.text and 'data-username="reset-username"' in page.text


QUESTIONS = "/patient/recovery/password/questions"
ANSWERS = "/patient/recovery/password/questions/answers"
ASKED = httpx.Response(
    200,
    json={
        "token": "q-token",
        "questions": [
            {"question_id": "first_pet", "text": "What was the name of your first pet?"},
            {"question_id": "first_job", "text": "What was your first job?"},
        ],
    },
)


def questions_api(completion: list[httpx.Response]) -> FakeApi:
    """Starts a question reset; each completion answers the next of `completion`."""
    answers = iter(completion)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/v1{ANSWERS}":
            return next(answers)
        return routes({QUESTIONS: ASKED})(request)

    return FakeApi(handler)


async def answer_questions(client, *, start: bool = True, **extra: str) -> httpx.Response:
    if start:
        await submit(client, "/forgot-password/questions", username="jane")
    fields = {"answer-1": "Rex", "answer-2": "Baker", "new_password": "a new password", **extra}
    return await submit(client, "/forgot-password/questions/answers", **fields)


# rule I8, I4
def test_the_code_is_asked_once_the_api_says_the_account_needs_one_I8_I4():
    needed = problem(
        422,
        "WRONG_SECOND_FACTOR_CODE",
        "That code is not right.",
        errors=[{"field": "totp_code", "detail": "Wrong or already used."}],
    )
    api = questions_api([needed, httpx.Response(204)])

    async def steps(client):
        first = await answer_questions(client)
        done = await answer_questions(
            client, start=False, code_kind="recovery_code", code="abcd-efgh"
        )
        return first, done

    first, done = run(steps, api)
    assert 'id="code"' in first.text and "Your account uses an authenticator app." in first.text
    assert "totp_code" not in bodies(api, ANSWERS)[0]  # nothing was asked for yet
    assert bodies(api, ANSWERS)[1]["recovery_code"] == "abcd-efgh"
    assert (done.status_code, done.headers["location"]) == (303, "/forgot-password/done")


# rule I8, W2
def test_a_wrong_answer_is_shown_beside_its_question_I8_W2():
    wrong = problem(
        422,
        "WRONG_SECURITY_ANSWERS",
        "An answer does not match.",
        errors=[{"field": "answers.first_job", "detail": "Does not match."}],
    )
    page = run(answer_questions, questions_api([wrong]))
    assert 'id="answer-2-error"' in page.text and 'id="answer-1-error"' not in page.text
    assert '<a href="#answer-2">This answer does not match.' in page.text
    assert bodies_of_answers(page) == ["Rex", "Baker"]
    assert "a new password" not in page.text


def bodies_of_answers(page: httpx.Response) -> list[str]:
    """The answers shown again in the form, in order."""
    return [
        page.text.split(f'id="answer-{n}"')[1].split('value="')[1].split('"')[0] for n in (1, 2)
    ]


# rule I2, W2
def test_a_refused_password_is_named_beside_the_new_password_I2_W2():
    weak = problem(
        422,
        "PASSWORD_POLICY",
        "Choose another password that meets every requirement.",
        errors=[{"field": "password", "detail": "Not a commonly used password"}],
    )
    page = run(answer_questions, questions_api([weak]))
    assert 'id="new_password-error"' in page.text
    assert '<a href="#new_password">Choose a password that meets every requirement' in page.text


# rule W3, I3
def test_the_questions_are_asked_in_spanish_W3_I3():
    async def steps(client):
        client.headers["accept-language"] = "es"
        await submit(client, "/forgot-password/questions", username="jane")
        return await client.get("/forgot-password/questions/answers")

    page = run(steps, questions_api([]))
    assert "¿Cuál fue el nombre de su primera mascota?" in page.text


# rule I11, W3
def test_a_paused_sign_in_says_the_minutes_to_wait_in_spanish_I11_W3():
    paused = problem(429, "SIGN_IN_PAUSED", "Too many wrong passwords.")
    paused.headers["retry-after"] = "840"
    api = FakeApi(routes({"/patient/sessions": paused}))

    async def steps(client):
        client.headers["accept-language"] = "es"
        return await submit(client, "/sign-in", username="jane", password="x")

    page = run(steps, api)
    assert page.status_code == 429
    assert "Espere 14 minuto(s) y vuelva a intentarlo." in page.text


# rule I11
def test_a_rate_limited_sign_in_says_the_minutes_to_wait_I11():
    limited = problem(429, "RATE_LIMITED", "Too many attempts from your network.")
    limited.headers["retry-after"] = "75"
    page = run(
        lambda client: submit(client, "/sign-in", username="jane", password="x"),
        FakeApi(routes({"/patient/sessions": limited})),
    )
    assert "Too many attempts from your network. Wait 2 minute(s), then try again." in page.text


USERNAME_REMINDER = "/patient/recovery/username"
SENT = httpx.Response(202, json={"detail": "If that email address..."})


# rule I7, X3
def test_the_account_email_way_sends_the_email_alone_I7_X3():
    api = FakeApi(routes({USERNAME_REMINDER: SENT}))
    answer = run(
        lambda client: submit(client, "/forgot-username/account-email", email="j@example.com"),
        api,
    )
    assert bodies(api, USERNAME_REMINDER) == [{"email": "j@example.com"}]
    assert answer.headers["location"] == "/forgot-username/sent"


# rule I7
def test_the_notification_email_way_sends_the_last_name_and_date_of_birth_I7():
    api = FakeApi(routes({USERNAME_REMINDER: SENT}))
    fields = {
        "email": "family@example.org",
        "last_name": " Doe ",
        "date_of_birth-month": "3",
        "date_of_birth-day": "7",
        "date_of_birth-year": "1984",
    }
    run(lambda client: submit(client, "/forgot-username/notification-email", **fields), api)
    assert bodies(api, USERNAME_REMINDER) == [
        {"email": "family@example.org", "last_name": "Doe", "date_of_birth": "1984-03-07"}
    ]


# rule W2
def test_no_way_chosen_is_named_beside_the_choices_W2():
    page = run(lambda client: submit(client, "/forgot-password"), FakeApi(routes({})))
    assert page.status_code == 422
    assert '<a href="#way">Choose how you want to reset your password.</a>' in page.text
    assert 'aria-describedby="way-error"' in page.text


CONFIRM = "/patient/account/email-change/confirm"


# rule I5, I3
def test_a_confirmed_email_goes_on_to_what_the_account_must_do_next_I5_I3():
    confirmed = httpx.Response(200, json={"required_actions": ["set_security_questions"]})
    api = FakeApi(routes({CONFIRM: confirmed}))

    async def steps(client):
        client.cookies.set(cookies.SESSION, "session-token")
        sent_to = base64.urlsafe_b64encode(b'{"email_sent_to": "j***@example.com"}').decode()
        client.cookies.set(cookies.JOURNEY, sent_to)
        return await submit(client, "/account/email/first/code", code="123456")

    answer = run(steps, api)
    assert answer.headers["location"] == "/account/security-questions/first"
    assert api.requests[-1].headers["authorization"] == "Bearer session-token"


# rule W1
def test_the_first_email_page_needs_a_session_W1():
    answer = run(lambda client: client.get("/account/email/first"), FakeApi(routes({})))
    assert answer.headers["location"] == "/sign-in?next=/account/email/first"
