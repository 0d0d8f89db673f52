"""Home's records, the record's page and switching against a fake API (P4, P5, P7, E13): the
banner that names whose record a proxy is in, on every page and for the session that chose
it only; the categories kept from a guardian; every refusal in plain words."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.test_web_pages import FakeApi, problem, run
from web import cookies

OWN = {"patient_id": "jane", "practice_id": "p1", "first_name": "Jane", "acting_as": "self"}
SAM = {
    "patient_id": "sam",
    "practice_id": "p1",
    "first_name": "Sam",
    "acting_as": "guardian",
    "relationship_id": "r1",
    "rights": ["messages:view"],
}
ME = {
    "account": {"account_id": "a1", "username": "JaneDoe84", "verified_email": None},
    "enrollments": [{**OWN, "practice_name": "Lakeside", "status": "enrolled"}],
}


def api(summary: dict | None = None, refusal: httpx.Response | None = None) -> FakeApi:
    """Sam's record answers `summary` (or `refusal`); the lists answer Jane and Sam."""

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1")
        if path == "/patient/records":
            return httpx.Response(200, json={"records": [{**OWN, "rights": None}, SAM]})
        if path == "/patient/me":
            return httpx.Response(200, json=ME)
        if path == "/patient/records/jane":
            return httpx.Response(200, json={**OWN, "rights": None, "hidden_categories": []})
        if path == "/patient/records/sam":
            return refusal or httpx.Response(200, json=summary)
        raise AssertionError(f"unexpected {path}")

    return FakeApi(answer)


def signed_in(client: httpx.AsyncClient, session: str = "session-1") -> None:
    client.cookies.set(cookies.SESSION, session)


GUARDIAN = {**SAM, "rights": ["messages:act", "forms:act"], "hidden_categories": []}
BANNER = "You are acting for Sam, as their parent or guardian."


# rule P5
def test_acting_for_someone_names_them_on_every_page_P5():
    async def steps(client):
        signed_in(client)
        record = await client.get("/records/sam")
        home = await client.get("/home")
        return record, home

    record, home = run(steps, api(GUARDIAN))
    assert BANNER in record.text and BANNER in home.text
    assert "Read and send messages" in record.text and "See and fill in forms" in record.text
    assert f"{cookies.ACTING}=" in record.headers["set-cookie"]


# rule P5
def test_the_banner_belongs_to_the_session_that_chose_it_P5():
    async def steps(client):
        signed_in(client)
        await client.get("/records/sam")
        signed_in(client, "someone-else-on-this-browser")
        return await client.get("/home")

    assert BANNER not in run(steps, api(GUARDIAN)).text


# rule P5
def test_going_back_to_your_own_account_ends_the_banner_P5():
    async def steps(client):
        signed_in(client)
        await client.get("/records/sam")
        page = await client.get("/home")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        back = await client.post("/records/switch-back", data={"csrf_token": csrf})
        return back, await client.get("/home")

    back, home = run(steps, api(GUARDIAN))
    assert (back.status_code, back.headers["location"]) == (303, "/records/jane")
    assert BANNER not in home.text


# rule P7
def test_a_guardian_of_an_adolescent_is_told_what_is_kept_private_P7():
    adolescent = {**GUARDIAN, "hidden_categories": ["sexual_health", "mental_health"]}

    async def steps(client):
        signed_in(client)
        return await client.get("/records/sam")

    page = run(steps, api(adolescent)).text
    assert "these parts of their record are private to them" in page
    assert "<li>Sexual health</li>" in page and "<li>Mental health</li>" in page


@pytest.mark.parametrize(
    ("code", "metadata", "words"),
    [
        ("PROXY_ACCESS_ENDED", {}, "ask the patient or the practice to invite you again"),
        ("PROXY_ACCESS_SUSPENDED", {}, "The practice has paused portal access to this record"),
        ("NOT_A_PROXY", {}, "You do not act for this patient"),
        (
            "RECORD_UNENROLLED",
            {"practice_name": "Lakeside", "practice_phone": "+13125550100"},
            "call Lakeside at +13125550100",
        ),
        ("RECORD_UNENROLLED", {"practice_name": "Lakeside"}, "contact Lakeside."),
        ("PROXY_RIGHT_MISSING", {}, "ask Sam or their practice to change what you may do"),
    ],
)
# rule P4, E13
def test_a_record_refused_says_why_and_what_to_do_P4_E13(code, metadata, words):
    refusal = problem(403, code, "In English.", metadata=metadata)

    async def steps(client):
        signed_in(client)
        return await client.get("/records/sam")

    page = run(steps, api(refusal=refusal))
    assert page.status_code == 403
    assert "This record is not open to you" in page.text and words in page.text


# rule P4
def test_a_refused_right_lists_what_the_access_still_includes_P4():
    refusal = problem(403, "PROXY_RIGHT_MISSING", "In English.")

    async def steps(client):
        signed_in(client)
        return await client.get("/records/sam")

    page = run(steps, api(refusal=refusal)).text
    assert "does not include seeing their health records" in page
    assert "<li>Read messages</li>" in page


# rule P5
def test_your_own_record_shows_no_banner_and_who_acts_for_you_P5():
    async def steps(client):
        signed_in(client)
        await client.get("/records/sam")
        return await client.get("/records/jane")

    page = run(steps, api(GUARDIAN))
    assert BANNER not in page.text
    assert 'href="/records/jane/proxies"' in page.text
    assert "At Lakeside." in page.text


# rule P5
def test_managing_who_acts_for_you_is_in_your_own_record_P5():
    proxies = FakeApi(
        lambda request: (
            httpx.Response(200, json={"relationships": []})
            if request.url.path.endswith("/proxies")
            else api(GUARDIAN).handler(request)
        )
    )

    async def steps(client):
        signed_in(client)
        await client.get("/records/sam")
        return await client.get("/records/jane/proxies")

    page = run(steps, proxies)
    assert "No one acts for you yet." in page.text
    assert BANNER not in page.text
