"""The operations guide's configuration reference names every setting the processes read, so
a platform engineer never needs the code to find one."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from gateway.settings import GatewaySettings
from services.common.settings import ServiceSettings, Settings
from services.enrollment.settings import EnrollmentSettings
from services.identity.settings import IdentitySettings
from services.notify.settings import NotifySettings
from services.proxy.settings import ProxySettings

GUIDE = Path(__file__).resolve().parents[2] / "deploy" / "README.md"


def _reference() -> str:
    text = GUIDE.read_text()
    return text[text.index("## Configuration reference") :]


def _variables(settings: type[BaseSettings], prefix: str) -> list[str]:
    names = []
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        names.append(str(choices[-1]) if choices else f"{prefix}{name.upper()}")
    return names


SETTINGS = [
    *_variables(Settings, "VESTIBULE_"),
    *[
        name
        for name in _variables(ServiceSettings, "VESTIBULE_<SERVICE>_")
        if not name.endswith("_NAME")
    ],
    *_variables(IdentitySettings, "VESTIBULE_IDENTITY_"),
    *_variables(EnrollmentSettings, "VESTIBULE_ENROLLMENT_"),
    *_variables(ProxySettings, "VESTIBULE_PROXY_"),
    *_variables(NotifySettings, "VESTIBULE_NOTIFY_"),
    *_variables(GatewaySettings, "VESTIBULE_GATEWAY_"),
]


@pytest.mark.parametrize("variable", SETTINGS)
def test_every_setting_is_in_the_configuration_reference(variable):
    # One row covers every service's address: VESTIBULE_<SERVICE>_ADDRESS.
    generic = variable.replace("IDENTITY_ADDRESS", "<SERVICE>_ADDRESS")
    for service in ("ENROLLMENT", "PROXY", "NOTIFY"):
        generic = generic.replace(f"{service}_ADDRESS", "<SERVICE>_ADDRESS")
    assert f"`{generic}`" in _reference()
