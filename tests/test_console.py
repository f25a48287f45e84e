"""The web console through the ASGI interface: login and the session cookie, CSRF on changes made
with the cookie, the pages (with hostile charger text escaped), the document viewer's confinement
to the knowledge base, and the live fault feed (server-sent events) with resumption."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import uuid
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlmodel import select

from app.agent.state import Cited, Diagnosis, FaultClass
from app.api.deps import csrf_token
from app.escalation import escalate
from app.main import create_app
from app.settings import Settings
from app.store import queries
from app.store.db import session_scope
from app.store.keys import create_key, revoke_key
from app.store.models import (
    ActionAttempt,
    AuditEntry,
    Charger,
    Decision,
    Escalation,
    Event,
    Fault,
    utcnow,
)
from ingest.loaders import load
from knowledge.schema import Chunk, DocType
from knowledge.search import Searcher
from knowledge.store import FileContent
from tests.conftest import bearer

HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
MANUAL = "acme/dc-50/acme-dc-50-manual.pdf"
TABLE = "acme/ac-22/ac-22-codes.csv"
SNIPPET = "F005 Isolation failure GroundFailure Insulation monitoring measured below 100 Ohm/V"


# ---- fixtures ------------------------------------------------------------------------------------
@pytest.fixture
def library(corpus: Path, store) -> Searcher:
    """A knowledge store holding two documents of the test corpus (the PDF manual and the AC-22
    code table); every other file on disk is unknown to it. Vectors are placeholders: the console
    never searches, so no embedding model is loaded."""
    files = []
    for source in (MANUAL, TABLE):
        path = corpus / source
        chunk = Chunk(
            text=load(path).blocks[0].text,
            source=source,
            title=source,
            vendor="acme",
            doc_type=DocType.manual,
        )
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        files.append(FileContent("test-corpus", source, digest, [chunk], [np.full(384, 0.1)], replaces=False))
    store.replace_files(files)
    return Searcher(store, lambda texts: np.zeros((len(texts), 384)))


@asynccontextmanager
async def console(engine, tmp_path: Path, library: Searcher, *, base_url: str = "http://test", **overrides):
    settings = Settings(
        data_dir=tmp_path / "data",
        workers=0,
        gateway=False,
        corpus_dirs=[tmp_path / "corpus"],
        **overrides,
    )
    app = create_app(settings, engine=engine, searcher=library, processor=lambda job: None)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


def logged_in(client: httpx.AsyncClient, key: str) -> dict[str, str]:
    """Log ``client`` in by cookie (as the login form does); the page's CSRF header."""
    client.cookies.set("cm_key", key)
    return {"X-CSRF-Token": csrf_token(key)}


def seed(engine, charger: str = "CP-T1") -> tuple[int, int]:
    """A diagnosed fault awaiting approval of a hard reset, whose charger sent hostile text, with
    an open escalation ticket; ``(fault id, decision id)``."""
    now = utcnow()
    diagnosis = Diagnosis(
        fault_class=FaultClass.ELECTRICAL_SAFETY,
        summary="Isolation failure during cable check [1].",
        likely_cause="Insulation below 100 Ohm/V [1].",
        remedy="Keep the connector inoperative; measure the cable at 1000 V DC [1] [2].",
        citations=[
            Cited(
                n=1,
                source=MANUAL,
                title="DC-50 Service Manual",
                page=5,
                section="4 Error codes",
                snippet=SNIPPET,
            ),
            Cited(n=2, source=TABLE, title="AC-22 error code table", snippet="Code E-06 — Residual current."),
        ],
        safety=["Isolate the supply before opening the cabinet."],
    )
    with session_scope(engine) as session:
        session.add(Charger(id=charger, vendor="ACME", model="DC50-CCS", site_id="site-t"))
        payload = {
            "status_notification": {"errorCode": "GroundFailure", "vendorErrorCode": "F005", "info": HOSTILE}
        }
        event = queries.add(
            session,
            Event(
                source="test",
                external_id=uuid.uuid4().hex,
                charger_id=charger,
                kind="status_notification",
                ocpp_version="1.6",
                occurred_at=now,
                payload=payload,
            ),
        )
        fault = queries.add(
            session,
            Fault(
                charger_id=charger,
                site_id="site-t",
                event_id=event.id,
                signature="c1:GroundFailure:F005",
                connector_id=1,
                error_code="GroundFailure",
                vendor_error_code="F005",
                info=HOSTILE,
                opened_at=now,
                last_seen_at=now,
                state="awaiting_approval",
                fault_class="electrical_safety",
            ),
        )
        decision = queries.add(
            session,
            Decision(
                fault_id=fault.id,
                action="hard_reset",
                verdict="needs_approval",
                reasons=["needs_approval: policy requires approval for hard_reset"],
                diagnosis=diagnosis.model_dump(mode="json") | {"text": diagnosis.text()},
                reasoner="playbook",
                approval_state="pending",
                approval_expires_at=now + timedelta(hours=1),
            ),
        )
        queries.audit(
            session,
            actor="agent",
            kind="fault.decided",
            fault_id=fault.id,
            charger_id=charger,
            detail={"verdict": "needs_approval", "action": "hard_reset", "note": HOSTILE},
        )
        escalate(session, fault, text=f"Check the cable. Charger said: {HOSTILE}", actor="agent")
        return fault.id, decision.id


def seed_sent(
    engine, charger: str, action: str, outcome: str, fault_class: str, verdict: str = "execute"
) -> int:
    """A fault whose latest decision sent ``action`` and got ``outcome``; the fault's id."""
    now = utcnow()
    with session_scope(engine) as session:
        session.add(Charger(id=charger, vendor="ACME", model="DC50-CCS", site_id="site-t"))
        event = queries.add(
            session,
            Event(
                source="test",
                external_id=uuid.uuid4().hex,
                charger_id=charger,
                kind="status_notification",
                ocpp_version="1.6",
                occurred_at=now,
            ),
        )
        fault = queries.add(
            session,
            Fault(
                charger_id=charger,
                event_id=event.id,
                signature=f"{charger}:GroundFailure",
                connector_id=1,
                error_code="GroundFailure",
                opened_at=now,
                last_seen_at=now,
                state="escalated",
                fault_class=fault_class,
            ),
        )
        decision = queries.add(
            session, Decision(fault_id=fault.id, action=action, verdict=verdict, reasoner="playbook")
        )
        session.add(
            ActionAttempt(
                fault_id=fault.id,
                decision_id=decision.id,
                charger_id=charger,
                action=action,
                params={"connector_id": 1},
                executor="ocpp",
                outcome=outcome,
                command_status=outcome,
                detail={"detail": f"{charger} is not connected to any gateway replica"},
            )
        )
        return fault.id


# ---- login and the session cookie ----------------------------------------------------------------
async def test_login_sets_an_httponly_strict_cookie_and_returns_to_the_page(engine, keys, tmp_path, library):
    async with console(engine, tmp_path, library, console_session_hours=2) as client:
        form = await client.get("/login", params={"next": "/approvals"})
        assert form.status_code == 200 and 'name="api_key"' in form.text and 'value="/approvals"' in form.text
        answer = await client.post("/login", data={"api_key": keys["technician"], "next": "/approvals"})
        assert answer.status_code == 303 and answer.headers["location"] == "/approvals"
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith(f"cm_key={keys['technician']};")
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path=/", "samesite=strict", "max-age=7200"} <= flags and "secure" not in flags
        assert (await client.get("/approvals")).status_code == 200  # the cookie opens the pages
        elsewhere = await client.post("/login", data={"api_key": keys["admin"], "next": "//evil.example/x"})
        assert elsewhere.headers["location"] == "/"  # never redirected off the site
        out = await client.post("/logout")
        assert out.status_code == 303 and 'cm_key=""' in out.headers["set-cookie"]
    async with console(engine, tmp_path, library, base_url="https://console.test") as client:
        answer = await client.post("/login", data={"api_key": keys["technician"]})
        assert "secure" in answer.headers["set-cookie"].lower()


async def test_a_wrong_revoked_or_csms_key_gets_the_login_page_with_the_reason(
    engine, keys, tmp_path, library
):
    with session_scope(engine) as session:
        row, revoked = create_key(session, role="technician", name="gone")
        revoke_key(session, key_id=row.id)
    async with console(engine, tmp_path, library) as client:
        for key in ("cm_nothere_nope", revoked, ""):
            answer = await client.post("/login", data={"api_key": key, "next": "/"})
            assert answer.status_code == 401 and "set-cookie" not in answer.headers
            assert ("not valid or has been revoked" if key else "Enter your API key") in answer.text
        csms = await client.post("/login", data={"api_key": keys["csms"]})
        assert csms.status_code == 403 and "set-cookie" not in csms.headers
        assert "cannot use the console" in csms.text and "technician or admin" in csms.text


async def test_pages_send_a_visitor_without_a_valid_session_to_the_login_page(
    engine, keys, tmp_path, library
):
    fault_id, _ = seed(engine)
    pages = [
        "/",
        f"/faults/{fault_id}",
        "/approvals",
        "/chargers",
        "/chargers/CP-T1",
        "/escalations",
        "/chat",
        f"/documents/{MANUAL}?page=5",
    ]
    async with console(engine, tmp_path, library) as client:
        for page in pages:
            answer = await client.get(page)
            assert answer.status_code == 303, page
            assert answer.headers["location"] == "/login?next=" + page.replace("?", "%3F").replace("=", "%3D")
        client.cookies.set("cm_key", "cm_forged_key")
        expired = await client.get("/approvals")
        assert expired.headers["location"] == "/login?next=/approvals&reason=expired"
        assert 'cm_key=""' in expired.headers["set-cookie"]  # the dead cookie is dropped
        client.cookies.set("cm_key", keys["csms"])
        assert (await client.get("/")).headers["location"].endswith("reason=role")
        page = await client.get("/login", params={"next": "/", "reason": "role"})
        assert "role may not use the console" in page.text


# ---- CSRF ----------------------------------------------------------------------------------------
async def test_a_change_made_with_the_cookie_needs_the_csrf_header_and_bearer_calls_are_unchanged(
    engine, keys, tmp_path, library
):
    _, decision_id = seed(engine)
    _, other_id = seed(engine, "CP-T2")
    approve = f"/v1/approvals/{decision_id}/approve"
    async with console(engine, tmp_path, library) as client:
        header = logged_in(client, keys["technician"])
        listed = await client.get("/v1/approvals")  # reading needs no token
        assert listed.status_code == 200 and {a["decision_id"] for a in listed.json()} == {
            decision_id,
            other_id,
        }
        missing = await client.post(approve, json={"comment": "forged"})
        assert missing.status_code == 403 and "X-CSRF-Token" in missing.json()["message"]
        wrong = await client.post(approve, json={}, headers={"X-CSRF-Token": csrf_token(keys["admin"])})
        assert wrong.status_code == 403
        with session_scope(engine) as session:
            assert session.get(Decision, decision_id).approval_state == "pending"  # nothing happened
        ok = await client.post(approve, json={"comment": "go ahead"}, headers=header)
        assert (
            ok.status_code == 200 and ok.json()["state"] == "approved" and ok.json()["comment"] == "go ahead"
        )
        client.cookies.clear()
        bearer_call = await client.post(
            f"/v1/approvals/{other_id}/reject", json={}, headers=bearer(keys["admin"])
        )
        assert bearer_call.status_code == 200 and bearer_call.json()["state"] == "rejected"
        client.cookies.set("cm_key", keys["technician"])  # a bearer header wins over the cookie
        refused = await client.get("/v1/approvals", headers=bearer(keys["csms"]))
        assert refused.status_code == 403
        client.cookies.set("cm_key", "cm_forged_key")
        assert (await client.get("/v1/approvals")).status_code == 401


# ---- pages ---------------------------------------------------------------------------------------
async def test_the_fault_page_shows_everything_and_escapes_the_chargers_text(engine, keys, tmp_path, library):
    fault_id, decision_id = seed(engine)
    async with console(engine, tmp_path, library) as client:
        logged_in(client, keys["technician"])
        page = await client.get(f"/faults/{fault_id}")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert "<script>alert" not in html and "<img src=x" not in html  # never raw
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html  # the info line and the ticket
    assert "\\u003cscript\\u003e" not in html and "&#34;info&#34;: &#34;&lt;script&gt;" in html  # raw event
    assert "Isolation failure during cable check" in html
    assert '<a class="cite" href="#cite-1">[1]</a>' in html and 'id="cite-2"' in html
    viewer = re.search(r'href="(/documents/acme/dc-50/acme-dc-50-manual\.pdf\?page=5[^"]*)"', html)
    assert viewer and "hl=F005" in viewer[1]
    assert (
        f'id="decision-{decision_id}"' in html and f'data-decision="{decision_id}"' in html
    )  # approve inline
    assert "policy requires approval for hard_reset" in html and "Isolate the supply" in html
    assert "fault.decided" in html and "escalation.opened" in html  # the audit timeline
    assert "csrf-token" in html and csrf_token(keys["technician"]) in html
    assert re.search(r'class="count count-warn"[^>]*>1<', html)  # one approval waiting, in the nav


async def test_lists_show_approvals_tickets_chargers_and_the_feed(engine, keys, tmp_path, library):
    fault_id, decision_id = seed(engine)
    with session_scope(engine) as session:
        ticket = session.exec(select(AuditEntry).where(AuditEntry.kind == "escalation.opened")).one()
    async with console(engine, tmp_path, library) as client:
        logged_in(client, keys["admin"])
        dashboard = (await client.get("/")).text
        approvals = (await client.get("/approvals")).text
        tickets = (await client.get("/escalations")).text
        chargers = (await client.get("/chargers")).text
        charger = (await client.get("/chargers/CP-T1")).text
        chat = (await client.get("/chat", params={"charger_id": "CP-T1"})).text
        missing = await client.get("/faults/99999")
    assert f'data-fault-id="{fault_id}"' in dashboard and "GroundFailure · F005" in dashboard
    assert 'data-stream="/v1/faults/stream"' in dashboard and "Needs approval" in dashboard
    assert f'id="decision-{decision_id}"' in approvals and "hard reset" in approvals
    assert "Approve</button>" in approvals and "Reject</button>" in approvals
    assert (
        f'id="escalation-{ticket.detail["escalation_id"]}"' in tickets and "Acknowledge</button>" in tickets
    )
    assert "&lt;script&gt;" in tickets and "<script>alert" not in tickets
    assert 'href="/chargers/CP-T1"' in chargers and "1 open" in chargers and "offline" in chargers
    assert f'href="/faults/{fault_id}"' in charger and "/chat?charger_id=CP-T1" in charger
    assert 'value="CP-T1"' in chat and 'value="ACME"' in chat and 'value="DC50-CCS"' in chat
    assert missing.status_code == 404 and "There is no fault 99999" in missing.text


async def test_the_decision_column_says_what_became_of_the_action_and_a_failed_isolation_is_an_alarm(
    engine, keys, tmp_path, library
):
    """The same verdict (execute set_inoperative) reads differently when the charger accepted it
    and when it was never sent: the failure of taking a safety fault out of service is an alarm
    in words and colour, on the feed (page and stream) and on the fault page."""
    failed = seed_sent(engine, "CP-LIVE", "set_inoperative", "not_connected", "electrical_safety")
    isolated = seed_sent(engine, "CP-SAFE", "set_inoperative", "accepted", "electrical_safety")
    checking = seed_sent(engine, "CP-RESET", "soft_reset", "verifying", "controller")
    shadow = seed_sent(engine, "CP-SHADOW", "soft_reset", "dry_run", "controller", verdict="dry_run")
    async with console(engine, tmp_path, library, console_feed_max_seconds=0.5) as client:
        logged_in(client, keys["technician"])
        dashboard = (await client.get("/")).text
        fault_page = (await client.get(f"/faults/{failed}")).text
        calm_page = (await client.get(f"/faults/{isolated}")).text
        client.cookies.clear()
        stream = await client.get(
            "/v1/faults/stream", params={"since": "2000-01-01T00:00:00Z"}, headers=bearer(keys["technician"])
        )
    rows = {
        int(fault_id): (attributes, text_of(cell))
        for fault_id, attributes, cell in re.findall(
            r'<tr data-fault-id="(\d+)"([^>]*)>.*?<td data-label="Decision">(.*?)</td>', dashboard, re.S
        )
    }
    assert rows[failed][1] == "set inoperative NOT ISOLATED: not sent: charger not connected"
    assert rows[isolated][1] == "set inoperative done: the charger accepted"
    assert rows[checking][1] == "soft reset sent: checking it worked"
    assert rows[shadow][1] == "soft reset dry run: nothing sent"
    assert 'class="alarm"' in rows[failed][0] and all(
        "alarm" not in rows[other][0] for other in (isolated, checking, shadow)
    )
    assert '<span class="chip chip-alarm outcome">NOT ISOLATED: not sent' in dashboard
    assert '<span class="chip chip-ok outcome">done: the charger accepted</span>' in dashboard

    assert 'class="alert alert-alarm" role="alert"' in fault_page
    assert "set inoperative — NOT ISOLATED: not sent: charger not connected." in text_of(fault_page)
    assert fault_page.count("chip chip-alarm outcome") == 2  # the decision and the actions table
    assert "alert-alarm" not in calm_page and "chip chip-ok outcome" in calm_page

    outcomes = {e["data"]["id"]: e["data"]["decision"]["outcome"] for e in parse_events(stream.text)}
    assert outcomes == {
        failed: "not_connected",
        isolated: "accepted",
        checking: "verifying",
        shadow: "dry_run",
    }


def text_of(html: str) -> str:
    """The text of an HTML fragment, tags dropped and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_the_escalation_list_is_one_line_each_most_severe_first_with_details_on_demand(
    engine, keys, tmp_path, library
):
    older, _ = seed(engine, "CP-OLD")  # a normal ticket, waiting for two hours
    newer, _ = seed(engine, "CP-NEW")  # a newer one, raised to critical by an update
    with session_scope(engine) as session:
        row = session.exec(select(Escalation).where(Escalation.fault_id == older)).one()
        row.created_at = utcnow() - timedelta(hours=2, minutes=5, seconds=10)
        session.add(row)
        fault = session.get(Fault, newer)
        raised = escalate(session, fault, text="Isolation failed.", actor="verify", severity="critical").id
        waiting = row.id
    async with console(engine, tmp_path, library) as client:
        logged_in(client, keys["technician"])
        html = (await client.get("/escalations")).text
    tickets = re.findall(
        r'<details class="card ticket sev-(\w+)" id="escalation-(\d+)"([^>]*)>\s*'
        r'<summary class="ticket-line">(.*?)</summary>(.*?)</details>\s*(?=<details class="card|</div>)',
        html,
        re.S,
    )
    assert [(severity, int(ticket_id)) for severity, ticket_id, *_ in tickets] == [
        ("critical", raised),
        ("normal", waiting),
    ]
    assert all(" open" not in attributes for _, _, attributes, _, _ in tickets)  # details on demand
    lines = [text_of(summary) for *_, summary, _ in tickets]
    assert re.fullmatch(
        rf"critical CP-NEW #1 GroundFailure · F005 electrical safety waiting \d+ s open Ticket {raised}",
        lines[0],
    )
    assert lines[1] == (
        f"normal CP-OLD #1 GroundFailure · F005 electrical safety waiting 2 h 5 min open Ticket {waiting}"
    )
    details = tickets[0][-1]
    assert (
        "Isolation failed." in details and "Acknowledge</button>" in details and "Resolve</button>" in details
    )
    assert "&lt;script&gt;" in details and "<script>alert" not in html


# ---- documents -----------------------------------------------------------------------------------
async def test_the_document_viewer_serves_only_stored_documents_at_the_cited_page(
    engine, keys, tmp_path, library
):
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4 not for you")
    async with console(engine, tmp_path, library) as client:
        logged_in(client, keys["technician"])
        page = await client.get(f"/documents/{MANUAL}", params={"page": 5, "hl": SNIPPET})
        assert page.status_code == 200
        assert "Page 5 of 6" in page.text and "Isolation failure" in page.text
        cited = re.search(r'<span class="piece cited" id="cited">(.*?)</span>', page.text, re.S)
        assert cited and "F005" in cited[1] and "F010" not in cited[1]  # the cited row, not its page
        assert f'href="/documents/{MANUAL}/raw#page=5"' in page.text and 'href="?page=4"' in page.text
        raw = await client.get(f"/documents/{MANUAL}/raw")
        assert raw.status_code == 200 and raw.headers["content-type"] == "application/pdf"
        assert raw.content.startswith(b"%PDF") and raw.headers["content-disposition"].startswith("inline")
        table = await client.get(f"/documents/{TABLE}", params={"hl": "Code E-12 — Lock motor failure"})
        assert table.status_code == 200
        assert re.search(r'<p id="cited" class="cited">Code E-12 — Lock motor failure', table.text)
        assert (await client.get(f"/documents/{TABLE}/raw")).headers["content-type"].startswith("text/csv")
        for bad in (
            f"/documents/{MANUAL}?page=7",  # past the last page
            "/documents/zephyr/zephyr-guide.txt",  # on disk, not in the knowledge base
            "/documents/acme/%2E%2E/%2E%2E/secret.pdf",
            "/documents/acme/..%2F..%2Fsecret.pdf/raw",
            "/documents/%2Fetc%2Fpasswd",
            "/documents/nothing.pdf",
        ):
            answer = await client.get(bad)
            assert answer.status_code == 404, bad
            assert "not for you" not in answer.text
        assert "has 6 pages; there is no page 7" in (await client.get(f"/documents/{MANUAL}?page=7")).text


async def test_a_manufacturers_html_page_is_shown_as_text_never_rendered(
    engine, keys, tmp_path, library, corpus
):
    """An HTML error page is untrusted: the viewer shows its rows as text, the raw file is served
    as plain text (its script never runs in the console's origin)."""
    source = "acme/ac-22/ac-22-faq.html"
    page = (
        "<table><tr><th>Code</th><th>Meaning</th></tr>"
        "<tr><td>E-40</td><td>Fan failure<script>alert(1)</script></td></tr></table>"
    )
    (corpus / source).write_text(page, encoding="utf-8")
    chunk = Chunk(
        text="Code E-40 — Fan failure.", source=source, title=source, vendor="acme", doc_type=DocType.manual
    )
    digest = hashlib.sha256((corpus / source).read_bytes()).hexdigest()
    library.store.replace_files(
        [FileContent("test-corpus", source, digest, [chunk], [np.full(384, 0.1)], replaces=False)]
    )
    async with console(engine, tmp_path, library) as client:
        logged_in(client, keys["technician"])
        viewed = await client.get(f"/documents/{source}", params={"hl": "Code E-40 — Fan failure"})
        assert viewed.status_code == 200 and "Fan failure" in viewed.text
        assert "<script>alert(1)" not in viewed.text
        raw = await client.get(f"/documents/{source}/raw")
        assert raw.headers["content-type"].startswith("text/plain")
        assert raw.headers["x-content-type-options"] == "nosniff"


# ---- the live feed -------------------------------------------------------------------------------
def parse_events(body: str) -> list[dict]:
    events = []
    for block in body.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":")
        )
        if fields.get("event") == "fault":
            events.append({"id": fields["id"], "data": json.loads(fields["data"])})
    return events


async def test_the_feed_streams_new_faults_and_resumes_after_the_last_event(engine, keys, tmp_path, library):
    old, _ = seed(engine, "CP-OLD")
    async with console(
        engine, tmp_path, library, console_feed_poll_seconds=0.05, console_feed_max_seconds=1.0
    ) as client:
        headers = bearer(keys["technician"])

        async def later():
            await asyncio.sleep(0.3)
            return await asyncio.to_thread(seed, engine, "CP-NEW")

        stream, (new, decision_id) = await asyncio.gather(
            client.get("/v1/faults/stream", headers=headers), later()
        )
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        events = parse_events(stream.text)
        assert [e["data"]["id"] for e in events] == [new]  # only what changed after it started
        event = events[0]["data"]
        assert (event["charger_id"], event["error_code"], event["state"]) == (
            "CP-NEW",
            "GroundFailure",
            "awaiting_approval",
        )
        assert event["decision"] == {
            "action": "hard_reset",
            "verdict": "needs_approval",
            "approval_state": "pending",
            "outcome": None,  # nothing sent while it waits
        }
        assert event["href"] == f"/faults/{new}" and event["site_id"] == "site-t"

        # Approving changes the fault: a client resuming after the last event it saw gets that change only.
        logged = logged_in(client, keys["technician"])
        assert (
            await client.post(f"/v1/approvals/{decision_id}/approve", json={}, headers=logged)
        ).status_code == 200
        client.cookies.clear()
        resumed = await client.get("/v1/faults/stream", headers=headers | {"Last-Event-ID": events[0]["id"]})
        again = parse_events(resumed.text)
        assert [(e["data"]["id"], e["data"]["state"]) for e in again] == [(new, "approved")]
        assert again[0]["data"]["decision"]["approval_state"] == "approved"

        everything = await client.get(
            "/v1/faults/stream", params={"since": "2000-01-01T00:00:00Z"}, headers=headers
        )
        assert [e["data"]["id"] for e in parse_events(everything.text)] == [old, new]
        bad = await client.get("/v1/faults/stream", headers=headers | {"Last-Event-ID": "yesterday"})
        assert bad.status_code == 422
        assert (await client.get("/v1/faults/stream", headers=bearer(keys["csms"]))).status_code == 403


async def test_the_feed_ends_when_the_app_stops(engine, keys, tmp_path, library):
    app = create_app(
        Settings(data_dir=tmp_path / "data", workers=0, gateway=False, console_feed_poll_seconds=5),
        engine=engine,
        searcher=library,
        processor=lambda job: None,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            request = asyncio.create_task(client.get("/v1/faults/stream", headers=bearer(keys["technician"])))
            await asyncio.sleep(0.3)
            assert not request.done()
            app.state.stopping.set()
            answer = await asyncio.wait_for(request, 3)  # well before the 5 s poll or the 300 s lifetime
    assert answer.status_code == 200 and ": connected" in answer.text


class ListedSources:
    """A knowledge store that claims to hold whatever sources it is given (the library asks it
    nothing else)."""

    def __init__(self, *sources: str) -> None:
        self.sources = sources

    def file_hashes(self, corpus: str) -> dict[str, str]:
        return {source: "0" * 64 for source in self.sources}


def test_the_library_never_resolves_a_path_outside_its_corpus_folder(tmp_path: Path):
    from app.console.documents import DocumentLibrary

    corpus = tmp_path / "corpus"
    (corpus / "acme").mkdir(parents=True)
    (corpus / "acme" / "manual.md").write_text("# Manual\nReset the RCD.\n", encoding="utf-8")
    (tmp_path / "secret.md").write_text("# Secret\n", encoding="utf-8")
    (corpus / "acme" / "link.md").symlink_to(tmp_path / "secret.md")
    escapes = (
        "../secret.md",
        "acme/../../secret.md",
        "/etc/hostname.md",
        "acme\\..\\..\\secret.md",
        "acme/link.md",
    )
    library = DocumentLibrary([corpus], ListedSources("acme/manual.md", *escapes))
    found = library.find("acme/manual.md")
    assert found is not None and found.title == "Manual" and found.path == corpus / "acme" / "manual.md"
    for source in escapes:  # even when the store names them
        assert library.find(source) is None, source
    assert DocumentLibrary([corpus], ListedSources()).find("acme/manual.md") is None  # on disk, not stored
