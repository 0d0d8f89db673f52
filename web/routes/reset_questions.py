"""Reset with security questions (I8 b, X3): the username, then two of the account's five
questions answered with the new password, which the API takes together (the answers are
lasting secrets, so they are never kept between pages). A name that is no account gets
questions too, and answers that never match, so the pages read alike for both."""

from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies, resets
from web.api import Api, ApiProblem
from web.forms import Posted, posted
from web.i18n import N_
from web.pages import FormErrors
from web.problems import explain
from web.questions import question_text

router = APIRouter()

WAY = "questions"
START = "/forgot-password/questions"
ANSWERS = "/forgot-password/questions/answers"
USERNAME = N_("Enter your username.")
STARTED_AGAIN = {
    "QUESTION_RESET_NOT_VALID": N_(
        "You took too long to answer. Enter your username to start again."
    ),
}
CLOSED = {
    "QUESTION_RESET_CLOSED": N_(
        "Resetting with security questions is closed for this account after too many wrong "
        "answers. Get a reset link by email, or call your practice for a reset token."
    ),
}
MESSAGES = {
    "WRONG_SECURITY_ANSWERS": N_(
        "An answer does not match. Check it and try again: each question allows only a few "
        "tries. After that, get a reset link by email, or call your practice for a reset token."
    ),
}
WRONG_ANSWER = N_("This answer does not match. Check it and try again.")
ANSWER = N_("Enter your answer.")


def _asked(journey: dict[str, str]) -> list[tuple[str, str]]:
    """The two questions asked (ID, the API's wording)."""
    return [(str(q), str(t)) for q, t in json.loads(journey.get("questions") or "[]")]


def _start_page(
    request: Request, *, problem: ApiProblem | None = None, username: str = ""
) -> Response:
    errors = explain(request, problem, STARTED_AGAIN, {"username": USERNAME}) if problem else None
    return resets.pages(request).render(
        request,
        "reset_questions.html",
        status=problem.status if problem else 200,
        errors=errors,
        username=username,
    )


@router.get(START)
async def start_page(request: Request) -> Response:
    return _start_page(request)


@router.post(START)
async def start(request: Request) -> Response:
    form = await posted(request)
    username = form.text("username")
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request, "POST", "/patient/recovery/password/questions", json={"username": username}
        )
    except ApiProblem as problem:
        if problem.code in CLOSED:
            return resets.closed(request, problem, CLOSED)
        return _start_page(request, problem=problem, username=username)
    asked = [[q["question_id"], q["text"]] for q in answer.body["questions"]]
    response = RedirectResponse(ANSWERS, status_code=303)
    cookies.keep_journey(
        response,
        {
            resets.WAY: WAY,
            "token": answer.body["token"],
            "username": username,
            "questions": json.dumps(asked),
        },
    )
    return response


async def _answers_page(
    request: Request,
    journey: dict[str, str],
    *,
    form: Posted | None = None,
    status: int = 200,
    errors: FormErrors | None = None,
    code_needed: bool = False,
) -> Response:
    questions = [
        {
            "field": f"answer-{number}",
            "text": question_text(request, question_id, wording),
            "value": form.text(f"answer-{number}") if form else "",
        }
        for number, (question_id, wording) in enumerate(_asked(journey), start=1)
    ]
    return await resets.last_step(
        request,
        "reset_questions_answers.html",
        journey,
        status=status,
        errors=errors,
        code_needed=code_needed,
        form=form,
        action=ANSWERS,
        questions=questions,
    )


@router.get(ANSWERS)
async def answers_page(request: Request) -> Response:
    journey = resets.journey_of(request, WAY)
    if not journey:
        return RedirectResponse(START, status_code=303)
    return await _answers_page(request, journey)


@router.post(ANSWERS)
async def change_password(request: Request) -> Response:
    form = await posted(request)
    journey = resets.journey_of(request, WAY)
    if not journey:
        return RedirectResponse(START, status_code=303)
    asked = _asked(journey)
    api: Api = request.app.state.api
    try:
        await api.call(
            request,
            "POST",
            "/patient/recovery/password/questions/answers",
            json={
                "token": journey["token"],
                "answers": [
                    {"question_id": question_id, "answer": form.text(f"answer-{number}")}
                    for number, (question_id, _) in enumerate(asked, start=1)
                ],
                "new_password": form.secret("new_password"),
                **resets.second_factor(form, journey),
            },
        )
    except ApiProblem as problem:
        if problem.code in CLOSED:
            return resets.closed(request, problem, CLOSED)
        if problem.code in STARTED_AGAIN:
            return _start_page(request, problem=problem, username=journey.get("username", ""))
        errors, code_needed = resets.explain_last_step(
            request, problem, journey, MESSAGES, _answer_fields(asked)
        )
        errors = FormErrors(errors.message, _by_answer_field(errors.fields, asked))
        return await _answers_page(
            request,
            journey,
            form=form,
            status=problem.status,
            errors=errors,
            code_needed=code_needed,
        )
    return resets.finished(WAY)


def _answer_fields(asked: list[tuple[str, str]]) -> dict[str, str]:
    """The messages for the answers, by the API's names for them (a wrong one, by question
    ID; a missing one, by its position)."""
    fields = {f"answers.{question_id}": WRONG_ANSWER for question_id, _ in asked}
    fields.update({f"answers.{index}.answer": ANSWER for index in range(len(asked))})
    return fields


def _by_answer_field(fields: dict[str, str], asked: list[tuple[str, str]]) -> dict[str, str]:
    """The fields at fault named as the page names its answers (answer-1, answer-2)."""
    names = {}
    for number, (question_id, _) in enumerate(asked, start=1):
        names[f"answers.{question_id}"] = f"answer-{number}"
        names[f"answers.{number - 1}.answer"] = f"answer-{number}"
    return {names.get(name, name): message for name, message in fields.items()}
