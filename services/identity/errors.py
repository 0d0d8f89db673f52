"""Identity service errors; each message tells the person what to do."""

from __future__ import annotations

import math
from datetime import timedelta

from services.common.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
)


class InvalidRequest(InvalidArgument):
    """A field is missing or malformed; the violations name it."""

    reason = "INVALID_IDENTITY_REQUEST"


class WeakPassword(InvalidArgument):
    """The password fails requirements of the policy (I2); metadata names them."""

    reason = "PASSWORD_POLICY"

    def __init__(self, unmet: dict[str, str]) -> None:
        super().__init__(
            "Choose another password that meets every requirement.",
            violations=[FieldViolation("password", text) for text in unmet.values()],
            metadata={"unmet_requirements": ",".join(unmet)},
        )


class UsernameTaken(AlreadyExists):
    """Another account or staff member already has this username, in any letter case (I1)."""

    reason = "USERNAME_TAKEN"

    def __init__(self, field: str, noun: str) -> None:
        super().__init__(
            f"That {noun} is taken. Choose another one.",
            violations=[FieldViolation(field, "Taken; choose another one.")],
        )


class EmailTaken(AlreadyExists):
    """The email is already the verified account email of another account (I5)."""

    reason = "EMAIL_TAKEN"

    def __init__(self) -> None:
        super().__init__(
            "That email address already belongs to another account. Sign in to that account, "
            "or use another email address.",
            violations=[FieldViolation("email", "Already the email of another account.")],
        )


class AccountNotFound(NotFound):
    """No account has this ID."""

    reason = "ACCOUNT_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("No account has this ID. Check the ID, or register again.")


class WrongCode(InvalidArgument):
    """The verification code does not match; the attempt is counted and kept, and metadata says
    how many are left (I11)."""

    reason = "WRONG_CODE"
    keeps_changes = True

    def __init__(self, attempts_left: int) -> None:
        advice = (
            f"Check the code and try again; {attempts_left} attempt(s) left."
            if attempts_left
            else "No attempts are left: ask for a new code."
        )
        super().__init__(
            f"That code is not right. {advice}",
            violations=[FieldViolation("code", "Does not match the code we sent.")],
            metadata={"attempts_left": str(attempts_left)},
        )


class CodeExpired(FailedPrecondition):
    """The verification code expired, was used up, or had too many wrong attempts (I11)."""

    reason = "CODE_EXPIRED"

    def __init__(self) -> None:
        super().__init__("This code no longer works. Ask for a new code.")


class AlreadyVerified(FailedPrecondition):
    """A new code was asked for an account that is already active."""

    reason = "ALREADY_VERIFIED"

    def __init__(self) -> None:
        super().__init__("This account is already verified; sign in with your username.")


def _wait_in_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


class ResendThrottled(ResourceExhausted):
    """New codes are asked for too often (I11); `retry_after` says when the next one is allowed,
    in whole seconds."""

    reason = "RESEND_THROTTLED"

    def __init__(self, wait: timedelta) -> None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        super().__init__(
            "A new code was sent a short while ago: check your email or phone for it. If it has "
            f"not arrived, ask for another one in {_wait_in_words(seconds)}.",
            retry_after=timedelta(seconds=seconds),
            metadata={"retry_after_seconds": str(seconds)},
        )


class BadCredentials(Unauthenticated):
    """Unknown login, wrong password or locked account: one answer for all of them (X3, I11).

    A wrong password is counted towards the lockout, so the count is kept.
    """

    reason = "BAD_CREDENTIALS"
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__("The username or password is incorrect.")


class ActivationPending(FailedPrecondition):
    """The password is right but the account has not been verified yet; the right password
    still clears the failure count (and may rehash), so those changes are kept."""

    reason = "ACTIVATION_PENDING"
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__(
            "Your account is not active yet. Finish activation with the code we sent you."
        )


class ActivationExpired(FailedPrecondition):
    """The password is right but the pending account was never activated, and no longer can
    be: its invitation or registration ended (its username is free again). Kept as
    ActivationPending is."""

    reason = "ACTIVATION_EXPIRED"
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__(
            "This account was never activated, and its invitation no longer works. Open the "
            "newest invitation from your practice, or ask them for a new one (or register "
            "again from the sign-in page); you can choose the same username."
        )


class SessionEnded(Unauthenticated):
    """The session token is unknown, expired or signed out."""

    reason = "SESSION_ENDED"

    def __init__(self) -> None:
        super().__init__("Your session has ended. Sign in again.")


class ResetLinkNotValid(FailedPrecondition):
    """The reset link is unknown, used, replaced by a newer one, or expired (I8 a)."""

    reason = "RESET_LINK_NOT_VALID"

    def __init__(self) -> None:
        super().__init__(
            "This reset link does not work any more: links work once, for 30 minutes, and a "
            "newer link replaces older ones. Ask for a new link from the sign-in page."
        )


class ResetTokenNotValid(InvalidArgument):
    """A reset with a practice token failed (I8 c): unknown username, wrong token, or a token
    used, replaced, expired or ended by wrong tries, all alike (X3); the try is counted."""

    reason = "RESET_TOKEN_NOT_VALID"
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__(
            "The username or reset token is not right, or the token expired or was replaced. "
            "Check both; your practice can give you a new token.",
            violations=[
                FieldViolation("username", "Check your username."),
                FieldViolation("token", "Check the 8-digit token from your practice."),
            ],
        )


class QuestionResetNotValid(FailedPrecondition):
    """The security-question reset started too long ago or was used (I8 b)."""

    reason = "QUESTION_RESET_NOT_VALID"

    def __init__(self) -> None:
        super().__init__("Start again: answer the two questions within 10 minutes.")


class WrongSecurityAnswers(InvalidArgument):
    """At least one answer is wrong (I8 b); the try is counted for each wrong question."""

    reason = "WRONG_SECURITY_ANSWERS"
    keeps_changes = True

    def __init__(self, wrong: list[str]) -> None:
        super().__init__(
            "An answer does not match. Each question allows three tries; after that, ask for a "
            "reset link by email or a reset token from your practice.",
            violations=[FieldViolation(f"answers.{q}", "Does not match.") for q in wrong],
        )


class QuestionResetClosed(FailedPrecondition):
    """Too many wrong answers: this way is closed until a link or a practice token is used."""

    reason = "QUESTION_RESET_CLOSED"
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__(
            "Resetting with security questions is closed for this account after too many wrong "
            "answers. Ask for a reset link by email, or a reset token from your practice."
        )


class InformationResetNotValid(FailedPrecondition):
    """The account-information reset started too long ago or was used (I8 d)."""

    reason = "INFORMATION_RESET_NOT_VALID"

    def __init__(self) -> None:
        super().__init__("Start again: pick the address within 10 minutes of giving your details.")


class WrongAccountInformation(InvalidArgument):
    """The details or the address picked do not match (I8 d); the try is counted. Which of
    them was wrong is not said (X3)."""

    reason = "WRONG_ACCOUNT_INFORMATION"
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__(
            "The details or the address you picked do not match our records. Check them and "
            "start again; after two tries this way closes, and your practice can give you a "
            "reset token.",
            violations=[FieldViolation("address_index", "Does not match.")],
        )


class InformationResetClosed(FailedPrecondition):
    """Too many tries: this way is closed until a practice token (or a link) is used."""

    reason = "INFORMATION_RESET_CLOSED"
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__(
            "Resetting with your account information is closed for this account after too "
            "many tries. Ask your practice for a reset token."
        )


class DeviceNotFound(NotFound):
    """No remembered device with that ID belongs to the account."""

    reason = "DEVICE_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__(
            "You have no remembered device with that ID. List your remembered devices again."
        )


class SessionNotFound(NotFound):
    """No open session with that ID belongs to the caller."""

    reason = "SESSION_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("You have no open session with that ID. List your sessions again.")


class HashingBusy(ResourceExhausted):
    """More passwords are being checked at once than the service admits."""

    reason = "HASHING_BUSY"

    def __init__(self) -> None:
        super().__init__(
            "Many people are signing in right now. Try again in a moment.",
            retry_after=timedelta(seconds=1),
        )


class StaffMemberNotFound(NotFound):
    """No staff member of this practice has this ID; another practice's is not revealed (S3)."""

    reason = "STAFF_MEMBER_NOT_FOUND"

    def __init__(self, field: str = "staff_id") -> None:
        super().__init__(
            "No staff member of your practice has this ID. Check the ID in the staff list.",
            violations=[FieldViolation(field, "Not a staff member of this practice.")],
        )


class CannotDeactivateSelf(FailedPrecondition):
    """A staff member tried to deactivate themselves, which could leave no administrator."""

    reason = "CANNOT_DEACTIVATE_SELF"

    def __init__(self) -> None:
        super().__init__("You cannot deactivate yourself. Ask another administrator to do it.")


class LastAdministrator(FailedPrecondition):
    """The change would leave the practice without an active administrator (E14)."""

    reason = "LAST_ADMINISTRATOR"

    def __init__(self, change: str) -> None:
        super().__init__(
            f"A practice must always keep at least one active administrator, so {change} is "
            "refused. Give manage_personnel to another active staff member first."
        )


class ChallengeEnded(Unauthenticated):
    """The sign-in challenge token is unknown, expired, used, or its login locked or ended."""

    reason = "SIGN_IN_CHALLENGE_ENDED"

    def __init__(self) -> None:
        super().__init__("This sign-in step has expired or was already used. Sign in again.")


class WrongSecondFactorCode(InvalidArgument):
    """The authenticator or recovery code is wrong or already used; the failure counts toward
    the lockout (I11), so it is kept."""

    reason = "WRONG_SECOND_FACTOR_CODE"
    keeps_changes = True

    def __init__(self, field: str) -> None:
        super().__init__(
            "That code is not right. Enter the current code from your authenticator app, or an "
            "unused recovery code; repeated wrong codes lock the sign-in for a while.",
            violations=[FieldViolation(field, "Wrong or already used.")],
        )


class PasswordUnchanged(InvalidArgument):
    """The new password is the one it replaces."""

    reason = "PASSWORD_UNCHANGED"

    def __init__(self) -> None:
        super().__init__(
            "Choose a new password that differs from your current one.",
            violations=[FieldViolation("new_password", "Same as the current password.")],
        )


class WrongCurrentPassword(InvalidArgument):
    """The current password given to change it is wrong; counted toward the lockout (I11)."""

    reason = "WRONG_CURRENT_PASSWORD"
    keeps_changes = True

    def __init__(self, field: str = "current_password") -> None:
        """`field` names the request field that held the password."""
        super().__init__(
            "Your current password is not right. Enter it again.",
            violations=[FieldViolation(field, "Does not match.")],
        )


class TotpNotSetUp(FailedPrecondition):
    """ConfirmTotp came before SetUpTotp."""

    reason = "TOTP_NOT_SET_UP"

    def __init__(self) -> None:
        super().__init__(
            "Start the authenticator app setup first, add the account to the app, then confirm "
            "it with a code from the app."
        )


class TotpAlreadyOn(FailedPrecondition):
    """The authenticator app is on already; setting it up again needs turning it off first."""

    reason = "TOTP_ALREADY_ON"

    def __init__(self) -> None:
        super().__init__(
            "The authenticator app is already on. To move it to another phone, turn it off "
            "first (with your password and a current code), then set it up again."
        )


class TotpNotOn(FailedPrecondition):
    """The action needs the authenticator app on, and it is off."""

    reason = "TOTP_NOT_ON"

    def __init__(self) -> None:
        super().__init__("The authenticator app is not on. Set it up and confirm it first.")


class SignInPaused(ResourceExhausted):
    """Too many wrong passwords or codes in a row: nothing is checked until the pause ends; a
    short pause first, longer with each failure, then a lock (I11). Said alike of a login that
    does not exist (X3)."""

    reason = "SIGN_IN_PAUSED"

    def __init__(self, wait: timedelta) -> None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        when = f"{seconds} second(s)" if seconds < 120 else f"{math.ceil(seconds / 60)} minute(s)"
        super().__init__(
            f"Too many wrong passwords or codes in a row. Try again in {when}.",
            retry_after=wait,
        )


class PortalAccessSuspended(PermissionDenied):
    """The password is right, but every record the account had, its own or one it acts for,
    is suspended because a practice unenrolled it (E13): only that practice restores access."""

    reason = "PORTAL_ACCESS_SUSPENDED"

    def __init__(self, practice_name: str, practice_phone: str) -> None:
        call = f" at {practice_phone}" if practice_phone else ""
        super().__init__(
            f"{practice_name} has suspended your access to its patient portal, so you cannot "
            f"sign in. To have it restored, contact {practice_name}{call}.",
            metadata={"practice_name": practice_name, "practice_phone": practice_phone},
        )
