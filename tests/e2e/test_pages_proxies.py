"""Home, switching and who acts for me in a real browser (W1, W2, P3, P4, P5, E10): home lists
the account's own record and those shared with it, with the rights it has in words; acting
for someone names them on every page until the person goes back to their own; a record
refused says why; a patient invites a representative (with the keyboard alone), changes
their rights, sends the invitation again and ends their access."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Stack
from tests.e2e.proxy_pages import FULL, guardian_of, jane, sign_in, tab_to
from tests.e2e.test_proxy_journeys import MARIA

pytestmark = pytest.mark.e2e

BANNER = "You are acting for Sam, as their parent or guardian."


# rule P5, W2
def test_home_lists_own_and_shared_records_and_acting_names_whose_record_P5_W2(
    portal, stack: Stack
):
    patient = jane(stack)
    sam = guardian_of(stack, patient, FULL)
    page = sign_in(portal, patient.username)

    cards = page.locator(".card")
    expect(cards.nth(0)).to_contain_text("Your own record")
    expect(cards.nth(1)).to_contain_text("Sam")
    expect(cards.nth(1)).to_contain_text("You are their parent or guardian.")
    expect(cards.nth(1)).to_contain_text("See and manage health records")
    portal.check("home-own-and-shared")

    page.get_by_role("link", name="Act for Sam").click()
    assert page.url.endswith(f"/records/{sam}")
    banner = page.get_by_role("region", name=BANNER)
    expect(banner).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam's record")
    expect(page.get_by_role("main")).to_contain_text("See, book and cancel appointments")
    portal.check("record-acting-for-sam")

    portal.open("/home")
    expect(page.get_by_role("region", name=BANNER)).to_be_visible()
    portal.check("home-while-acting-for-sam")

    page.get_by_role("button", name="Back to your own account").click()
    assert page.url.endswith(f"/records/{patient.patient_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your record")
    expect(page.get_by_role("region", name=BANNER)).to_have_count(0)
    portal.check("own-record")


# rule P4
def test_a_proxy_refused_a_right_is_told_why_and_what_to_do_P4(portal, stack: Stack):
    patient = jane(stack)
    guardian_of(stack, patient, ["messages:view"])
    page = sign_in(portal, patient.username)
    expect(page.locator(".card").nth(1)).to_contain_text("Read messages")

    page.get_by_role("link", name="Act for Sam").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("This record is not open to you")
    main = page.get_by_role("main")
    expect(main).to_contain_text("does not include seeing their health records")
    expect(main).to_contain_text("ask Sam or their practice")
    expect(main).to_contain_text("Read messages")
    expect(page.get_by_role("region", name=BANNER)).to_have_count(0)
    portal.check("record-refused-a-right")


# rule P3, P4, E10, W2
def test_a_patient_invites_changes_resends_and_ends_a_representative_P3_P4_E10_W2(
    portal, stack: Stack
):
    patient = jane(stack)
    page = sign_in(portal, patient.username)
    page.get_by_role("link", name="See and manage who can act for you").click()
    expect(page.get_by_role("main")).to_contain_text("No one acts for you yet.")
    portal.check("proxies-empty")
    page.get_by_role("link", name="Invite someone to act for you").click()
    portal.check("invite")

    page.get_by_role("button", name="Send the invitation").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    for message in ("Enter their first name.", "Enter their email address", "Choose what"):
        expect(summary).to_contain_text(message)
    portal.check("invite-errors")

    _invite_with_the_keyboard(page)
    expect(page.get_by_role("status")).to_contain_text("We emailed the invitation.")
    card = page.locator(".card", has_text="Maria Lopez")
    expect(card).to_contain_text("Invited: has not accepted yet")
    expect(card).to_contain_text("See health records")
    expect(card).to_contain_text("Read and send messages")
    portal.check("proxies-invited")
    stack.wait_for_mail(MARIA["email"], "trusted representative")

    page.get_by_role("link", name="Change what Maria can do").click()
    expect(page.get_by_label("Let me choose")).to_be_checked()
    expect(page.get_by_label("Read and send messages")).to_be_checked()
    portal.check("change-rights")
    page.get_by_label("Everything: see and act in every area").check()
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_role("status")).to_have_text("What they can do has changed.")
    expect(card).to_contain_text("See and pay bills")

    page.get_by_role("button", name="Send Maria's invitation again").click()
    expect(page.get_by_role("status")).to_contain_text("We sent the invitation again.")
    stack.wait_for_mail(MARIA["email"], "trusted representative", count=2)

    page.get_by_role("link", name="End Maria's access").click()
    portal.check("end-access")
    page.get_by_role("button", name="End their access").click()
    expect(page.get_by_role("status")).to_contain_text("Their access has ended.")
    expect(card).to_contain_text("Access ended")
    expect(card.get_by_role("link")).to_have_count(0)
    portal.check("proxies-ended")


def _invite_with_the_keyboard(page) -> None:
    """Fills the invitation form and sends it with Tab, arrows, Space and Enter alone (W2)."""
    tab_to(page, "#first_name")
    page.keyboard.type("Maria")
    page.keyboard.press("Tab")
    page.keyboard.type("Lopez")
    page.keyboard.press("Tab")
    page.keyboard.type(MARIA["email"])
    page.keyboard.press("Tab")
    page.keyboard.type("spouse")
    tab_to(page, "input[name='access']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_to(page, "input[value='health_records:view']")
    page.keyboard.press("Space")
    tab_to(page, "input[value='messages:act']")
    page.keyboard.press("Space")
    tab_to(page, "button[type='submit'].button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/proxies?done=invited")
