"""SMS through a Twilio-compatible HTTP API: one form POST per message to
`{base_url}/2010-04-01/Accounts/{account_sid}/Messages.json`, with HTTP basic auth."""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx

from services.notify.errors import DeliveryFailure
from services.notify.settings import NotifySettings

# httpx logs every request's URL at INFO; delivery's own lines say what happened, with codes.
logging.getLogger("httpx").setLevel(logging.WARNING)

# Error codes that say the number itself cannot take a text, so no retry can help
# (https://www.twilio.com/docs/api/errors). Any other refusal is ours or the provider's to fix.
UNREACHABLE_NUMBER = {
    21211: "invalid number",
    21407: "number cannot receive SMS",
    21610: "recipient opted out",
    21614: "not a mobile number",
}


def classify(status: int, code: int | None) -> DeliveryFailure:
    """What an answer other than 2xx means for retrying. The provider's message can quote the
    number, so only the HTTP status and the provider's error code are kept."""
    if 400 <= status < 500 and code in UNREACHABLE_NUMBER:
        return DeliveryFailure(
            f"SMS API {status}, error {code}: {UNREACHABLE_NUMBER[code]}",
            permanent=True,
            recipient_fault=True,
        )
    reason = f"SMS API {status}" + (f", error {code}" if code is not None else "")
    if status in (401, 403):
        # The operator can fix the credentials; the message must not be lost meanwhile (N5).
        return DeliveryFailure(f"{reason}: authentication failed", permanent=False)
    if status == 429:
        return DeliveryFailure(f"{reason}: too many requests", permanent=False)
    # 5xx is the provider's trouble; another 4xx is configuration an operator can fix (sender,
    # region permissions): retried, and given up only after the maximum attempts.
    return DeliveryFailure(reason, permanent=False)


def _error_code(response: httpx.Response) -> int | None:
    """The provider's numeric error code (`{"code": 21211, ...}`), if the body has one."""
    try:
        payload = response.json()
    except ValueError:
        return None
    code = payload.get("code") if isinstance(payload, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


class TwilioSmsProvider:
    """Sends each text message with one request to a Twilio-compatible Messages API.

    That API takes no idempotency key, so `reference` cannot travel: the delivery lease keeps
    two workers from sending one message, but an answer lost after the provider took the
    message (a read timeout) is retried, and the person may get the text twice rather than
    never (N5).
    """

    def __init__(self, settings: NotifySettings) -> None:
        account_sid, token, sender = (
            settings.sms_account_sid,
            settings.sms_auth_token,
            settings.sms_from,
        )
        if not (account_sid and token and sender):
            raise ValueError("The Twilio SMS provider needs an account SID, auth token and sender")
        base_url = settings.sms_api_base_url
        self.url = f"{base_url}/2010-04-01/Accounts/{quote(account_sid, safe='')}/Messages.json"
        self._auth = httpx.BasicAuth(account_sid, token.get_secret_value())
        self._sender_field = "MessagingServiceSid" if sender.startswith("MG") else "From"
        self._sender = sender
        self._timeout = settings.sms_timeout_seconds

    def form(self, *, to: str, body: str) -> dict[str, str]:
        """The request's form fields."""
        return {"To": to, self._sender_field: self._sender, "Body": body}

    def send(self, *, to: str, body: str, reference: str) -> None:
        """Sends one text message; raises DeliveryFailure saying whether a retry can help."""
        try:
            with httpx.Client(auth=self._auth, timeout=self._timeout) as client:
                response = client.post(self.url, data=self.form(to=to, body=body))
        except httpx.TimeoutException:
            raise DeliveryFailure("SMS API timeout", permanent=False) from None
        except httpx.HTTPError as error:
            raise DeliveryFailure(
                f"SMS API unreachable: {type(error).__name__}", permanent=False
            ) from None
        if not response.is_success:
            raise classify(response.status_code, _error_code(response))
