"""The SMS provider API: what its refusals mean for retrying, its form, and its settings."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from services.common.settings import ServiceSettings, Settings
from services.notify.errors import DeliveryFailure
from services.notify.server import create_server
from services.notify.settings import NotifySettings
from services.notify.sms_api import TwilioSmsProvider, classify

TOKEN = "an-auth-token-s3cret"
MESSAGING_SERVICE = "MG" + "0123456789abcdef" * 2
TWILIO = {
    "sms_provider": "twilio",
    "sms_account_sid": "AC" + "0123456789abcdef" * 2,
    "sms_auth_token": TOKEN,
    "sms_from": "+14155550199",
}


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (400, 21211, True),  # invalid To number
        (400, 21407, True),  # the number cannot receive SMS
        (400, 21610, True),  # the person replied STOP
        (400, 21614, True),  # not a mobile number
        (400, 21606, False),  # our sender cannot send there: the operator's to fix
        (400, None, False),
        (401, 20003, False),
        (403, None, False),
        (404, 20404, False),
        (429, 20429, False),
        (500, None, False),
        (503, 21211, False),
    ],
)
# rule N5
def test_only_refusals_of_the_number_are_permanent_N5(status, code, permanent):
    assert classify(status, code).permanent is permanent


@pytest.mark.parametrize(
    ("status", "code", "blamed"),
    [
        (400, 21211, True),
        (400, 21610, True),
        (400, 21606, False),
        (401, 20003, False),
        (500, None, False),
    ],
)
# rule N1
def test_only_refusals_of_the_number_blame_the_recipient_N1(status, code, blamed):
    assert classify(status, code).recipient_fault is blamed


@pytest.fixture
def silent_port() -> Iterator[tuple[socket.socket, int]]:
    """A loopback port bound, and listening or not as the test chooses, that never answers."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound, bound.getsockname()[1]


def send_to(port: int) -> DeliveryFailure:
    values = {**TWILIO, "sms_api_base_url": f"http://127.0.0.1:{port}"}
    provider = TwilioSmsProvider(NotifySettings(**values, sms_timeout_seconds=0.2))
    with pytest.raises(DeliveryFailure) as raised:
        provider.send(to="+14155550100", body="Hi", reference="n1")
    return raised.value


# rule N5
def test_api_that_refuses_connections_is_a_temporary_failure_N5(silent_port):
    failure = send_to(silent_port[1])
    assert (failure.reason, failure.permanent) == ("SMS API unreachable: ConnectError", False)


# rule N5
def test_api_that_does_not_answer_in_time_is_a_temporary_failure_N5(silent_port):
    silent_port[0].listen()
    failure = send_to(silent_port[1])
    assert (failure.reason, failure.permanent) == ("SMS API timeout", False)


# rule X1
def test_failure_reason_holds_the_status_and_error_code_only_X1():
    assert classify(400, 21211).reason == "SMS API 400, error 21211: invalid number"
    assert classify(401, 20003).reason == "SMS API 401, error 20003: authentication failed"
    assert classify(502, None).reason == "SMS API 502"


# rule N2
def test_messaging_service_sender_goes_as_messaging_service_sid_N2():
    provider = TwilioSmsProvider(NotifySettings(**{**TWILIO, "sms_from": MESSAGING_SERVICE}))
    form = provider.form(to="+14155550100", body="Hi")
    assert form == {"To": "+14155550100", "MessagingServiceSid": MESSAGING_SERVICE, "Body": "Hi"}


# rule N2
def test_twilio_without_its_settings_stops_notify_at_start_naming_them_N2(monkeypatch, tmp_path):
    monkeypatch.setenv("VESTIBULE_NOTIFY_SMS_PROVIDER", "twilio")
    monkeypatch.setenv("VESTIBULE_NOTIFY_SMS_AUTH_TOKEN", TOKEN)
    settings = ServiceSettings(name="notify", database_url=f"sqlite:///{tmp_path / 'n.db'}")
    shared = Settings(secret_key="k" * 32)  # type: ignore[call-arg, arg-type]
    with pytest.raises(ValidationError) as raised:
        create_server(settings, shared)
    message = str(raised.value)
    assert "VESTIBULE_NOTIFY_SMS_ACCOUNT_SID, VESTIBULE_NOTIFY_SMS_FROM" in message
    assert "AUTH_TOKEN" not in message


# rule X1
def test_settings_errors_never_quote_the_auth_token_X1():
    with pytest.raises(ValidationError) as raised:
        NotifySettings(**{**TWILIO, "sms_from": None})
    assert TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://api.twilio.com", True),
        ("https://sms.example.org/api/laml/", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080", True),
        ("http://api.twilio.com", False),
        ("ftp://127.0.0.1", False),
        ("api.twilio.com", False),
    ],
)
# rule X1
def test_api_url_must_be_https_except_a_fake_on_loopback_X1(url, accepted):
    if accepted:
        assert NotifySettings(sms_api_base_url=url).sms_api_base_url == url.rstrip("/")
    else:
        with pytest.raises(ValidationError):
            NotifySettings(sms_api_base_url=url)
