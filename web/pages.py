"""Rendering a page: the template in the person's language, with what every page shows (the
language switch, whether someone is signed in, whose record a proxy is in, the form token), and
the security cookies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from web import acting, cookies, i18n
from web.security import CSRF_FIELD, csrf_token, keep_csrf_token

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class FormErrors:
    """What is wrong with a form: a message for the whole of it, and one per field (by the
    field's name, which is also its input's id)."""

    message: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.message or self.fields)


def language_of(request: Request) -> str:
    """The language chosen with the switch (remembered), else the browser's."""
    chosen = request.cookies.get(cookies.LANGUAGE, "")
    if chosen in i18n.LANGUAGES:
        return chosen
    return i18n.from_accept_language(request.headers.get("accept-language", ""))


def gettext(request: Request, message: str, **values: Any) -> str:
    """`message` in the request's language, with `values` put in (`%(name)s`)."""
    translated = i18n.translations(language_of(request)).gettext(message)
    return translated % values if values else translated


class Pages:
    """One Jinja environment per language (autoescaped; gettext installed new-style)."""

    def __init__(self) -> None:
        self._environments = {language: self._environment(language) for language in i18n.LANGUAGES}

    @staticmethod
    def _environment(language: str) -> Environment:
        environment = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        translations = i18n.translations(language)
        environment.install_gettext_callables(  # type: ignore[attr-defined]
            translations.gettext, translations.ngettext, newstyle=True
        )
        return environment

    def render(
        self,
        request: Request,
        template: str,
        *,
        status: int = 200,
        errors: FormErrors | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """The page; with `errors`, the form's summary and each field's message."""
        language = language_of(request)
        html = (
            self._environments[language]
            .get_template(template)
            .render(
                lang=language,
                languages=i18n.LANGUAGES,
                path=request.url.path,
                query=request.url.query,
                csrf_field=CSRF_FIELD,
                csrf_token=csrf_token(request),
                signed_in=bool(request.cookies.get(cookies.SESSION)),
                acting=acting.shown(request),
                errors=errors or FormErrors(),
                **context,
            )
        )
        response = HTMLResponse(html, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        keep_csrf_token(request, response)
        return response
