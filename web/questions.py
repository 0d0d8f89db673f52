"""The security questions in the person's language (I3, W3), by the API's question ID; a
question the pages do not know yet is shown as the API words it (in English)."""

from __future__ import annotations

from starlette.requests import Request

from web.i18n import N_
from web.pages import gettext

WORDING = {
    "first_pet": N_("What was the name of your first pet?"),
    "childhood_friend": N_("What was the first name of your best friend as a child?"),
    "first_street": N_("What was the name of the street you grew up on?"),
    "first_school": N_("What was the name of your first school?"),
    "first_job": N_("What was your first job?"),
    "parents_meeting_city": N_("In what city did your parents meet?"),
    "first_car": N_("What was the make and model of your first car?"),
    "favourite_teacher": N_("What was the last name of your favourite teacher?"),
    "childhood_hero": N_("Who was your childhood hero?"),
    "first_concert": N_("What was the first concert you went to?"),
    "oldest_cousin": N_("What is the first name of your oldest cousin?"),
    "dream_job": N_("What did you want to be when you grew up?"),
}


def question_text(request: Request, question_id: str, as_the_api_words_it: str) -> str:
    """The question in the request's language."""
    if question_id in WORDING:
        return gettext(request, WORDING[question_id])
    return as_the_api_words_it
