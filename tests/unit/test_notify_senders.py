"""SMTP failure classification, the email message and the folder SMS sink."""

from __future__ import annotations

import json
import smtplib
from email import policy
from email.parser import BytesParser

import pytest

from services.notify.mail import IDEMPOTENCY_HEADER, SmtpMailer, classify
from services.notify.rendering import Email
from services.notify.settings import NotifySettings
from services.notify.sms import FolderSmsProvider

ADDRESS = "jane.doe@example.com"


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"<jane.doe@example.com> unknown")}), True),
        (smtplib.SMTPRecipientsRefused({ADDRESS: (451, b"try later")}), False),
        (smtplib.SMTPDataError(554, b"rejected"), True),
        (smtplib.SMTPDataError(421, b"busy"), False),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
        (ConnectionRefusedError(111, "refused"), False),
        (TimeoutError(), False),
    ],
)
# rule N5
def test_only_5xx_refusals_are_permanent_N5(error, permanent):
    assert classify(error).permanent is permanent


# rule X1
def test_failure_reason_holds_no_recipient_data_X1():
    error = smtplib.SMTPRecipientsRefused({ADDRESS: (550, f"<{ADDRESS}> unknown".encode())})
    assert classify(error).reason == "SMTP 550: recipient refused"


# rule N5
def test_email_is_multipart_with_stable_message_id_and_idempotency_header_N5():
    mailer = SmtpMailer(NotifySettings(mail_from="Clinic <no-reply@clinic.example>"))
    email = Email(subject="Hello", text="plain body", html="<p>html body</p>")
    message = mailer.message(to=ADDRESS, email=email, reference="n1", idempotency_key="k1")
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())

    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed.get_body(("plain",)).get_content().strip() == "plain body"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>html body</p>"
    assert parsed["Message-ID"] == "<n1@clinic.example>"
    assert parsed[IDEMPOTENCY_HEADER] == "k1"


# rule N5
def test_folder_sink_writes_one_json_file_per_message_even_when_retried_N5(tmp_path):
    sms = FolderSmsProvider(tmp_path / "sms")
    sms.send(to="+14155550100", body="Your code is 1.", reference="n1")
    sms.send(to="+14155550100", body="Your code is 1.", reference="n1")

    [path] = list((tmp_path / "sms").iterdir())
    record = json.loads(path.read_text())
    assert (record["to"], record["body"]) == ("+14155550100", "Your code is 1.")
    assert record["sent_at"]
