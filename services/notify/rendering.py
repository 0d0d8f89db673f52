"""Renders notification templates from the files in `templates/` (HTML autoescaped)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notify.domain import TEMPLATE_PARAMETERS, Template

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Email:
    """A rendered email: one-line subject, plain text and HTML bodies."""

    subject: str
    text: str
    html: str


class Renderer:
    """Renders `templates/<template>/{subject.txt, email.txt, email.html, sms.txt}`.

    Optional parameters not given render as blank (test them with `{% if name %}`); any other
    undefined name raises, so a template never goes out with a silent gap.
    """

    def __init__(self, folder: Path = TEMPLATES_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def _render(self, template: Template, part: str, parameters: Mapping[str, str]) -> str:
        context = dict.fromkeys(TEMPLATE_PARAMETERS[template].optional, "") | dict(parameters)
        return self._env.get_template(f"{template}/{part}").render(context)

    def email(self, template: Template, parameters: Mapping[str, str]) -> Email:
        """The email for `template`; the subject is folded onto one line."""
        subject = " ".join(self._render(template, "subject.txt", parameters).split())
        return Email(
            subject=subject,
            text=self._render(template, "email.txt", parameters),
            html=self._render(template, "email.html", parameters),
        )

    def sms(self, template: Template, parameters: Mapping[str, str]) -> str:
        """The text message for `template`, on one line."""
        return " ".join(self._render(template, "sms.txt", parameters).split())
