"""Fuzzing the HTTP API: whatever a client sends, the answer is a 2xx or a 4xx, never a 5xx.

Schemathesis reads the app's own OpenAPI document and sends valid and invalid requests (wrong
types, missing or extra parameters, boundary values, unexpected methods) to every operation of
the real app — the chat and the metrics included — through its ASGI interface, with its lifespan
running and a migrated database (SQLite, and PostgreSQL where ``CHARGEMEDIC_TEST_DATABASE_URL`` is
set). The schema is loaded once from ``app.openapi()``, which needs no lifespan, and each test's
own app gets the requests (``schemathesis.pytest.from_fixture`` would load it per test, but under
pytest 9.2 it fails: "'Function' object has no attribute '_nodeid'"). The schema describes OCPP
payloads as free-form objects, so a hand-written Hypothesis strategy fuzzes ``POST /v1/events``
with payloads of the right shape and odd values.

What the schema leaves out is fuzzed by hand: the web console's pages (their path and query
parameters, with and without a session), the document viewer (paths that try to leave the
knowledge base), the login form (any body, any content type) and the live fault feed (any
``since`` and ``Last-Event-ID``). :func:`test_every_operation_is_fuzzed` checks that together they
reach every route the app serves.

Generation is seeded: a failure reproduces in CI. The number of requests sent is printed at the
end of the module ("API fuzz: N requests …") and recorded as the ``api_fuzz_requests`` property.
Rate limits are off in these apps (``tests/test_limits.py`` covers them): fuzzing is thousands of
requests with one key.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import ASGIClient
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.testclient import TestClient

from app.intake.envelope import PAYLOAD_FIELDS
from app.intake.payloads import OCPP16_STATUSES, OCPP201_CONNECTOR_STATUSES, OCPP201_EVENT_TRIGGERS
from app.main import create_app
from app.settings import Settings
from knowledge.codes import OCPP16_ERROR_CODES
from tests.conftest import bearer

BASE_URL = "http://testserver"
PUBLIC_PATHS = ("/healthz", "/readyz")
OPENAPI = create_app(Settings(data_dir=Path("unused"), workers=0)).openapi()


def _schema(phases: dict | None = None) -> schemathesis.BaseSchema:
    """The app's schema; positive and negative data, a fixed seed (reproducible runs)."""
    config = {"seed": 20261123, "generation": {"mode": "all"}, "phases": phases or {}}
    return schemathesis.openapi.from_dict(OPENAPI, config=schemathesis.Config.from_dict(config))


schema = _schema()
# Without the admin key, the boundary values of the coverage phase all meet the same 401.
auth_schema = _schema({"coverage": {"enabled": False}})
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # a failing request is short already; shrinking costs seconds
)
AUTH_FUZZ = settings(FUZZ, max_examples=10)


NO_LIMITS = {"rate_limit_per_minute": 0, "rate_limit_csms_per_minute": 0, "auth_failures_per_minute": 0}


@pytest.fixture(scope="module", autouse=True)
def sent(request, record_testsuite_property) -> Counter:
    """Requests sent, by operation; reported when the module ends."""
    counts: Counter = Counter()
    yield counts
    total = sum(counts.values())
    record_testsuite_property("api_fuzz_requests", total)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and total:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nAPI fuzz: {total} requests over {len(counts)} operations")


@pytest.fixture
def app(engine, tmp_path):
    """The real app on ``engine``, its lifespan running (no queue workers, no rate limits)."""
    app = create_app(Settings(data_dir=tmp_path / "data", workers=0, **NO_LIMITS), engine=engine)
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        yield app


@pytest.fixture
def client(app) -> ASGIClient:
    """A ``requests`` session that reaches ``app`` in-process (it does not start another lifespan)."""
    return ASGIClient(app)


# ---- schema-driven ------------------------------------------------------------------------------


# The live fault feed streams until the client leaves; an in-process client buffers the whole body.
@schema.exclude(path=["/readyz", "/v1/faults/stream"]).parametrize()
@FUZZ
def test_no_request_is_answered_with_a_server_error(case, client, app, engine, keys, sent):
    assert app.state.engine is engine and app.state.searcher is not None  # the lifespan has run
    sent[f"{case.method} {case.path}"] += 1
    case.call_and_validate(
        session=client,
        base_url=BASE_URL,
        headers=bearer(keys["admin"]),
        checks=[not_a_server_error, response_schema_conformance],
    )


@schema.include(path="/readyz").parametrize()
@FUZZ
def test_readiness_is_200_or_503_whatever_is_sent(case, client, keys, sent):
    """503 is the probe's answer while the knowledge store is empty, as it is here; other
    methods than GET are not routed (405)."""
    sent[f"{case.method} {case.path}"] += 1
    response = case.call(session=client, base_url=BASE_URL, headers=bearer(keys["admin"]))
    assert response.status_code in ((200, 503) if case.method == "GET" else (405,)), response.text


@auth_schema.exclude(path=list(PUBLIC_PATHS)).parametrize()
@AUTH_FUZZ
def test_without_a_key_nothing_but_the_probes_answers(case, client, sent):
    sent[f"{case.method} {case.path}"] += 1
    response = case.call(session=client, base_url=BASE_URL)
    assert _refused(response, allowed={401}), f"{response.status_code}: {response.text}"


@auth_schema.include(method="POST", path="/v1/events").parametrize()
@AUTH_FUZZ
def test_a_technician_may_not_post_events(case, client, keys, sent):
    sent[f"{case.method} {case.path}"] += 1
    response = case.call(session=client, base_url=BASE_URL, headers=bearer(keys["technician"]))
    assert _refused(response, allowed={401, 403}), f"{response.status_code}: {response.text}"


def _refused(response, *, allowed: set[int]) -> bool:
    """Refused with one of ``allowed``, whatever the body: the caller is checked before a body
    is judged (``app.api.bodies``), so a malformed one gets no earlier answer."""
    return response.status_code in allowed


def test_search_on_an_empty_store_finds_nothing(app, keys):
    response = TestClient(app).get(
        "/v1/knowledge/search", params={"q": "RCD trips"}, headers=bearer(keys["admin"])
    )
    assert response.status_code == 200 and response.json() == []


# ---- POST /v1/events with OCPP-shaped payloads ---------------------------------------------------

TEXTS = st.text(max_size=30)
NAMES = st.text(max_size=260)  # the registry's vendor and model columns hold 200 characters
# Integers and times include the limits of the column types and of ``datetime`` (time zones included).
LIMITS = st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1])
INTS = st.integers(0, 5) | st.integers(min_value=-1) | st.integers() | LIMITS
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
EDGE_TIMES = st.builds(
    lambda t, zone: t.replace(tzinfo=zone), st.sampled_from([datetime.min, datetime.max]), OFFSETS
)
TIMESTAMPS = (st.datetimes(timezones=st.none() | OFFSETS) | EDGE_TIMES).map(datetime.isoformat)
JSON = st.recursive(
    st.none() | st.booleans() | INTS | st.floats(allow_nan=False, allow_infinity=False) | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
    max_leaves=8,
)
ANY_OBJECT = st.dictionaries(TEXTS, JSON, max_size=5)

STATUS_NOTIFICATION_16 = st.fixed_dictionaries(
    {
        "connectorId": INTS,
        "errorCode": st.sampled_from(OCPP16_ERROR_CODES) | TEXTS,
        "status": st.sampled_from(OCPP16_STATUSES) | TEXTS,
    },
    optional={"info": TEXTS, "timestamp": TIMESTAMPS, "vendorId": TEXTS, "vendorErrorCode": TEXTS},
)
STATUS_NOTIFICATION_201 = st.fixed_dictionaries(
    {
        "connectorStatus": st.sampled_from(OCPP201_CONNECTOR_STATUSES) | TEXTS,
        "evseId": INTS,
        "connectorId": INTS,
    },
    optional={"timestamp": TIMESTAMPS},
)
EVENT_DATA = st.fixed_dictionaries(
    {
        "eventId": INTS,
        "trigger": st.sampled_from(OCPP201_EVENT_TRIGGERS) | TEXTS,
        "actualValue": TEXTS,
        "eventNotificationType": TEXTS,
        "component": st.fixed_dictionaries(
            {"name": TEXTS},
            optional={"evse": st.fixed_dictionaries({"id": INTS}, optional={"connectorId": INTS})},
        ),
        "variable": st.fixed_dictionaries(
            {"name": st.sampled_from(["Problem", "AvailabilityState"]) | TEXTS}
        ),
    },
    optional={"timestamp": TIMESTAMPS, "cleared": st.booleans(), "techCode": TEXTS, "techInfo": TEXTS},
)
NOTIFY_EVENT = st.fixed_dictionaries(
    {"seqNo": INTS, "eventData": st.lists(EVENT_DATA, max_size=3)},
    optional={"generatedAt": TIMESTAMPS, "tbc": st.booleans()},
)
BOOT_NOTIFICATION_16 = st.fixed_dictionaries(
    {"chargePointVendor": NAMES, "chargePointModel": NAMES},
    optional={"firmwareVersion": TEXTS, "chargePointSerialNumber": TEXTS},
)
BOOT_NOTIFICATION_201 = st.fixed_dictionaries(
    {
        "reason": TEXTS,
        "chargingStation": st.fixed_dictionaries(
            {"model": NAMES, "vendorName": NAMES}, optional={"serialNumber": TEXTS, "firmwareVersion": TEXTS}
        ),
    }
)
MESSAGES = {
    ("1.6", "status_notification"): STATUS_NOTIFICATION_16,
    ("1.6", "boot_notification"): BOOT_NOTIFICATION_16,
    ("2.0.1", "status_notification"): STATUS_NOTIFICATION_201,
    ("2.0.1", "notify_event"): NOTIFY_EVENT,
    ("2.0.1", "boot_notification"): BOOT_NOTIFICATION_201,
}
CHARGERS = ("CP-1", "CP-2")
CHARGER_INFO = st.fixed_dictionaries({}, optional={"vendor": NAMES, "model": NAMES, "site_id": TEXTS})


def _message(key: tuple[str, str]) -> st.SearchStrategy[dict]:
    version, field = key
    return st.fixed_dictionaries({"ocpp_version": st.just(version), field: MESSAGES[key]})


# The envelope right and the payload of its version's shape, with odd values inside ...
WELL_FORMED = st.tuples(
    st.fixed_dictionaries(
        {"event_id": st.text(min_size=1, max_size=24), "charger_id": st.sampled_from(CHARGERS)},
        optional={"occurred_at": TIMESTAMPS, "charger": CHARGER_INFO},
    ),
    st.sampled_from(list(MESSAGES)).flatmap(_message),
).map(lambda parts: parts[0] | parts[1])
# ... or anything in any field: other versions, no payload or several, free-form objects.
MALFORMED = st.fixed_dictionaries(
    {"event_id": st.text(max_size=210), "charger_id": st.text(max_size=70)},
    optional={
        "ocpp_version": st.sampled_from(["1.6", "2.0.1"]) | TEXTS,
        "occurred_at": TIMESTAMPS | TEXTS,
        "charger": CHARGER_INFO | ANY_OBJECT,
        **dict.fromkeys(PAYLOAD_FIELDS, st.one_of(*MESSAGES.values(), ANY_OBJECT)),
    },
)


def test_any_ocpp_shaped_event_is_accepted_or_rejected_with_a_message(app, keys, sent):
    """Each example is a short sequence of events. Its chargers and event ids are its own (the
    example's number is appended), so examples do not interact and a failure replays alike."""
    http = TestClient(app, raise_server_exceptions=False)  # not entered: the fixture runs the lifespan
    runs = itertools.count()

    @given(events=st.lists(WELL_FORMED | MALFORMED, min_size=1, max_size=3))
    @settings(FUZZ, max_examples=100)
    def post(events: list[dict]) -> None:
        run = next(runs)
        for body in events:
            if body["charger_id"] in CHARGERS:
                body = body | {
                    "charger_id": f"{body['charger_id']}-{run}",
                    "event_id": f"{run}/{body['event_id']}",
                }
            response = http.post("/v1/events", json=body, headers=bearer(keys["csms"]))
            sent["POST /v1/events (OCPP payloads)"] += 1
            assert response.status_code in (200, 202, 422), f"{response.status_code} for {body!r}"
            if response.status_code == 422:
                message = response.json().get("message")
                assert isinstance(message, str) and message.strip(), response.text

    post()


# ---- each 5xx the fuzzing found, as one request (the time-zone one needs the event before it) ------

BIG = 2**63


def _event(event_id: str, **status_notification) -> dict:
    payload = {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"} | status_notification
    return {"event_id": event_id, "charger_id": "CP-1", "ocpp_version": "1.6", "status_notification": payload}


LONG_VENDOR = {"chargePointVendor": "V" * 201, "chargePointModel": "M"}
FOUND = [
    # ids beyond the integer columns (PostgreSQL INTEGER ends at 2**31 - 1, SQLite's at 2**63 - 1)
    ("GET", f"/v1/events/{BIG}", None),
    ("GET", f"/v1/faults/{BIG}", None),
    ("GET", "/v1/events/2147483648", None),
    ("GET", "/v1/faults/2147483648", None),
    ("GET", "/v1/faults?cursor=3000000000", None),
    ("POST", "/v1/events", _event("big-connector", connectorId=BIG)),
    ("POST", "/v1/events", _event("int32-connector", connectorId=2**31)),
    # a time whose UTC equivalent is before year 1
    ("GET", "/v1/faults?since=0001-01-01T00:00:00%2B14:00", None),
    ("POST", "/v1/events", _event("early", timestamp="0001-01-01T00:00:00+14:00")),
    # a time without zone after one with a zone, for the same charger
    ("POST", "/v1/events", _event("aware") | {"charger_id": "CP-tz", "occurred_at": "2026-01-01T00:00:00Z"}),
    ("POST", "/v1/events", _event("naive") | {"charger_id": "CP-tz", "occurred_at": "2026-01-02T00:00:00"}),
    # NUL characters (PostgreSQL text cannot hold them)
    ("GET", "/v1/chargers/CP%001", None),
    ("GET", "/v1/chargers?site=a%00b", None),
    ("GET", "/v1/faults?charger=a%00b", None),
    ("POST", "/v1/events", _event("nul", errorCode="Ground\x00Failure")),
    # a BootNotification vendor longer than the registry's column (200)
    (
        "POST",
        "/v1/events",
        {"event_id": "long", "charger_id": "CP-1", "ocpp_version": "1.6", "boot_notification": LONG_VENDOR},
    ),
]


def test_requests_that_were_answered_with_a_server_error(app, keys):
    http = TestClient(app, raise_server_exceptions=False)
    answers = [(m, p, b, http.request(m, p, json=b, headers=bearer(keys["admin"]))) for m, p, b in FOUND]
    failed = [f"{r.status_code} {m} {p} {b or ''}" for m, p, b, r in answers if r.status_code >= 500]
    assert not failed, "\n".join(failed)


def test_a_lone_surrogate_in_a_payload_is_a_422_not_a_500(app, keys):
    """``"\\ud800"`` is valid JSON, but no database can store it. ``str`` fields of the envelope
    refuse it; the OCPP payload is a free-form object whose texts reach the database unchecked."""
    http = TestClient(app, raise_server_exceptions=False)
    body = '{"event_id": "sur", "charger_id": "CP-1", "status_notification": {"connectorId": 1, '
    body += '"errorCode": "OtherError", "status": "Faulted", "info": "\\ud800"}}'
    headers = bearer(keys["csms"]) | {"Content-Type": "application/json"}
    response = http.post("/v1/events", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert "status_notification.info" in response.text and "surrogate" in response.text


# ---- what the OpenAPI document leaves out: console pages, documents, login, the feed -------------------
SECRET = "SECRET-7f3c: not a document of the knowledge base"
OUTSIDE_SOURCES = [
    "../outside.md",
    "acme/../../outside.md",
    "acme/private.md",
    "%2e%2e/outside.md",
    "..%2Foutside.md",
    "acme/%2e%2e/%2e%2e/outside.md",
    "/etc/passwd",
    "acme\\..\\..\\outside.md",
    "acme/./guide.md",
    "acme//guide.md",
    "ACME/GUIDE.MD",
    "acme/guide.md%00.pdf",
    "acme/guide.md/",
    "~/outside.md",
]


@pytest.fixture
def console_app(engine, tmp_path):
    """The real app whose knowledge base holds one document, ``acme/guide.md``; beside it on
    disk lie ``acme/private.md`` (in the corpus folder, never ingested) and ``outside.md`` (next
    to the folder), both holding :data:`SECRET`."""
    import numpy as np

    from knowledge.embed import MODEL_ID
    from knowledge.schema import Chunk, DocType
    from knowledge.search import Searcher
    from knowledge.store import FileContent, KnowledgeStore, open_client

    corpus = tmp_path / "corpus"
    (corpus / "acme").mkdir(parents=True)
    (corpus / "manifest.yaml").write_text("name: fuzz-corpus\n", encoding="utf-8")
    (corpus / "acme" / "guide.md").write_text("# Guide\n\nReset the charger.\n", encoding="utf-8")
    (corpus / "acme" / "private.md").write_text(f"# Private\n\n{SECRET}\n", encoding="utf-8")
    (tmp_path / "outside.md").write_text(f"# Outside\n\n{SECRET}\n", encoding="utf-8")
    store = KnowledgeStore(open_client(path=tmp_path / "chroma"), MODEL_ID)
    chunk = Chunk(
        text="Reset the charger.",
        source="acme/guide.md",
        title="Guide",
        vendor="acme",
        doc_type=DocType.guide,
    )
    store.replace_files(
        [FileContent("fuzz-corpus", "acme/guide.md", "h", [chunk], [np.full(384, 0.1)], replaces=False)]
    )
    searcher = Searcher(store, lambda texts: np.zeros((len(texts), 384)), refresh_seconds=0)
    settings = Settings(
        data_dir=tmp_path / "data",
        workers=0,
        corpus_dirs=[corpus],
        console_feed_max_seconds=0.05,
        **NO_LIMITS,
    )
    app = create_app(settings, engine=engine, searcher=searcher, processor=lambda job: None)
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        yield app


ANY_TEXT = st.text(max_size=40) | st.sampled_from(
    ["", "\x00", "-1", "0", "2147483648", "9" * 30, "../..", "%00"]
)
PAGES = ["/", "/faults/{}", "/approvals", "/chargers", "/chargers/{}", "/escalations", "/chat", "/login"]
QUERY_NAMES = [
    "state",
    "after",
    "charger_id",
    "vendor",
    "model",
    "page",
    "hl",
    "section",
    "next",
    "reason",
    "q",
]


def _session(keys: dict[str, str], who: str) -> dict[str, str]:
    key = {
        "technician": keys["technician"],
        "csms": keys["csms"],
        "wrong": "cm_000000000000_" + "x" * 43,
    }.get(who)
    return {"Cookie": f"cm_key={key}"} if key else {}


def test_console_pages_answer_any_parameters_without_a_server_error(console_app, keys, sent):
    http = TestClient(console_app, raise_server_exceptions=False, follow_redirects=False)

    @given(
        page=st.sampled_from(PAGES),
        segment=ANY_TEXT | st.integers().map(str),
        query=st.dictionaries(st.sampled_from(QUERY_NAMES), ANY_TEXT, max_size=3),
        who=st.sampled_from(["technician", "csms", "wrong", "nobody"]),
    )
    @FUZZ
    def request(page: str, segment: str, query: dict[str, str], who: str) -> None:
        path = page.format(quote(segment, safe="")) if "{}" in page else page
        response = http.get(path, params=query, headers=_session(keys, who))
        sent[f"GET {page}"] += 1
        assert response.status_code in (200, 303, 404, 422), f"{response.status_code} {path} {query}"
        if response.status_code == 303:  # to the login page, or from it to a page of this site
            location = response.headers["location"]
            assert location.startswith("/") and not location.startswith("//"), location
        if response.status_code == 200 and who != "technician":
            assert page == "/login", f"{path} served to {who}"

    request()


def test_the_document_viewer_serves_only_the_knowledge_base(console_app, keys, sent):
    http = TestClient(console_app, raise_server_exceptions=False, follow_redirects=False)
    session = _session(keys, "technician")
    assert http.get("/documents/acme/guide.md", headers=session).status_code == 200
    assert http.get("/documents/acme/guide.md/raw", headers=session).status_code == 200

    @given(
        source=st.sampled_from(OUTSIDE_SOURCES) | st.lists(ANY_TEXT, min_size=1, max_size=4).map("/".join),
        raw=st.booleans(),
        encode=st.booleans(),
    )
    @example(source="../outside.md", raw=True, encode=False)
    @FUZZ
    def request(source: str, raw: bool, encode: bool) -> None:
        sent_as = (
            quote(source, safe="/") if encode or not source.isprintable() else source
        )  # as a browser may
        path = "/documents/" + sent_as + ("/raw" if raw else "")
        response = http.get(path, headers=session)
        sent["GET /documents/{source}" + ("/raw" if raw else "")] += 1
        assert response.status_code < 500, f"{response.status_code} {path}"
        assert SECRET not in response.text, path
        if response.status_code == 200:
            assert "Reset the charger." in response.text, path

    request()


def test_the_login_form_takes_any_body_without_a_server_error(console_app, keys, sent):
    http = TestClient(console_app, raise_server_exceptions=False, follow_redirects=False)

    @given(
        body=st.binary(max_size=200)
        | st.builds(lambda k, n: f"api_key={k}&next={n}", ANY_TEXT, ANY_TEXT).map(str.encode),
        content_type=st.sampled_from(
            ["application/x-www-form-urlencoded", "application/json", "text/plain", ""]
        ),
    )
    @example(
        body=f"api_key={keys['technician']}&next=//evil.example".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    @FUZZ
    def request(body: bytes, content_type: str) -> None:
        response = http.post(
            "/login", content=body, headers={"Content-Type": content_type} if content_type else {}
        )
        sent["POST /login"] += 1
        assert response.status_code in (303, 401, 403, 413, 415), f"{response.status_code} {body!r}"
        if response.status_code == 303:
            assert response.headers["location"].startswith("/") and not response.headers[
                "location"
            ].startswith("//")
            assert "httponly" in response.headers["set-cookie"].lower()

    request()
    assert http.post("/logout").status_code == 303


def test_the_fault_feed_takes_any_cursor_without_a_server_error(console_app, keys, sent):
    http = TestClient(console_app, raise_server_exceptions=False)

    @given(
        since=st.none() | ANY_TEXT | TIMESTAMPS,
        last_event_id=st.none() | ANY_TEXT | st.builds(lambda t, n: f"{t}/{n}", TIMESTAMPS, INTS),
    )
    @settings(FUZZ, max_examples=20)
    def request(since: str | None, last_event_id: str | None) -> None:
        headers = bearer(keys["technician"]) | ({"Last-Event-ID": last_event_id} if last_event_id else {})
        params = {"since": since} if since is not None else {}
        try:
            response = http.get("/v1/faults/stream", params=params, headers=headers)
        except UnicodeEncodeError:  # a header value httpx itself cannot send
            return
        sent["GET /v1/faults/stream"] += 1
        assert response.status_code in (200, 422), (
            f"{response.status_code} since={since!r} id={last_event_id!r}"
        )

    request()


FUZZED_ELSEWHERE = {
    ("GET", "/v1/faults/stream"),
    ("GET", "/"),
    ("GET", "/faults/{fault_id}"),
    ("GET", "/approvals"),
    ("GET", "/chargers"),
    ("GET", "/chargers/{charger_id}"),
    ("GET", "/escalations"),
    ("GET", "/chat"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/documents/{source:path}"),
    ("GET", "/documents/{source:path}/raw"),
}
NOT_FUZZED = {
    ("GET", "/docs"): "Swagger UI page, no input",
    ("GET", "/docs/oauth2-redirect"): "static HTML, no input",
    ("GET", "/redoc"): "static HTML, no input",
    ("GET", "/openapi.json"): "the schema itself, no input",
    ("MOUNT", "/static"): "static files (Starlette's StaticFiles)",
}


def test_every_operation_is_fuzzed():
    """Every route the app serves is fuzzed by schemathesis (it is in the OpenAPI document), by
    one of the hand-written tests above, or listed in ``NOT_FUZZED`` with the reason."""
    from tests.test_authz import app_routes

    in_schema = {(m.upper(), path) for path, item in OPENAPI["paths"].items() for m in item}
    served = app_routes(create_app(Settings(data_dir=Path("unused"), workers=0)))
    missing = served - in_schema - FUZZED_ELSEWHERE - set(NOT_FUZZED)
    assert not missing, f"routes no fuzz test reaches: {sorted(missing)}"
