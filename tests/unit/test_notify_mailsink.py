"""The local sinks: the SMTP sink receives real SMTP; mail and SMS are listed and shown together."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

import pytest

from deploy.local import mailsink
from deploy.local.mailsink import MailSink, read_message
from services.notify.sms import FolderSmsProvider

PHONE = "+14155550100"


@pytest.fixture
def sink(tmp_path):
    sink = MailSink(tmp_path / "mail", port=0).start()
    yield sink
    sink.stop()


def deliver(sink: MailSink, subject: str, body: str = "hello there") -> None:
    message = EmailMessage()
    message["From"] = "no-reply@vestibule.localhost"
    message["To"] = "jane.doe@example.com"
    message["Subject"] = subject
    message["Date"] = "Sun, 22 Nov 2026 04:00:00 +0000"
    message.set_content(body)
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
        smtp.send_message(message)


@pytest.fixture
def sms(tmp_path):
    return FolderSmsProvider(tmp_path / "sms")


def text(sms: FolderSmsProvider, body: str, reference: str) -> None:
    sms.send(to=PHONE, body=body, reference=reference)


def run_cli(monkeypatch, tmp_path, command: str, *args: str) -> None:
    folders = ["--folder", str(tmp_path / "mail"), "--sms-folder", str(tmp_path / "sms")]
    monkeypatch.setattr(sys, "argv", ["mailsink", command, *args, *folders])
    mailsink.main()


# rule N1
def test_sink_saves_each_message_as_an_eml_file_N1(sink):
    deliver(sink, "first")
    deliver(sink, "second")
    assert [read_message(path)["Subject"] for path in sink.messages()] == ["first", "second"]


# rule N1
def test_list_prints_when_channel_file_recipient_and_subject_N1(
    sink, monkeypatch, tmp_path, capsys
):
    deliver(sink, "Your verification code")
    run_cli(monkeypatch, tmp_path, "list")
    [line] = capsys.readouterr().out.splitlines()
    when, channel, name, to, subject = line.split("  ", 4)
    assert when.endswith("Z") and channel == "mail" and name == sink.messages()[0].name
    assert (to, subject) == ("jane.doe@example.com", "Your verification code")


# rule N1 N2
def test_list_shows_mail_and_sms_together_newest_first_N1_N2(
    sink, sms, monkeypatch, tmp_path, capsys
):
    text(sms, "Your verification code is 111111.", "n1")
    deliver(sink, "Invitation")
    text(sms, "Your verification code is 222222.", "n2")
    run_cli(monkeypatch, tmp_path, "list")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[2:4] for line in lines] == [
        ["sms", "n2.json"],
        ["mail", sink.messages()[0].name],
        ["sms", "n1.json"],
    ]
    assert lines[0].endswith(f"{PHONE}  Your verification code is 222222.")


# rule N1
def test_show_prints_headers_and_body_N1(sink, monkeypatch, tmp_path, capsys):
    deliver(sink, "Hi")
    run_cli(monkeypatch, tmp_path, "show", sink.messages()[0].name)
    out = capsys.readouterr().out
    assert "Subject: Hi" in out and "hello there" in out


# rule N2
def test_show_prints_a_text_message_N2(sms, monkeypatch, tmp_path, capsys):
    text(sms, "Your verification code is 123456.", "n1")
    run_cli(monkeypatch, tmp_path, "show", "n1.json")
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [f"To: {PHONE}", "", "Your verification code is 123456."]


# rule N1
def test_token_prints_the_newest_invitation_token_N1(sink, monkeypatch, tmp_path, capsys):
    deliver(sink, "Invitation", "Open https://portal.example.org/activate#token=old-Tok_1 now.")
    deliver(sink, "Invitation", "Open https://portal.example.org/activate#token=new-Tok_2 now.")
    deliver(sink, "Code", "Your verification code is 123456. It expires in 10 minutes.")
    run_cli(monkeypatch, tmp_path, "token")
    assert capsys.readouterr().out.strip() == "new-Tok_2"


# rule N2
def test_code_prints_the_newest_verification_code_N2(sink, monkeypatch, tmp_path, capsys):
    deliver(sink, "Code", "Your verification code is 123456. It expires in 10 minutes.")
    deliver(sink, "Code", "Your verification code is 654321. It expires in 10 minutes.")
    run_cli(monkeypatch, tmp_path, "code")
    assert capsys.readouterr().out.strip() == "654321"


# rule N2
def test_code_comes_from_the_newest_message_mail_or_sms_N2(
    sink, sms, monkeypatch, tmp_path, capsys
):
    deliver(sink, "Code", "Your verification code is 111111. It expires in 10 minutes.")
    text(sms, "Your verification code is 222222. It expires in 10 minutes.", "n1")
    run_cli(monkeypatch, tmp_path, "code")
    assert capsys.readouterr().out.strip() == "222222"
