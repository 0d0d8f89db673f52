"""Changing the security questions (I3): five different questions from the list, each
answered, with the current password."""

from __future__ import annotations

import re
from dataclasses import replace

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from web.api import ApiProblem
from web.forms import Posted, posted
from web.i18n import N_
from web.questions import question_text
from web.routes.account_forms import back_to_settings, pages, refused
from web.session import call

router = APIRouter()

CHOOSE = N_("Choose %(count)s different questions from the lists and answer each one.")
MESSAGES = {"INVALID_IDENTITY_REQUEST": CHOOSE, "INVALID_ARGUMENT": CHOOSE}
FIELDS = {
    "answers": N_("Choose a different question in each list."),
    "question": N_("Choose a question."),
    "answer": N_("Enter your answer, in at most 100 characters."),
}
API_FIELD = re.compile(r"answers\.(\d+)\.(question_id|answer)")


def _form_fields(problem: ApiProblem) -> tuple[dict[str, str], dict[str, str]]:
    """The API's fields at fault (`answers.0.answer`) as the form's (`answer-1`), and the
    page's message for each."""
    rename, fields = {"answers": "question-1"}, {"answers": FIELDS["answers"]}
    for name in problem.errors:
        if found := API_FIELD.fullmatch(name):
            kind = "question" if found.group(2) == "question_id" else "answer"
            rename[name] = f"{kind}-{int(found.group(1)) + 1}"
            fields[name] = FIELDS[kind]
    return rename, fields


async def _render(
    request: Request, *, chosen: list[str], answers: list[str], problem: ApiProblem | None = None
) -> Response:
    listed = (await call(request, "GET", "/patient/security-questions")).body
    count = listed["required_count"]
    context = {
        "questions": [
            (q["question_id"], question_text(request, q["question_id"], q["text"]))
            for q in listed["questions"]
        ],
        "count": count,
        "chosen": (chosen + [""] * count)[:count],
        "answers": (answers + [""] * count)[:count],
    }
    if problem is None:
        return pages(request).render(request, "account_questions.html", **context)
    rename, fields = _form_fields(problem)
    problem = replace(problem, metadata={**problem.metadata, "count": str(count)})
    return refused(
        request,
        problem,
        "account_questions.html",
        messages=MESSAGES,
        fields=fields,
        rename=rename,
        **context,
    )


@router.get("/account/security-questions")
async def questions_page(request: Request) -> Response:
    current = (await call(request, "GET", "/patient/account/settings")).body
    return await _render(request, chosen=list(current["security_question_ids"]), answers=[])


def _answers(form: Posted) -> list[tuple[str, str]]:
    numbers = sorted(
        int(key.removeprefix("question-"))
        for key in form.data
        if key.startswith("question-") and key.removeprefix("question-").isdigit()
    )
    return [(form.text(f"question-{n}"), form.text(f"answer-{n}")) for n in numbers[:10]]


@router.post("/account/security-questions")
async def change_questions(request: Request) -> Response:
    form = await posted(request)
    answers = _answers(form)
    try:
        await call(
            request,
            "PUT",
            "/patient/account/security-questions",
            json={
                "current_password": form.secret("current_password"),
                "answers": [{"question_id": q, "answer": a} for q, a in answers],
            },
        )
    except ApiProblem as problem:
        return await _render(
            request,
            chosen=[q for q, _ in answers],
            answers=[a for _, a in answers],
            problem=problem,
        )
    return back_to_settings("questions")
