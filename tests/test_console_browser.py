"""The web console in a real browser (headless Chromium through Playwright) against the real app
served by uvicorn on loopback, with queue workers and the bundled manuals: a technician logs in
through the form, sees a fault posted through the API arrive live, opens it, approves its pending
action and asks the chat. Screenshots are saved to ``build/artefacts/console/``."""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from app.store.db import make_engine, session_scope, upgrade
from app.store.keys import create_key
from tests.conftest import bearer

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = PROJECT_ROOT / "build" / "artefacts" / "console"
DESKTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
NORTHWIND = {"vendor": "Northwind", "model": "NW-AC11", "site_id": "site-n"}

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright (python) is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (Debian package 'chromium')", allow_module_level=True)


@dataclass
class Running:
    url: str
    technician: str
    csms: str
    app: object


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def service(bundled, tmp_path_factory):
    """The app (one queue worker, no OCPP gateway) on a free loopback port, in a thread."""
    folder = tmp_path_factory.mktemp("console")
    engine = make_engine(f"sqlite:///{folder / 'console.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        technician = create_key(session, role="technician", name="Dana (field tech)")[1]
        csms = create_key(session, role="csms", name="csms")[1]
    settings = Settings(data_dir=folder / "data", workers=1, gateway=False, console_feed_poll_seconds=0.2)
    app = create_app(settings, searcher=bundled, engine=engine)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=3)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Running(f"http://127.0.0.1:{port}", technician, csms, app)
    server.should_exit = True
    thread.join(15)
    engine.dispose()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, service):
    """A logged-out desktop browser tab."""
    context = browser.new_context(viewport=DESKTOP, base_url=service.url)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def shot(tab, name: str, **options) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTEFACTS / f"{name}.png"), **options)


def log_in(tab, key: str, path: str = "/") -> None:
    """Open ``path``, get sent to the login form, log in there and land back on ``path``."""
    tab.goto(path)
    tab.wait_for_url(f"**/login?next={path}")
    tab.fill("#api_key", key)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"**{path}")


def post_fault(service: Running, event_id: str, charger: str, **status) -> int:
    """A Northwind controller fault (InternalError 0x12) unless ``status`` says otherwise: its
    manual prescribes a hard reset, which the policy holds back for approval."""
    body = {
        "event_id": event_id,
        "charger_id": charger,
        "ocpp_version": "1.6",
        "charger": NORTHWIND,
        "status_notification": {
            "connectorId": 1,
            "errorCode": "InternalError",
            "status": "Faulted",
            "vendorErrorCode": "0x12",
            "info": "<b>watchdog</b> reset",
        }
        | status,
    }
    answer = httpx.post(f"{service.url}/v1/events", json=body, headers=bearer(service.csms), timeout=10)
    assert answer.status_code == 202, answer.text
    return answer.json()["faults_opened"][0]


def test_a_technician_sees_a_fault_arrive_live_opens_it_and_approves_the_action(page, service):
    expect = sync_api.expect
    log_in(page, service.technician, "/")
    expect(page.locator("#feed-status")).to_have_attribute("data-state", "live")
    page.evaluate("window.notReloaded = true")

    fault_id = post_fault(service, "browser-1", "CP-N1")
    row = page.locator(f'#feed tr[data-fault-id="{fault_id}"]')
    expect(row).to_be_visible()
    expect(row.locator('td[data-label="State"]')).to_have_text("awaiting approval", timeout=30_000)
    expect(row.locator('td[data-label="Decision"]')).to_contain_text("Needs approval")
    expect(page.locator("#feed tbody tr").first).to_have_attribute("data-fault-id", str(fault_id))
    assert page.evaluate("window.notReloaded") is True  # it arrived without a reload
    shot(page, "01-live-feed")

    row.locator('td[data-label="Fault"] a').click()
    page.wait_for_url(f"**/faults/{fault_id}")
    expect(page.locator("#diagnosis")).to_contain_text("Controller fault")
    expect(page.locator("#diagnosis a.cite").first).to_have_text("[1]")
    expect(page.locator("#diagnosis .citations li")).not_to_have_count(0)
    manual = page.locator('#diagnosis .citations a[href*=".pdf?page="]').first  # a PDF page it cites
    expect(manual).to_have_attribute(
        "href", re.compile(r"^/documents/northwind/nw-ac11/[\w./-]+\.pdf\?page=\d+&hl=")
    )
    expect(page.locator("q")).to_have_text("<b>watchdog</b> reset")  # the charger's text, as text
    expect(page.locator("#decisions article").first).to_contain_text("Needs approval")
    expect(page.locator("#decisions form.answer button[value=approve]")).to_be_visible()
    expect(page.locator("#audit")).to_contain_text("fault.decided")
    shot(page, "02-fault-page", full_page=True)

    tablet = page.context.browser.new_context(
        viewport=TABLET, base_url=service.url, is_mobile=True, has_touch=True
    )
    tablet.add_cookies(page.context.cookies())
    on_tablet = tablet.new_page()
    on_tablet.goto(f"/faults/{fault_id}")
    expect(on_tablet.locator("#diagnosis")).to_contain_text("Controller fault")
    assert on_tablet.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]  # no sideways scroll
    expect(on_tablet.locator("#nav")).to_be_hidden()  # the menu is collapsed behind a button
    shot(on_tablet, "03-fault-page-tablet", full_page=True)
    on_tablet.click(".nav-toggle")
    expect(on_tablet.locator("#nav")).to_be_visible()
    shot(on_tablet, "04-tablet-menu")
    tablet.close()

    cited_page = re.search(r"page=(\d+)", manual.get_attribute("href"))[1]
    manual.click()
    expect(page.locator(".page-text #cited")).to_be_visible()  # the cited passage, highlighted
    expect(page.locator(".pager-now")).to_have_text(re.compile(rf"^Page {cited_page} of \d+$"))
    shot(page, "05-document-page")

    page.goto("/approvals")
    decision_id = page.locator("article.approval").first.get_attribute("id").removeprefix("decision-")
    card = page.locator(f"#decision-{decision_id}")
    expect(card).to_contain_text("CP-N1")
    card.locator("textarea").fill("Site visit booked; reset is fine.")
    shot(page, "06-approvals")
    card.locator("button[value=approve]").click()
    expect(card.locator(".result")).to_contain_text("Approved")
    expect(card.locator(".card-head .chip")).to_have_text("approved")
    shot(page, "07-approved")
    answer = httpx.get(
        f"{service.url}/v1/approvals", params={"state": "approved"}, headers=bearer(service.technician)
    )
    assert [(a["decision_id"], a["comment"]) for a in answer.json()] == [
        (int(decision_id), "Site visit booked; reset is fine.")
    ]

    deadline = time.monotonic() + 20  # the approved reset cannot reach the charger (no gateway): escalated
    while page.goto("/escalations") and not page.locator("details.ticket").count():
        assert time.monotonic() < deadline, "the undeliverable reset was not escalated"
        time.sleep(0.5)
    ticket = page.locator("details.ticket").first
    line = ticket.locator("summary.ticket-line")  # one line: severity, charger, what, how long it waits
    expect(line).to_have_text(
        re.compile(r"high\s+CP-N1 #1\s+InternalError · 0x12 controller\s+waiting \d+ s\s+open")
    )
    expect(ticket.locator("form.acknowledge")).to_be_hidden()  # the rest on demand
    shot(page, "08-escalations")
    line.click()
    expect(ticket.locator("form.acknowledge")).to_be_visible()
    expect(ticket.locator(".instructions")).to_contain_text("Why this reached you")
    shot(page, "08b-escalation-open", full_page=True)
    ticket.locator("form.acknowledge input").fill("On my way, ETA 40 min")
    ticket.locator("form.acknowledge button").click()
    expect(ticket.locator(".result")).to_contain_text("Acknowledged")
    expect(ticket.locator(".ticket-state")).to_have_text("acknowledged")
    ticket.locator("form.resolve textarea").fill("Replaced controller NW-CTRL-A; charger back in service.")
    ticket.locator("form.resolve button").click()
    expect(ticket.locator(".result")).to_contain_text("Resolved")
    expect(ticket.locator(".ticket-state")).to_have_text("resolved")
    page.goto("/chargers")
    expect(page.locator("table")).to_contain_text("CP-N1")
    shot(page, "09-chargers")


def test_a_failed_isolation_of_a_safety_fault_is_an_alarm_live_on_its_page_and_first_in_tickets(
    page, service
):
    """A ground fault is taken out of service automatically; with no gateway the command cannot
    be sent. The feed row changes live to say so and looks alarming, so does the fault page, and
    its critical ticket is the first line of the escalations, opened by a link to it."""
    expect = sync_api.expect
    log_in(page, service.technician, "/")
    expect(page.locator("#feed-status")).to_have_attribute("data-state", "live")
    fault_id = post_fault(
        service, "browser-iso", "CP-N2", errorCode="GroundFailure", vendorErrorCode=None, info=None
    )
    row = page.locator(f'#feed tr[data-fault-id="{fault_id}"]')
    cell = row.locator('td[data-label="Decision"]')
    expect(cell).to_have_text("set inoperative NOT ISOLATED: not sent: charger not connected", timeout=30_000)
    expect(row).to_have_class(re.compile(r"\balarm\b"))
    chip = cell.locator(".chip-alarm")
    assert chip.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(180, 35, 24)"  # solid red
    assert chip.evaluate("e => getComputedStyle(e, '::before').content") == '"⚠ "'
    shot(page, "12-failed-isolation-feed")

    page.goto(f"/faults/{fault_id}")
    alarm = page.locator(".alert-alarm")
    expect(alarm).to_contain_text("set inoperative — NOT ISOLATED: not sent: charger not connected.")
    expect(alarm).to_contain_text("Treat the connector as live")
    expect(page.locator("#actions .chip-alarm")).to_have_text("NOT ISOLATED: not sent: charger not connected")
    shot(page, "13-failed-isolation-fault")

    page.goto("/escalations")
    first = page.locator("details.ticket").first
    expect(first.locator("summary.ticket-line")).to_contain_text(
        re.compile(r"critical\s+CP-N2 #1\s+GroundFailure")
    )
    ticket_id = first.get_attribute("id")
    page.goto(f"/escalations?state=all#{ticket_id}")  # as the fault page links to its ticket
    expect(page.locator(f"#{ticket_id}")).to_have_attribute("open", "")
    expect(page.locator(f"#{ticket_id} form.resolve")).to_be_visible()
    opened = page.locator("details.ticket[open]")
    expect(opened).to_have_count(1)  # the others stay one line each
    shot(page, "14-escalations-linked", full_page=True)


def test_the_chat_answers_with_numbered_citations(page, service):
    expect = sync_api.expect
    log_in(page, service.technician, "/chat")
    page.fill("#chat-question", "What does error 0x12 mean on a Northwind NW-AC11, and what should I check?")
    page.fill("#chat-vendor", "Northwind")
    page.fill("#chat-model", "NW-AC11")
    page.click("#chat-ask")
    answer = page.locator(".chat-a").last
    expect(answer.locator(".citations li").first).to_be_visible(timeout=30_000)
    expect(answer.locator(".text a.cite").first).to_have_text("[1]")
    expect(answer.locator(".text")).to_contain_text("Controller fault")
    expect(answer.locator("#c1-1 a")).to_have_attribute(
        "href", re.compile(r"^/documents/northwind/nw-ac11/.*#cited$")
    )
    expect(answer.locator(".badges")).to_contain_text("From the manuals")
    shot(page, "10-chat")

    page.click("#chat-new")
    expect(page.locator(".chat-a")).to_have_count(0)
    page.fill("#chat-vendor", "")
    page.fill("#chat-model", "")
    page.fill("#chat-question", "How do I make a perfect espresso?")
    page.click("#chat-ask")
    expect(page.locator(".chat-a").last.locator(".badges")).to_contain_text(
        "Not found in the manuals", timeout=30_000
    )
    shot(page, "11-chat-not-grounded", full_page=True)
