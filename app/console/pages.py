"""Rendering a console page with what every page shows: the user, the CSRF token for the page's
script, and in the navigation how many approvals and escalations are waiting."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine
from starlette.responses import Response

from app.console import views
from app.console.session import ConsoleUser
from app.store import console
from app.store.db import read_scope
from app.store.models import utcnow


def page(
    request: Request,
    user: ConsoleUser | None,
    engine: Engine | None,
    name: str,
    context: dict,
    status: int = 200,
) -> Response:
    counts = {}
    if user is not None and engine is not None:
        with read_scope(engine) as session:
            counts = console.attention_counts(session, now=utcnow())
    common = {"user": user, "csrf": user.csrf if user else "", "counts": counts}
    return views.render(request.app.state.console_templates, request, name, common | context, status)


def not_found(request: Request, user: ConsoleUser, engine: Engine, message: str) -> Response:
    return page(request, user, engine, "error.html", {"title": "Not found", "message": message}, 404)
