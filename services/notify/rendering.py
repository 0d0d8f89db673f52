"""Renders notification templates from the files in `templates/` (HTML autoescaped), each
email inside the shared layout (`_layout.html`, `_layout.txt`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notify.domain import LAYOUT_PARAMETERS, TEMPLATE_PARAMETERS, Template

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
    undefined name raises, so a template never goes out with a silent gap. The layout's header
    and footer show the branding parameters, else the template's `practice_name` and
    `practice_phone`.
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
        blanks = TEMPLATE_PARAMETERS[template].optional | LAYOUT_PARAMETERS
        context = dict.fromkeys(blanks, "") | dict(parameters)
        context["brand_name"] = context["brand_name"] or context.get("practice_name", "")
        context["brand_phone"] = context["brand_phone"] or context.get("practice_phone", "")
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
