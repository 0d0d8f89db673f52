"""The pages' application: routes, static files, security headers, the language switch, and
what happens when a form comes from elsewhere or a session ends."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from web import cookies, i18n
from web.api import Api, ApiProblem, TransportFor
from web.pages import Pages
from web.routes import (
    account,
    account_activity,
    account_authenticator,
    account_contacts,
    account_credentials,
    account_devices,
    account_email_first,
    account_notifications,
    account_questions,
    forgot_password,
    forgot_username,
    home,
    proxies,
    proxy_account,
    proxy_invitation,
    proxy_invitation_sign_in,
    proxy_rights,
    records,
    reset_information,
    reset_link,
    reset_questions,
    reset_token,
    sign_in,
)
from web.security import CsrfRefused, SecurityHeaders
from web.session import ActionRequired, SignInNeeded

STATIC = Path(__file__).parent / "static"


def create_app(transport_for: TransportFor) -> FastAPI:
    """The pages, calling the API through `transport_for` (see `web.api`)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.api = Api(transport_for)
    app.state.pages = Pages()
    app.add_middleware(BaseHTTPMiddleware, dispatch=_language_switch)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (
        sign_in.router,
        home.router,
        forgot_username.router,
        forgot_password.router,
        reset_link.router,
        reset_questions.router,
        reset_token.router,
        reset_information.router,
        account_email_first.router,
        records.router,
        proxy_rights.router,
        proxies.router,
        proxy_invitation.router,
        proxy_invitation_sign_in.router,
        proxy_account.router,
        account.router,
        account_credentials.router,
        account_questions.router,
        account_contacts.router,
        account_authenticator.router,
        account_devices.router,
        account_notifications.router,
        account_activity.router,
    ):
        app.include_router(router)
    app.add_exception_handler(SignInNeeded, _sign_in_again)  # type: ignore[arg-type]
    app.add_exception_handler(ActionRequired, _action_first)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, _form_refused)  # type: ignore[arg-type]
    app.add_exception_handler(ApiProblem, _api_unavailable)  # type: ignore[arg-type]
    return app


async def _language_switch(request: Request, call_next: RequestResponseEndpoint) -> Response:
    """`?lang=es` on any page: remembers the choice and shows the same page in it (W3)."""
    chosen = request.query_params.get("lang", "")
    if request.method != "GET" or chosen not in i18n.LANGUAGES:
        return await call_next(request)
    response = RedirectResponse(request.url.path, status_code=303)
    cookies.put(response, cookies.LANGUAGE, chosen, max_age=cookies.LANGUAGE_SECONDS)
    return response


def _sign_in_again(request: Request, error: SignInNeeded) -> Response:
    target = "/sign-in"
    if error.next_path and error.next_path.startswith("/") and error.next_path != "/sign-in":
        target += f"?next={quote(error.next_path)}"
    response = RedirectResponse(target, status_code=303)
    cookies.drop(response, cookies.SESSION)
    return response


def _action_first(request: Request, error: ActionRequired) -> Response:
    return RedirectResponse(error.page, status_code=303)


def _form_refused(request: Request, error: CsrfRefused) -> Response:
    pages: Pages = request.app.state.pages
    return pages.render(request, "form_refused.html", status=403)


def _api_unavailable(request: Request, problem: ApiProblem) -> Response:
    """A problem no page expected: the person is told plainly, with a way on."""
    pages: Pages = request.app.state.pages
    return pages.render(request, "problem.html", status=problem.status, problem=problem)
