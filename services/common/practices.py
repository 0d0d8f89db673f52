"""Practice onboarding for operators (E14): a practice and its first administrator, made once.

    VESTIBULE_FIRST_ADMIN_PASSWORD=... python -m services.common.practices create \\
        --key lakeside --name "Lakeside Family Medicine" --phone "+1 312 555 0100" \\
        --time-zone America/Chicago \\
        --admin-user-id admin.lakeside --admin-first-name Avery --admin-last-name Admin

It asks the running services over gRPC, as every other caller does: enrollment makes the
practice, identity its administrator, and each keeps its own rules and audit trail (X2). So it
needs no database and no secret key, only the services' addresses (and the mutual TLS files
where the services require them), and runs as a Kubernetes Job from any service image.

The administrator's initial password comes from VESTIBULE_FIRST_ADMIN_PASSWORD or, with
--password-stdin, the first line of standard input; never from the command line, and it is
never printed. At first sign-in the administrator must change it, then set up an authenticator
app. Running it again with the same --key creates nothing and says so; after a failure (a
password the policy refuses, a user ID taken), run it again with the same --key once fixed.
Exit status: 0 when the practice and its administrator exist, 1 when a service refused or did
not answer (the message says why), 2 when the command is used wrongly.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common import context
from services.common.clients import channel_to, domain_error_from_rpc
from services.common.settings import Settings

PASSWORD_VARIABLE = "VESTIBULE_FIRST_ADMIN_PASSWORD"  # noqa: S105 - a variable's name
# Who the services' audit trails name for what this command does (X2).
ACTOR = "operator:practices"
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
# Each call may hash a password (argon2): longer than the default deadline between services.
CALL_TIMEOUT_SECONDS = 30.0
EXIT_REFUSED, EXIT_USAGE = 1, 2


@dataclass(frozen=True)
class Onboarding:
    """What the operator asked for."""

    key: str
    name: str
    contact_phone: str
    time_zone: str
    admin_user_id: str
    admin_first_name: str
    admin_last_name: str


@dataclass(frozen=True)
class Onboarded:
    """The practice and its first administrator, and whether this run created each."""

    practice: enrollment_pb2.Practice
    practice_created: bool
    administrator: identity_pb2.StaffMember
    administrator_created: bool


class OnboardingFailed(Exception):
    """A service refused a step or did not answer; the message says what to do."""


def _failure(service: str, shared: Settings, error: grpc.RpcError) -> OnboardingFailed:
    code = error.code()  # type: ignore[attr-defined]
    if code in {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}:
        return OnboardingFailed(
            f"{service} at {shared.address_of(service)} did not answer ({code.name}); check "
            f"that it runs and that VESTIBULE_{service.upper()}_ADDRESS names it, then run again"
        )
    refused = domain_error_from_rpc(error)
    fields = "".join(f" {v.field}: {v.description}" for v in refused.violations)
    return OnboardingFailed(f"{service} refused: {refused.message}{fields}")


def onboard(shared: Settings, onboarding: Onboarding, password: str) -> Onboarded:
    """Creates the practice, then its first administrator (role administrator: every
    permission), each once per key; OnboardingFailed when a service refuses or does not
    answer. Both calls are one request of the actor `operator:practices` in the audit trails."""
    request = context.RequestContext(
        request_id=uuid.uuid4().hex, actor=ACTOR, client_address=socket.gethostname()[:64]
    )
    with (
        context.bound(request),
        channel_to(shared, "enrollment") as enrollment_channel,
        channel_to(shared, "identity") as identity_channel,
    ):
        try:
            made = enrollment_pb2_grpc.EnrollmentServiceStub(enrollment_channel).CreatePractice(
                enrollment_pb2.CreatePracticeRequest(
                    idempotency_key=f"practice-onboarding:{onboarding.key}",
                    name=onboarding.name,
                    contact_phone=onboarding.contact_phone,
                    time_zone=onboarding.time_zone,
                ),
                timeout=CALL_TIMEOUT_SECONDS,
            )
        except grpc.RpcError as error:
            raise _failure("enrollment", shared, error) from None
        try:
            added = identity_pb2_grpc.IdentityServiceStub(identity_channel).CreateStaffMember(
                identity_pb2.CreateStaffMemberRequest(
                    idempotency_key=f"practice-onboarding:{onboarding.key}:first-administrator",
                    practice_id=made.practice.practice_id,
                    user_id=onboarding.admin_user_id,
                    password=password,
                    first_name=onboarding.admin_first_name,
                    last_name=onboarding.admin_last_name,
                    role=identity_pb2.STAFF_ROLE_ADMINISTRATOR,
                ),
                timeout=CALL_TIMEOUT_SECONDS,
            )
        except grpc.RpcError as error:
            failure = _failure("identity", shared, error)
            raise OnboardingFailed(
                f"{failure} The practice exists (ID {made.practice.practice_id}); run this "
                f"again with --key {onboarding.key} once that is fixed, and its first "
                "administrator is added to it."
            ) from None
    return Onboarded(made.practice, made.created, added.staff_member, added.created)


def report(onboarding: Onboarding, done: Onboarded) -> list[str]:
    """What the operator is told: one line for the practice, one for the administrator."""
    earlier = f"already created with --key {onboarding.key}; nothing new"
    practice = done.practice
    admin = done.administrator
    lines = [
        f'Practice "{practice.name}" (ID {practice.practice_id}): '
        + ("created." if done.practice_created else f"{earlier}.")
    ]
    if done.administrator_created:
        outcome = (
            "created; at first sign-in they change this initial password, then set up an "
            "authenticator app."
        )
    else:
        outcome = f"{earlier}."
        if admin.user_id.casefold() != onboarding.admin_user_id.casefold():
            outcome += f" (--admin-user-id {onboarding.admin_user_id} was not used.)"
    lines.append(f"First administrator {admin.user_id} (staff ID {admin.staff_id}): {outcome}")
    return lines


def _key(value: str) -> str:
    if not KEY.match(value):
        raise argparse.ArgumentTypeError(
            "use 1 to 60 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return value


def parser() -> argparse.ArgumentParser:
    """The command line: `create` and its options."""
    command_line = argparse.ArgumentParser(
        prog="python -m services.common.practices", description=__doc__.splitlines()[0]
    )
    commands = command_line.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create",
        help="create a practice and its first administrator (idempotent per --key)",
        description=f"The initial password is read from {PASSWORD_VARIABLE}, or from standard "
        "input with --password-stdin; never from the command line.",
    )
    create.add_argument(
        "--key",
        required=True,
        type=_key,
        help="a stable name of this onboarding, e.g. the practice's short name; running again "
        "with the same key creates nothing new",
    )
    create.add_argument("--name", required=True, help="the practice's name, shown to patients")
    create.add_argument("--phone", required=True, help="the phone number patients call")
    create.add_argument("--time-zone", required=True, help="IANA name, e.g. America/Chicago")
    create.add_argument("--admin-user-id", required=True, help="the administrator's user ID")
    create.add_argument("--admin-first-name", required=True)
    create.add_argument("--admin-last-name", required=True)
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the initial password from standard input instead of {PASSWORD_VARIABLE}",
    )
    return command_line


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return os.environ.get(PASSWORD_VARIABLE, "")


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    password = _password(args.password_stdin)
    if not password:
        print(
            f"Give the first administrator's initial password in {PASSWORD_VARIABLE} (from a "
            "secret) or on standard input with --password-stdin; never on the command line.",
            file=sys.stderr,
        )
        sys.exit(EXIT_USAGE)
    onboarding = Onboarding(
        key=args.key,
        name=args.name,
        contact_phone=args.phone,
        time_zone=args.time_zone,
        admin_user_id=args.admin_user_id,
        admin_first_name=args.admin_first_name,
        admin_last_name=args.admin_last_name,
    )
    try:
        done = onboard(Settings(), onboarding, password)  # type: ignore[call-arg]
    except OnboardingFailed as failure:
        print(failure, file=sys.stderr)
        sys.exit(EXIT_REFUSED)
    print(*report(onboarding, done), sep="\n")


if __name__ == "__main__":
    main()
