"""The authorisation matrix: every route of the real app × every caller, against the table below.

``ROUTES`` declares, for each route the app serves (API, web console, documentation, static
files), who may use it and the request the test sends. A route the app serves that the table
does not list fails :func:`test_every_route_is_classified`, so no endpoint ships unclassified;
an entry for a route that no longer exists fails it too.

Callers: no key, a malformed key, a well-formed unknown key, a revoked key, and one key per role
(``csms``, ``technician``, ``admin``). Each reaches API routes with ``Authorization: Bearer``, and
with the console's ``cm_key`` cookie with and without ``X-CSRF-Token``; console pages with the
cookie (a Bearer header means nothing to a page). Statuses are exact: 401 for no, wrong or revoked
keys; 403 for a role the route does not admit and for a cookie-only change without the CSRF
token; anything but 401/403 (and no 5xx, no login redirect) where the caller is admitted. Console
pages answer a redirect to the login page instead, with ``reason=expired`` for a wrong or revoked
key and ``reason=role`` for a CSMS key. Rate limits are switched off here (``tests/test_limits.py``
covers them): the matrix sends hundreds of requests, many with wrong keys, from one address.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import numpy as np
import pytest
from fastapi.routing import iter_route_contexts
from sqlmodel import select
from starlette.routing import Mount

from app.api.deps import csrf_token
from app.main import create_app
from app.settings import Settings
from app.store.db import session_scope
from app.store.keys import ROLES, create_key, revoke_key
from app.store.models import Event
from knowledge.embed import MODEL_ID
from knowledge.search import Searcher
from knowledge.store import KnowledgeStore, open_client


@dataclass(frozen=True)
class Access:
    name: str
    roles: frozenset[str]
    """Roles admitted; empty for a public route."""
    page: bool = False
    """A web-console page: cookie only, a refusal is a redirect to the login page."""


PUBLIC = Access("public", frozenset())
ANY_KEY = Access("any key", frozenset(ROLES))
CSMS = Access("csms", frozenset({"csms", "admin"}))
READER = Access("technician", frozenset({"technician", "admin"}))
PAGE = Access("console page", frozenset({"technician", "admin"}), page=True)
LOGIN = Access("login form", frozenset({"technician", "admin"}))


@dataclass(frozen=True)
class Probe:
    access: Access
    path: str
    body: dict | None = None
    also_served: int | None = None
    """A status above 499 that is this route's own answer, not a failure."""


EVENT = {
    "event_id": "authz-1",
    "charger_id": "CP-AUTHZ",
    "ocpp_version": "1.6",
    "status_notification": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
}
ROUTES: dict[tuple[str, str], Probe] = {
    # probes, API documentation, static files, login
    ("GET", "/healthz"): Probe(PUBLIC, "/healthz"),
    ("GET", "/readyz"): Probe(PUBLIC, "/readyz", also_served=503),  # the knowledge store is empty
    ("GET", "/openapi.json"): Probe(PUBLIC, "/openapi.json"),
    ("GET", "/docs"): Probe(PUBLIC, "/docs"),
    ("GET", "/docs/oauth2-redirect"): Probe(PUBLIC, "/docs/oauth2-redirect"),
    ("GET", "/redoc"): Probe(PUBLIC, "/redoc"),
    ("MOUNT", "/static"): Probe(PUBLIC, "/static/console.css"),
    ("GET", "/login"): Probe(PUBLIC, "/login"),
    ("POST", "/login"): Probe(LOGIN, "/login"),
    ("POST", "/logout"): Probe(PUBLIC, "/logout"),
    # metrics: any role's key (unless CHARGEMEDIC_METRICS_PUBLIC)
    ("GET", "/metrics"): Probe(ANY_KEY, "/metrics"),
    # the CSMS's intake
    ("POST", "/v1/events"): Probe(CSMS, "/v1/events", EVENT),
    # technicians' API
    ("GET", "/v1/events/{event_id}"): Probe(READER, "/v1/events/1"),
    ("GET", "/v1/faults"): Probe(READER, "/v1/faults"),
    ("GET", "/v1/faults/stream"): Probe(READER, "/v1/faults/stream"),
    ("GET", "/v1/faults/{fault_id}"): Probe(READER, "/v1/faults/1"),
    ("GET", "/v1/chargers"): Probe(READER, "/v1/chargers"),
    ("GET", "/v1/chargers/{charger_id}"): Probe(READER, "/v1/chargers/CP-AUTHZ"),
    ("GET", "/v1/approvals"): Probe(READER, "/v1/approvals"),
    ("POST", "/v1/approvals/{decision_id}/approve"): Probe(
        READER, "/v1/approvals/1/approve", {"comment": "ok"}
    ),
    ("POST", "/v1/approvals/{decision_id}/reject"): Probe(
        READER, "/v1/approvals/1/reject", {"comment": "no"}
    ),
    ("GET", "/v1/escalations"): Probe(READER, "/v1/escalations"),
    ("GET", "/v1/escalations/{escalation_id}"): Probe(READER, "/v1/escalations/1"),
    ("POST", "/v1/escalations/{escalation_id}/acknowledge"): Probe(
        READER, "/v1/escalations/1/acknowledge", {"comment": "on my way"}
    ),
    ("POST", "/v1/escalations/{escalation_id}/resolve"): Probe(
        READER, "/v1/escalations/1/resolve", {"note": "cable replaced"}
    ),
    ("POST", "/v1/escalations/{escalation_id}/redeliver"): Probe(READER, "/v1/escalations/1/redeliver"),
    ("GET", "/v1/knowledge/search"): Probe(READER, "/v1/knowledge/search?q=rcd+trips"),
    ("GET", "/v1/knowledge/codes"): Probe(READER, "/v1/knowledge/codes?code=E-06"),
    ("GET", "/v1/knowledge/coverage"): Probe(READER, "/v1/knowledge/coverage"),
    ("POST", "/v1/chat"): Probe(READER, "/v1/chat", {"question": "How do I reset the charger?"}),
    # web-console pages
    ("GET", "/"): Probe(PAGE, "/"),
    ("GET", "/faults/{fault_id}"): Probe(PAGE, "/faults/1"),
    ("GET", "/approvals"): Probe(PAGE, "/approvals"),
    ("GET", "/chargers"): Probe(PAGE, "/chargers"),
    ("GET", "/chargers/{charger_id}"): Probe(PAGE, "/chargers/CP-AUTHZ"),
    ("GET", "/escalations"): Probe(PAGE, "/escalations"),
    ("GET", "/chat"): Probe(PAGE, "/chat"),
    ("GET", "/documents/{source:path}"): Probe(PAGE, "/documents/acme/manual.pdf?page=1"),
    ("GET", "/documents/{source:path}/raw"): Probe(PAGE, "/documents/acme/manual.pdf/raw"),
}
UNKNOWN_KEY = "cm_000000000000_" + "x" * 43
MALFORMED_KEY = "not-an-api-key"
NO_KEY_CALLERS = ("no key", "malformed key", "unknown key", "revoked key")
SERVED = "served"
"""Not refused: any status but 401, 403, 429, 5xx and a redirect to the login page."""


def app_routes(app) -> set[tuple[str, str]]:
    """``(method, path)`` of everything ``app`` answers (``MOUNT`` for a mounted app; HEAD,
    which Starlette adds to every GET it serves itself, is not listed apart)."""
    found = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            found.add(("MOUNT", context.path))
            continue
        found |= {(method, context.path) for method in (context.methods or ()) if method != "HEAD"}
    return found


def test_every_route_is_classified(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", workers=0, gateway=False))
    served = app_routes(app)
    unclassified = sorted(served - set(ROUTES))
    stale = sorted(set(ROUTES) - served)
    assert not unclassified, f"routes missing from the access table in {__file__}: {unclassified}"
    assert not stale, f"the access table lists routes the app does not serve: {stale}"


# ---- the matrix -------------------------------------------------------------------------------------
@pytest.fixture
def callers(engine) -> dict[str, str | None]:
    """Every caller's key (``None``: no key), including a key revoked before it was ever used."""
    with session_scope(engine) as session:
        made = {role: create_key(session, role=role, name=f"authz-{role}")[1] for role in ROLES}
        revoked_row, revoked = create_key(session, role="admin", name="authz-revoked")
        session.flush()
        revoke_key(session, key_id=revoked_row.id)
    return {
        "no key": None,
        "malformed key": MALFORMED_KEY,
        "unknown key": UNKNOWN_KEY,
        "revoked key": revoked,
        **made,
    }


@pytest.fixture
async def client(engine, tmp_path):
    """The real app (its lifespan running) on ``engine``, an empty knowledge store, no limits."""
    settings = Settings(
        data_dir=tmp_path / "data",
        workers=0,
        gateway=False,
        corpus_dirs=[tmp_path / "corpus"],
        console_feed_max_seconds=0.2,
        rate_limit_per_minute=0,
        rate_limit_csms_per_minute=0,
        auth_failures_per_minute=0,
    )
    store = KnowledgeStore(open_client(path=tmp_path / "chroma"), MODEL_ID)
    searcher = Searcher(store, lambda texts: np.zeros((len(texts), 384)), refresh_seconds=0)
    app = create_app(settings, engine=engine, searcher=searcher, processor=lambda job: None)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


def expected(probe: Probe, method: str, caller: str, transport: str) -> int | str:
    """The status ``caller`` must get (an int), or :data:`SERVED`; for a console page a refusal
    is ``"login"``, ``"login?reason=expired"`` or ``"login?reason=role"`` (a 303 there)."""
    access = probe.access
    if access is PUBLIC:
        return SERVED
    if access is LOGIN:
        if caller in NO_KEY_CALLERS:
            return 401
        return 303 if caller in access.roles else 403
    if access.page:
        if transport == "bearer" or caller == "no key":
            return "login"
        if caller in NO_KEY_CALLERS:
            return "login?reason=expired"
        return SERVED if caller in access.roles else "login?reason=role"
    if caller in NO_KEY_CALLERS:
        return 401
    if transport == "cookie without csrf" and method != "GET":
        return 403
    return SERVED if caller in access.roles else 403


def transports(probe: Probe) -> tuple[str, ...]:
    if probe.access is LOGIN:
        return ("form",)
    if probe.access.page or probe.access is PUBLIC:
        return ("bearer", "cookie")
    return ("bearer", "cookie", "cookie without csrf")


async def call(http: httpx.AsyncClient, method: str, probe: Probe, key: str | None, transport: str):
    http.cookies.clear()  # a login's Set-Cookie must not carry over to the next caller
    headers: dict[str, str] = {}
    if transport == "form":
        form = {"api_key": key or "", "next": "/"}
        return await http.post(probe.path, data=form)
    if key is not None and transport == "bearer":
        headers["Authorization"] = f"Bearer {key}"
    elif key is not None:
        headers["Cookie"] = f"cm_key={key}"
        if transport == "cookie":
            headers["X-CSRF-Token"] = csrf_token(key)
    return await http.request(method, probe.path, json=probe.body, headers=headers)


def verdict(response: httpx.Response, access: Access) -> int | str:
    """What the answer amounts to, in the terms of :func:`expected` (a console page's redirect
    to the login page is its refusal; logging out also ends there, and is not one)."""
    status, location = response.status_code, response.headers.get("location", "")
    if access.page and status == 303 and location.startswith("/login"):
        reason = next((part for part in location.split("&") if part.startswith("reason=")), "")
        return f"login?{reason}" if reason else "login"
    if status in (401, 403, 429) or status >= 500:
        return status
    return SERVED


async def test_the_authorisation_matrix(client, callers):
    wrong = []
    cells = 0
    for (method, pattern), probe in ROUTES.items():
        method = "GET" if method == "MOUNT" else method
        for caller, key in callers.items():
            for transport in transports(probe):
                want = expected(probe, method, caller, transport)
                response = await call(client, method, probe, key, transport)
                got = verdict(response, probe.access)
                if got == probe.also_served:
                    got = SERVED
                elif probe.access is LOGIN and got == SERVED:
                    got = response.status_code
                cells += 1
                if got != want:
                    wrong.append(f"{method} {pattern} as {caller} by {transport}: want {want}, got {got}")
    print(f"authorisation matrix: {len(ROUTES)} routes, {cells} cells checked")
    assert not wrong, "\n".join(wrong)


async def test_a_cookie_alone_changes_nothing_and_a_foreign_csrf_token_does_not_help(client, callers, engine):
    """The CSMS's intake by cookie: without the CSRF header, or with the token of another key,
    403 and nothing is stored; with its own token the event is accepted."""
    key = callers["csms"]
    for token in (None, csrf_token(callers["admin"]), "0" * 64):
        headers = {"Cookie": f"cm_key={key}"} | ({"X-CSRF-Token": token} if token else {})
        refused = await client.post("/v1/events", json=EVENT, headers=headers)
        assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["message"]
    with session_scope(engine) as session:
        assert session.exec(select(Event)).all() == []
    headers = {"Cookie": f"cm_key={key}", "X-CSRF-Token": csrf_token(key)}
    assert (await client.post("/v1/events", json=EVENT, headers=headers)).status_code == 202


async def test_a_bearer_header_wins_over_the_cookie(client, callers):
    """With both, the header decides: a technician's cookie cannot lend its role to a CSMS
    header, and a wrong header is not rescued by a valid cookie."""
    technician_cookie = {"Cookie": f"cm_key={callers['technician']}"}
    as_csms = await client.get(
        "/v1/faults", headers=technician_cookie | {"Authorization": f"Bearer {callers['csms']}"}
    )
    assert as_csms.status_code == 403
    wrong = await client.get(
        "/v1/faults", headers=technician_cookie | {"Authorization": f"Bearer {UNKNOWN_KEY}"}
    )
    assert wrong.status_code == 401


def test_the_table_covers_each_access_class_and_role():
    """The matrix is only as good as its table: every access class is used, and every role is
    both admitted and refused somewhere."""
    used = {probe.access for probe in ROUTES.values()}
    assert used == {PUBLIC, ANY_KEY, CSMS, READER, PAGE, LOGIN}
    for role in ROLES:
        admitted = [p for p in ROUTES.values() if role in p.access.roles]
        refused = [p for p in ROUTES.values() if p.access.roles and role not in p.access.roles]
        assert admitted and (refused or role == "admin"), role


def test_public_routes_are_documentation_probes_and_assets_never_data():
    public = sorted(path for (_, path), probe in ROUTES.items() if probe.access is PUBLIC)
    assert all(not path.startswith("/v1/") for path in public), public
