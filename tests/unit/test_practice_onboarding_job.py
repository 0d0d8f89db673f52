"""The Kubernetes Job of deploy/k8s/practice-onboarding runs the onboarding command as it must
be run (E14): arguments the command accepts, the password from a Secret, mutual TLS."""

from __future__ import annotations

from services.common import practices
from tests.unit.test_network_policies import ONBOARDING, render


def _container() -> dict:
    (job,) = [item for item in render(ONBOARDING) if item["kind"] == "Job"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    return container


# rule E14
def test_the_job_runs_the_create_command_with_arguments_it_accepts_E14():
    command = _container()["command"]
    assert command[:3] == ["python", "-m", "services.common.practices"]
    args = practices.parser().parse_args(command[3:])
    assert (args.command, args.key, args.password_stdin) == ("create", "lakeside", False)


# rule E14, X1
def test_the_job_takes_the_password_from_a_secret_and_calls_over_mutual_tls_E14_X1():
    variables = {variable["name"]: variable for variable in _container()["env"]}
    secret = variables[practices.PASSWORD_VARIABLE]["valueFrom"]["secretKeyRef"]
    assert secret == {"name": "practice-onboarding", "key": "first-admin-password"}
    assert {"VESTIBULE_IDENTITY_ADDRESS", "VESTIBULE_ENROLLMENT_ADDRESS"} <= set(variables)
    assert {"VESTIBULE_TLS_CERT_FILE", "VESTIBULE_TLS_KEY_FILE", "VESTIBULE_TLS_CA_FILE"} <= set(
        variables
    )
