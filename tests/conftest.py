"""Shared fixtures: the real embedding model (loaded once), real Chroma stores, a small corpus."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import pytest
from sqlmodel import select

from app.intake.accept import accept_event
from app.intake.envelope import EventIn
from app.pipeline import build_pipeline
from app.settings import Settings
from app.store.db import session_scope
from app.store.models import Decision, Fault
from app.worker import Worker
from knowledge.embed import MODEL_ID, get_embedder
from knowledge.search import Searcher
from knowledge.store import KnowledgeStore, open_client

# Every service a test starts serves its OCPP gateway on a free port, never the default 9000.
os.environ.setdefault("CHARGEMEDIC_OCPP_PORT", "0")
FIXTURES = Path(__file__).parent / "fixtures"
REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"


class CountingEmbed:
    """The real embedder, counting how many texts it was asked to embed."""

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def __call__(self, texts: list[str]):
        self.calls += 1
        self.texts += len(texts)
        return get_embedder(threads=2, batch_size=32).embed(texts)


@pytest.fixture
def embed() -> CountingEmbed:
    return CountingEmbed()


@pytest.fixture
def store(tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(open_client(path=tmp_path / "chroma"), MODEL_ID)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the small test corpus (Markdown, CSV, TSV, a rendered PDF) safe to modify."""
    from knowledge.render_manuals import render_manual

    root = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", root)
    source = FIXTURES / "manual_src" / "acme-dc-50-manual.md"
    target = root / "acme" / "dc-50" / "acme-dc-50-manual.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(render_manual(source.read_text(encoding="utf-8")))
    return root


def realworld(name: str) -> Path:
    """A third-party PDF from ../shared/realworld, or skip the test where it is absent."""
    path = REALWORLD / name
    if not path.exists():
        pytest.skip(f"real-world PDF {name} not present at {REALWORLD}")
    return path


# ---- database -----------------------------------------------------------------------------
PG_URL_VARIABLE = "CHARGEMEDIC_TEST_DATABASE_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
"""The PostgreSQL the tests use when ``CHARGEMEDIC_TEST_DATABASE_URL`` is unset (CI's, too)."""
PG_PROBE_SECONDS = 3


@cache
def postgres_probe(url: str | None) -> tuple[str | None, str]:
    """``(url, "")`` for the PostgreSQL tests' server, or ``(None, why they skip)``.

    ``url`` is the variable's value: unset means :data:`DEFAULT_PG_URL`; empty means "no
    PostgreSQL". The server is tried once per process (cached), for at most
    :data:`PG_PROBE_SECONDS`, so a machine without one skips quickly instead of timing out per test.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    if url == "":
        return None, f"{PG_URL_VARIABLE} is set empty: the PostgreSQL tests are turned off"
    url = url or DEFAULT_PG_URL
    shown = make_url(url).render_as_string(hide_password=True)
    probe = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": PG_PROBE_SECONDS})
    try:
        with probe.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach it: the reason names the URL and the error
        said = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return None, (
            f"PostgreSQL at {shown} is unreachable ({said[0] if said else type(exc).__name__}); "
            f"start it or set {PG_URL_VARIABLE} (empty: skip these tests)"
        )
    finally:
        probe.dispose()
    return url, ""


def postgres_or_skip(configured: str | None) -> str:
    """The URL of the PostgreSQL server for tests, given the variable's value (see
    :func:`postgres_probe`). Without a server the test skips — unless the variable named one:
    then it fails, so a run that asked for PostgreSQL (CI does) never passes by skipping it."""
    url, reason = postgres_probe(configured)
    if url is None and configured:
        pytest.fail(reason, pytrace=False)
    if url is None:
        pytest.skip(reason)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """:func:`postgres_or_skip` for ``$CHARGEMEDIC_TEST_DATABASE_URL``, decided once per session."""
    return postgres_or_skip(os.environ.get(PG_URL_VARIABLE))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path: Path):
    """A migrated, empty database: a SQLite file, and a PostgreSQL schema of this process on the
    test server (:func:`postgres_url`)."""
    from sqlalchemy import text

    from app.store.db import make_engine, upgrade

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        schema = f"test_{os.getpid()}"  # per process: concurrent test runs never clobber each other
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
        admin.dispose()
        separator = "&" if "?" in url else "?"
        engine = make_engine(f"{url}{separator}options=-csearch_path%3D{schema}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def keys(engine) -> dict[str, str]:
    """One API key per role (and a second CSMS key), by role name."""
    from app.store.db import session_scope
    from app.store.keys import ROLES, create_key

    with session_scope(engine) as session:
        made = {role: create_key(session, role=role, name=f"test-{role}")[1] for role in ROLES}
        made["csms2"] = create_key(session, role="csms", name="second-csms")[1]
    return made


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# ---- the diagnosis pipeline on the bundled corpus ------------------------------------------------
@pytest.fixture(scope="session")
def bundled_data(tmp_path_factory) -> Path:
    """A data folder whose store holds the bundled corpus, ingested once for the whole session
    (real Chroma, real model): ``Settings(data_dir=bundled_data)`` reads it."""
    from app.settings import BUNDLED_CORPUS
    from ingest.runner import IngestOptions, ingest

    data = tmp_path_factory.mktemp("bundled")
    store = KnowledgeStore(open_client(path=data / "chroma"), MODEL_ID)
    ingest([BUNDLED_CORPUS], store, CountingEmbed(), IngestOptions())
    return data


@pytest.fixture(scope="session")
def bundled(bundled_data: Path) -> Searcher:
    """A searcher over the bundled corpus (see :func:`bundled_data`)."""
    store = KnowledgeStore(open_client(path=bundled_data / "chroma"), MODEL_ID)
    return Searcher(store, CountingEmbed(), refresh_seconds=0)


class Service:
    """The pipeline as the service runs it, with a way to post events and inspect results."""

    def __init__(
        self,
        engine,
        searcher: Searcher,
        tmp_path: Path,
        policy: str | None = None,
        reasoner=None,
        executor=None,
    ) -> None:
        overrides = {}
        if policy is not None:
            (tmp_path / "policy.yaml").write_text(policy, encoding="utf-8")
            overrides["policy_path"] = tmp_path / "policy.yaml"
        settings = Settings(data_dir=tmp_path / "data", **overrides)
        self.engine = engine
        process = build_pipeline(
            settings,
            engine=engine,
            search=searcher.search,
            embed=searcher._embed,
            reasoner=reasoner,
            executor=executor,
        )
        self.worker = Worker(
            engine, process, owner="test", lease_seconds=30, max_attempts=2, backoff_seconds=0
        )
        self.n = 0

    def fault(self, charger_id: str, charger: dict | None, **payload) -> int:
        """Post a 1.6 StatusNotification fault, process it, return the fault id."""
        self.n += 1
        status = {"connectorId": 1, "status": "Faulted"} | payload
        body = {"event_id": f"e{self.n}", "charger_id": charger_id, "ocpp_version": "1.6"}
        body |= {"status_notification": status} | ({"charger": charger} if charger else {})
        result = accept_event(
            self.engine, source="t", body=EventIn.model_validate(body), actor="test", reprocess_at=3
        ).result
        fault_id = (result.faults_opened or result.faults_recurring)[0]
        while self.worker.run_once() is not None:
            pass
        return fault_id

    def status(self, charger_id: str, **payload) -> None:
        """Post a 1.6 StatusNotification without processing anything."""
        self.n += 1
        body = {"event_id": f"e{self.n}", "charger_id": charger_id, "ocpp_version": "1.6"}
        body["status_notification"] = payload
        accept_event(self.engine, source="t", body=EventIn.model_validate(body), actor="test")

    def recover(self, charger_id: str) -> None:
        self.n += 1
        status = {"connectorId": 1, "status": "Available", "errorCode": "NoError"}
        body = {"event_id": f"e{self.n}", "charger_id": charger_id, "status_notification": status}
        result = accept_event(self.engine, source="t", body=EventIn.model_validate(body), actor="test").result
        assert result.faults_cleared

    def decision(self, fault_id: int) -> Decision:
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(Decision).where(Decision.fault_id == fault_id).order_by(Decision.id)
            ).all()
        assert rows, f"fault {fault_id} has no decision"
        return rows[-1]

    def rows(self, model, fault_id: int) -> list:
        with session_scope(self.engine) as session:
            return list(
                session.exec(select(model).where(model.fault_id == fault_id).order_by(model.id)).all()
            )

    def state(self, fault_id: int) -> Fault:
        with session_scope(self.engine) as session:
            return session.get(Fault, fault_id)


@pytest.fixture
def service(engine, bundled, tmp_path) -> Service:
    return Service(engine, bundled, tmp_path)


# ---- subprocess servers ------------------------------------------------------------------------
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port free on loopback at the time of the call, below the OS's ephemeral range and
    not handed out before in this run: a port the OS picks (``bind(0)``) is an ephemeral one, and
    any outgoing connection (to PostgreSQL, to Chroma) may take it before the server binds it."""
    low = _ephemeral_low()
    for port in range(max(1024, low - 12000), low):
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError("no free TCP port below the ephemeral range")


def _ephemeral_low() -> int:
    """The first port of the OS's ephemeral range (Linux: ``ip_local_port_range``)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def stop_process_group(process: subprocess.Popen, timeout: float = 10) -> None:
    """End a process started with ``start_new_session=True`` and everything it spawned:
    SIGTERM to its group, SIGKILL if it is still there after ``timeout`` seconds."""
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def chroma_url(tmp_path: Path):
    """A real Chroma server (``chroma run``) on a free loopback port, storing in ``tmp_path``;
    stopped (with its process group) when the test ends."""
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("chroma CLI not installed in this environment")
    port = free_port()
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                open_client(url=url).heartbeat()
                break
            except Exception:
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start within 30 s")
        yield url
    finally:
        stop_process_group(process)
