"""What a posted form holds, read the same way on every page: the CSRF token checked first,
text fields stripped, a date of birth from its three boxes."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request

from web.security import check_csrf


@dataclass(frozen=True)
class Posted:
    """A checked form."""

    data: FormData

    def text(self, name: str) -> str:
        return str(self.data.get(name, "")).strip()

    def secret(self, name: str) -> str:
        """A password as typed: surrounding space is part of it."""
        return str(self.data.get(name, ""))

    def checked(self, name: str) -> bool:
        return self.data.get(name) == "yes"

    def date_parts(self, name: str) -> dict[str, str]:
        """The three boxes of a date, as typed (to show them again)."""
        return {part: self.text(f"{name}-{part}") for part in ("month", "day", "year")}

    def date(self, name: str) -> str:
        """The date as YYYY-MM-DD when the boxes hold numbers, else what was typed, which the
        API refuses naming the field."""
        parts = self.date_parts(name)
        if all(value.isdigit() for value in parts.values()):
            return f"{int(parts['year']):04d}-{int(parts['month']):02d}-{int(parts['day']):02d}"
        return "-".join(parts[part] for part in ("year", "month", "day"))


async def posted(request: Request) -> Posted:
    """The form, once its CSRF token is checked (CsrfRefused otherwise)."""
    await check_csrf(request)
    return Posted(await request.form())
