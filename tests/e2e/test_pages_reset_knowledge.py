"""Forgot password with what the person knows, in a real browser (I8 b and c, W1, W2, X3): two
security questions, or the 8-digit token the practice gave; wrong answers and a wrong token
say what to do; an unknown username reads the same; and one form by keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Stack
from tests.e2e.recovery_pages import (
    USERNAME,
    change_password,
    choose_way,
    jane_with_questions,
    practice_token,
    signs_in_with_the_new_password,
    tab_to,
)

pytestmark = pytest.mark.e2e

QUESTIONS = "Answer my security questions"
TOKEN = "Use a reset token from my practice"


def start_questions(portal, username: str):
    page = choose_way(portal, QUESTIONS)
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/forgot-password/questions/answers"), page.url
    return page


def answer_both(page, answer: str) -> None:
    for box in page.locator("input[name^='answer-']").all():
        box.fill(answer)


# rule I8, I3, W1, W2
def test_a_patient_resets_by_answering_two_security_questions_I8_I3_W1_W2(portal, stack: Stack):
    jane_with_questions(stack)
    page = choose_way(portal, QUESTIONS)
    portal.check("reset-questions-username")
    page.get_by_label("Username").fill("janedoe84")
    page.get_by_role("button", name="Continue").click()
    assert page.locator("input[name^='answer-']").count() == 2
    portal.check("reset-questions-answers")

    answer_both(page, "  BLUE ")
    change_password(page)

    assert page.url.endswith("/forgot-password/done"), page.url
    signs_in_with_the_new_password(portal)


# rule I8, W2
def test_a_wrong_answer_is_named_beside_its_question_and_kept_to_correct_I8_W2(
    portal, stack: Stack
):
    jane_with_questions(stack)
    page = start_questions(portal, USERNAME)
    first, second = page.locator("input[name^='answer-']").all()
    first.fill("Blue")
    second.fill("Green")
    change_password(page)

    summary = page.get_by_role("alert")
    assert "An answer does not match" in summary.inner_text()
    expect(summary).to_be_focused()
    expect(second).to_have_attribute("aria-invalid", "true")
    expect(first).not_to_have_attribute("aria-invalid", "true")
    expect(second).to_have_value("Green")
    portal.check("reset-questions-wrong-answer")


# rule I8, W2
def test_too_many_wrong_answers_close_the_way_and_say_what_else_to_do_I8_W2(portal, stack: Stack):
    jane_with_questions(stack)
    page = start_questions(portal, USERNAME)
    for _ in range(3):
        answer_both(page, "Green")
        change_password(page)

    assert page.get_by_role("heading", level=1).inner_text() == (
        "You cannot reset your password this way"
    )
    assert "closed for this account" in page.get_by_role("alert").inner_text()
    expect(page.get_by_role("link", name="Get a reset link by email")).to_be_visible()
    portal.check("reset-questions-closed")


# rule X3
def test_an_unknown_username_gets_questions_and_the_same_wrong_answer_message_X3(
    portal, stack: Stack
):
    jane_with_questions(stack)
    page = start_questions(portal, "nobody-at-all")
    assert page.locator("input[name^='answer-']").count() == 2
    answer_both(page, "Blue")
    change_password(page)
    assert "An answer does not match" in page.get_by_role("alert").inner_text()


# rule I8, S1, W1
def test_a_patient_resets_with_the_token_the_practice_gave_I8_S1_W1(portal, stack: Stack):
    jane_with_questions(stack)
    token = practice_token(stack)
    page = choose_way(portal, TOKEN)
    portal.check("reset-token")
    page.get_by_label("Username").fill("janedoe84")
    page.get_by_label("Reset token").fill(token)
    page.get_by_role("button", name="Continue").click()
    portal.check("reset-token-new-password")
    change_password(page)

    assert page.url.endswith("/forgot-password/done"), page.url
    signs_in_with_the_new_password(portal)


# rule I8, X3, W2
def test_a_wrong_token_sends_back_to_check_both_alike_for_any_username_I8_X3_W2(
    portal, stack: Stack
):
    jane_with_questions(stack)
    practice_token(stack)
    said = []
    for username in (USERNAME, "nobody-at-all"):
        page = choose_way(portal, TOKEN)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Reset token").fill("12345678")
        page.get_by_role("button", name="Continue").click()
        change_password(page)
        assert page.url.endswith("/forgot-password/token/new-password")
        expect(page.get_by_label("Reset token")).to_have_attribute("aria-invalid", "true")
        said.append(page.get_by_role("alert").inner_text())
    assert "call your practice for a new token" in said[0]
    assert said[0] == said[1]
    portal.check("reset-token-wrong")


# rule W2, I8
def test_the_token_way_completes_with_the_keyboard_alone_W2_I8(portal, stack: Stack):
    jane_with_questions(stack)
    token = practice_token(stack)
    page = portal.open("/sign-in")
    keys = page.keyboard
    tab_to(page, "a[href='/forgot-password']")
    keys.press("Enter")
    page.wait_for_url("**/forgot-password")
    tab_to(page, "input[value='email']")  # into the group; the arrows choose within it
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    expect(page.locator("input[value='token']")).to_be_checked()
    tab_to(page, "main button[type='submit']")
    keys.press("Enter")
    page.wait_for_url("**/forgot-password/token")
    tab_to(page, "#username")
    keys.type(USERNAME)
    keys.press("Tab")
    keys.type(token)
    keys.press("Enter")
    page.wait_for_url("**/forgot-password/token/new-password")
    tab_to(page, "#new_password")
    keys.type("quiet harbor lamps at night")
    keys.press("Enter")

    page.wait_for_url("**/forgot-password/done")
    tab_to(page, "a.button")
    keys.press("Enter")
    page.wait_for_url("**/sign-in")
    tab_to(page, "#username")
    keys.type(USERNAME)
    keys.press("Tab")
    keys.type("quiet harbor lamps at night")
    keys.press("Enter")
    page.wait_for_url("**/home")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, JaneDoe84"
