"""Sends email over SMTP (synchronous: it runs in the delivery worker's thread)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from services.notify.errors import DeliveryFailure
from services.notify.rendering import Email
from services.notify.settings import NotifySettings

IDEMPOTENCY_HEADER = "X-Vestibule-Idempotency-Key"


def classify(error: smtplib.SMTPException | OSError) -> DeliveryFailure:
    """What an SMTP error means for retrying. Server replies can quote the recipient, so only
    the reply code is kept."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return DeliveryFailure(
            f"SMTP {max(codes, default=0)}: recipient refused",
            permanent=permanent,
            recipient_fault=permanent,
            # 421 closes the connection: the server, not this recipient, is in trouble.
            this_message_only=bool(codes) and 421 not in codes,
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        # The operator can fix the credentials; the message must not be lost meanwhile (N5).
        return DeliveryFailure(f"SMTP {error.smtp_code}: authentication failed", permanent=False)
    if isinstance(error, smtplib.SMTPResponseException):
        return DeliveryFailure(f"SMTP {error.smtp_code}", permanent=error.smtp_code >= 500)
    if isinstance(error, TimeoutError):
        return DeliveryFailure("SMTP timeout", permanent=False)
    return DeliveryFailure(f"SMTP unreachable: {type(error).__name__}", permanent=False)


class SmtpMailer:
    """Hands messages to the configured SMTP server, one connection per message."""

    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings
        self._domain = parseaddr(settings.mail_from)[1].rpartition("@")[2]

    def message(
        self, *, to: str, email: Email, reference: str, idempotency_key: str
    ) -> EmailMessage:
        """The multipart (text and HTML) message. Its Message-ID derives from `reference`, so a
        retry after a lost reply carries the same ID and the receiver can drop the copy."""
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = to
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = f"<{reference}@{self._domain}>"
        message[IDEMPOTENCY_HEADER] = idempotency_key
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        return message

    def send(self, *, to: str, email: Email, reference: str, idempotency_key: str) -> None:
        """Sends one email; raises DeliveryFailure saying whether a retry can help."""
        message = self.message(
            to=to, email=email, reference=reference, idempotency_key=idempotency_key
        )
        settings = self._settings
        try:
            with smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
            ) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_username and settings.smtp_password:
                    smtp.login(
                        settings.smtp_username.get_secret_value(),
                        settings.smtp_password.get_secret_value(),
                    )
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise classify(error) from None
