"""What the browser tests of home, switching and proxies set up through the API: Jane, an
adult patient with an account, and children of hers in the practice's chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from playwright.sync_api import Page

from tests.e2e.browser import Portal
from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import activated_patient_session, answer_security_questions
from tests.e2e.test_enrollment_journey import JANE, PASSWORD, staff_session
from tests.service.proxy_support import Link, add_relationship

FULL = ["health_records:act", "messages:act", "appointments:act", "billing:act", "forms:act"]


@dataclass(frozen=True)
class Patient:
    """Jane, activated and with her questions answered."""

    headers: dict[str, str]
    account_id: str
    patient_id: str
    practice_id: str
    username: str = "JaneDoe84"


def jane(stack: Stack) -> Patient:
    headers = activated_patient_session(stack)
    answer_security_questions(stack, headers)
    me = stack.api.get("/patient/me", headers=headers).json()
    record = me["enrollments"][0]
    return Patient(
        headers, me["account"]["account_id"], record["patient_id"], record["practice_id"]
    )


def child(stack: Stack, first_name: str = "Sam", years: int = 8) -> tuple[str, date]:
    """A child of the practice, `years` old: its record ID and date of birth."""
    today = date.today()
    born = today.replace(year=today.year - years, day=min(today.day, 28))
    added = stack.api.post(
        "/practice/patients",
        headers=staff_session(stack),
        json={
            **JANE,
            "first_name": first_name,
            "date_of_birth": born.isoformat(),
            "cell_phone": None,
        },
    )
    assert added.status_code == 201, added.text
    return added.json()["patient_id"], born


def guardian_of(stack: Stack, parent: Patient, rights: list[str]) -> str:
    """Sam, a child whose guardian `parent` is, with `rights`: Sam's record ID."""
    patient_id, born = child(stack)
    add_relationship(
        stack.hosts["proxy"],
        Link(
            patient_id,
            parent.account_id,
            rights=rights,
            dependent_born=born,
            practice_id=parent.practice_id,
        ),
    )
    return patient_id


def sign_in(portal: Portal, username: str, password: str = PASSWORD) -> Page:
    page = portal.open("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    return page


def tab_to(page: Page, selector: str, presses: int = 40) -> None:
    """Presses Tab until the element `selector` names has the focus, as a keyboard user would."""
    for _ in range(presses):
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")
