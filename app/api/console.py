"""The web console: server-rendered pages over the same data and API keys as the JSON API.

Pages only read. Every change (approve, reject, acknowledge, resolve, chat) is made by the page's
script through the JSON API, authenticated by the login cookie plus the CSRF header (see
:mod:`app.api.deps`). Login is the one form handled here: it checks the key and sets the cookie.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from app.api import chargers, documents
from app.api.deps import SESSION_COOKIE, EngineDep, SettingsDep
from app.api.feed import FeedFault
from app.console import views
from app.console.pages import not_found, page
from app.console.session import CONSOLE_ROLES, LoginRequired, User, local_path, redirect_to_login
from app.escalation import tickets
from app.guard.approvals import effective_state, list_approvals
from app.intake.limits import INT32_MAX, NO_NUL
from app.store import console, queries
from app.store.db import read_scope
from app.store.models import utcnow

router = APIRouter(include_in_schema=False)
MAX_FORM_BYTES = 8192
REASONS = {
    "expired": "Your session has ended: the key was revoked or is no longer valid. Log in again.",
    "role": "This key's role may not use the console. Log in with a technician or admin key.",
}


def install(app: FastAPI) -> None:
    """Serve the console on ``app``: its pages, the document viewer and ``/static``."""
    app.state.console_templates = views.templates()
    app.add_exception_handler(LoginRequired, redirect_to_login)
    app.include_router(router)
    app.include_router(documents.router)
    app.mount("/static", StaticFiles(directory=views.STATIC), name="static")


# ---- login -----------------------------------------------------------------------------------
@router.get("/login")
def login_form(
    request: Request,
    settings: SettingsDep,
    next: Annotated[str, Query(max_length=2000)] = "/",
    reason: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    context = {"next": local_path(next), "message": REASONS.get(reason, "")}
    return page(request, None, None, "login.html", context | _login_facts(settings))


@router.post("/login")
async def login(request: Request, settings: SettingsDep) -> Response:
    """Check the key; on success set the ``cm_key`` cookie and go to ``next``."""
    form = await _form(request)
    key, target = form.get("api_key", "").strip(), local_path(form.get("next"))
    found = await request.app.state.keys.principal(key) if 0 < len(key) <= 500 else None
    if found is None:
        message = "That API key is not valid or has been revoked." if key else "Enter your API key."
        context = {"next": target, "message": message} | _login_facts(settings)
        return page(request, None, None, "login.html", context, 401)
    if found.role not in CONSOLE_ROLES:
        message = f"A '{found.role}' key cannot use the console: log in with a technician or admin key."
        context = {"next": target, "message": message} | _login_facts(settings)
        return page(request, None, None, "login.html", context, 403)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        key,
        max_age=int(settings.console_session_hours * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _login_facts(settings) -> dict:
    return {"session_hours": f"{settings.console_session_hours:g}"}


async def _form(request: Request) -> dict[str, str]:
    """A small ``application/x-www-form-urlencoded`` body as a dict (first value of each field)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415, "send the login form as application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "login form too large")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=10)
    return {name: values[0] for name, values in fields.items()}


# ---- pages -----------------------------------------------------------------------------------
@router.get("/")
def dashboard(request: Request, user: User, engine: EngineDep) -> Response:
    with read_scope(engine) as session:
        faults = console.recently_changed(session, limit=50)
        decisions = console.latest_decisions(session, fault_ids=[f.id for f in faults])
    rows = [FeedFault.of(f, decisions.get(f.id)) for f in faults]
    # The feed starts where this page's rows end (from the start when there are none), so a
    # change made between rendering and connecting is not missed.
    since = rows[0].updated_at.isoformat().replace("+00:00", "Z") if rows else "1970-01-01T00:00:00Z"
    return page(request, user, engine, "dashboard.html", {"rows": rows, "since": since, "nav": "feed"})


@router.get("/faults/{fault_id}")
def fault_page(
    request: Request, fault_id: Annotated[int, Path(ge=1, le=INT32_MAX)], user: User, engine: EngineDep
) -> Response:
    with read_scope(engine) as session:
        detail = queries.fault_detail(session, fault_id=fault_id)
        charger = queries.get_charger(session, charger_id=detail["fault"].charger_id) if detail else None
    if detail is None:
        return not_found(request, user, engine, f"There is no fault {fault_id}.")
    now = utcnow()
    decisions = [(d, effective_state(d, now)) for d in detail["decisions"]]
    diagnosed = [d for d in detail["decisions"] if d.diagnosis.get("summary")]
    context = detail | {
        "charger": charger,
        "decisions": decisions,
        "diagnosis": diagnosed[-1].diagnosis if diagnosed else None,
        "nav": "feed",
    }
    return page(request, user, engine, "fault.html", context)


@router.get("/approvals")
def approvals_page(
    request: Request,
    user: User,
    engine: EngineDep,
    state: Literal["pending", "approved", "rejected", "expired"] = "pending",
) -> Response:
    now = utcnow()
    with read_scope(engine) as session:
        rows = list_approvals(session, state=state, now=now)
        faults = console.faults_by_id(session, fault_ids=[r.fault_id for r in rows])
    items = [(row, faults[row.fault_id], effective_state(row, now)) for row in rows]
    context = {"items": items, "state": state, "nav": "approvals"}
    return page(request, user, engine, "approvals.html", context)


@router.get("/chargers")
def chargers_page(
    request: Request,
    user: User,
    engine: EngineDep,
    after: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
) -> Response:
    listed = chargers.list_chargers(user.principal, engine, None, after, None, 100)
    with read_scope(engine) as session:
        open_counts = console.open_fault_counts(session, charger_ids=[c.id for c in listed.items])
    context = {"listed": listed, "open_counts": open_counts, "nav": "chargers"}
    return page(request, user, engine, "chargers.html", context)


@router.get("/chargers/{charger_id}")
def charger_page(
    request: Request,
    charger_id: Annotated[str, Path(max_length=64, pattern=NO_NUL)],
    user: User,
    engine: EngineDep,
) -> Response:
    try:
        detail = chargers.get_charger(charger_id, user.principal, engine, 50)
    except HTTPException:
        return not_found(request, user, engine, f"There is no charger {charger_id!r}.")
    return page(request, user, engine, "charger.html", {"detail": detail, "nav": "chargers"})


@router.get("/escalations")
def escalations_page(
    request: Request,
    user: User,
    engine: EngineDep,
    state: Literal["active", "resolved", "all"] = "active",
) -> Response:
    states = {"active": tickets.ACTIVE, "resolved": (tickets.RESOLVED,), "all": ()}[state]
    with read_scope(engine) as session:
        rows = tickets.list_escalations(session, states=states, limit=200)
        faults = console.faults_by_id(session, fault_ids=[row.fault_id for row in rows])
    context = {"rows": rows, "faults": faults, "now": utcnow(), "state": state, "nav": "escalations"}
    return page(request, user, engine, "escalations.html", context)


@router.get("/chat")
def chat_page(
    request: Request,
    user: User,
    engine: EngineDep,
    charger_id: Annotated[str, Query(max_length=64, pattern=NO_NUL)] = "",
    vendor: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
    model: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
) -> Response:
    if charger_id and not (vendor or model):
        with read_scope(engine) as session:
            charger = queries.get_charger(session, charger_id=charger_id)
        if charger is not None:
            vendor, model = charger.vendor or "", charger.model or ""
    context = {"charger_id": charger_id, "vendor": vendor, "model": model, "nav": "chat"}
    return page(request, user, engine, "chat.html", context)
