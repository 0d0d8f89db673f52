"""Where a communication goes (N4): the preferred channels that have an address."""

from __future__ import annotations

from services.notify.domain import Channel, PreferredMethod, channels_for

EMAIL, PHONE = "jane@example.com", "+14155550100"


# rule N4
def test_both_sends_by_email_and_sms_N4():
    assert channels_for(PreferredMethod.BOTH, email=EMAIL, cell_phone=PHONE) == [
        (Channel.EMAIL, EMAIL),
        (Channel.SMS, PHONE),
    ]


# rule N4
def test_sms_without_a_phone_still_reaches_the_email_N4():
    assert channels_for(PreferredMethod.SMS, email=EMAIL, cell_phone=None) == [
        (Channel.EMAIL, EMAIL)
    ]


# rule N4
def test_email_with_a_phone_sends_by_email_only_N4():
    assert channels_for(PreferredMethod.EMAIL, email=EMAIL, cell_phone=PHONE) == [
        (Channel.EMAIL, EMAIL)
    ]
