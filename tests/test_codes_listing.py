"""Listing what ingest understood: ``chargemedic codes`` and ``GET /v1/knowledge/codes|coverage``
over a real Chroma store and the real FastAPI app (chunks written with a constant vector: the
listing reads metadata only)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from app.settings import Settings
from knowledge.entries import CodeEntry, Layout, RemedyStep
from knowledge.listing import Selection, UnknownName, list_entries, select, store_coverage
from knowledge.names import Catalog, ModelEntry, VendorEntry
from knowledge.schema import Chunk, DocType
from knowledge.search import Searcher
from knowledge.store import FileContent, KnowledgeStore
from tests.conftest import bearer

RCM = CodeEntry(
    code="E-06",
    aliases=["RCM_TRIPPED"],
    title="Residual current detected",
    meaning="The RCM measured a DC fault current above 6 mA.",
    causes=["Insulation fault in the vehicle", "Moisture in the socket"],
    steps=[
        RemedyStep(text="Set the connector inoperative", remote=True),
        RemedyStep(text="Inspect the socket and cable for moisture"),
    ],
    safety=True,
    severity="critical",
    category="electrical",
    responsible="installer",
    ocpp="GroundFailure",
    layout=Layout.table,
    locator="row 6",
)
BARE = CodeEntry(
    code="6", title="Meter not responding", steps=[RemedyStep(text="Reboot the charger", remote=True)]
)
CX = CodeEntry(code="CX006", title="Charger offline", layout=Layout.standard, locator="row 6")
HEX = CodeEntry(code="0x1A", title="Lock motor stalled", layout=Layout.paragraph, locator="line 41")
PROSE = CodeEntry(code="E12", meaning="Fan blocked", layout=Layout.heading, locator="section 6.2")
CATALOG = Catalog(
    {
        "acme": VendorEntry(
            "acme",
            "ACME Charging GmbH",
            ["ACME"],
            {"ac-22": ModelEntry("ac-22", "AC22", ["AC22-T2"]), "dc-50": ModelEntry("dc-50", "DC50")},
        ),
        "zephyr": VendorEntry("zephyr", "Zephyr Energy", [], {"zx-1": ModelEntry("zx-1", "ZX-1")}),
    }
)


def chunk(source: str, vendor: str, position: int, entry: CodeEntry | None, **extra) -> Chunk:
    fields = {"title": source.rsplit("/", 1)[-1], "doc_type": DocType.error_codes, **extra}
    return Chunk(
        text=f"text {position}", source=source, vendor=vendor, position=position, entry=entry, **fields
    )


def write(store: KnowledgeStore, source: str, chunks: list[Chunk]) -> None:
    vectors = [np.full(384, 0.1)] * len(chunks)
    store.replace_files([FileContent("test", source, f"hash-{source}", chunks, vectors, replaces=False)])


@pytest.fixture
def filled(store: KnowledgeStore) -> KnowledgeStore:
    """ACME's AC-22 table (E-06 split over two chunks, a bare 6, a chunk without an entry), a
    vendor-wide DC-50 manual page (0x1A), Zephyr's prose (E12), the ChargeX standard (CX006) and
    a guide from which no entry was read."""
    table = "acme/ac-22/ac-22-codes.csv"
    write(
        store,
        table,
        [
            chunk(table, "acme", 0, None, models=["ac-22"]),
            chunk(table, "acme", 1, RCM, models=["ac-22"], section="Error codes"),
            chunk(table, "acme", 2, RCM, models=["ac-22"], section="Error codes"),
            chunk(table, "acme", 3, BARE, models=["ac-22"]),
        ],
    )
    manual = "acme/manual.pdf"
    write(store, manual, [chunk(manual, "acme", 0, HEX, page=12, doc_type=DocType.manual)])
    write(store, "zephyr/guide.txt", [chunk("zephyr/guide.txt", "zephyr", 0, PROSE, models=["zx-1"])])
    write(store, "_standard/chargex.csv", [chunk("_standard/chargex.csv", "_standard", 0, CX)])
    write(store, "acme/guide.md", [chunk("acme/guide.md", "acme", 0, None, doc_type=DocType.guide)])
    store.finish_update(CATALOG)
    return store


def codes_of(listed) -> list[str]:
    return [item.entry.code for item in listed]


# ---- the listing ---------------------------------------------------------------------------------
def test_every_entry_is_listed_once_with_its_citation(filled):
    listed = list_entries(filled)
    assert codes_of(listed) == ["CX006", "E-06", "6", "0x1A", "E12"]  # by vendor, document, position
    rcm = listed[1]
    assert rcm.entry == RCM and rcm.vendor == "acme" and rcm.models == ["ac-22"]
    assert rcm.citation.model_dump() == {
        "source": "acme/ac-22/ac-22-codes.csv",
        "title": "ac-22-codes.csv",
        "page": None,
        "section": "Error codes",
        "locator": "row 6",
    }
    assert listed[3].citation.page == 12 and listed[3].models == []


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("E-06", ["E-06", "6"]),  # E6 itself and the bare 6; never ChargeX's CX006
        ("e6", ["E-06", "6"]),
        ("6", ["CX006", "E-06", "6"]),  # a bare number finds every prefixed code numbered 6
        ("RCM_TRIPPED", ["E-06"]),  # an alias
        ("0x1A", ["0x1A"]),
        ("26", ["0x1A"]),  # hexadecimal 1A is 26
        ("E-012", ["E12"]),
        ("F999", []),
    ],
)
def test_a_code_is_found_in_any_spelling(filled, code, found):
    assert codes_of(list_entries(filled, select(CATALOG, vendor=None, model=None, code=code))) == found


def test_vendor_and_model_by_corpus_id_or_by_the_name_a_charger_reports(filled):
    by_name = select(filled.catalog(), vendor="ACME Charging GmbH", model="AC22-T2", code=None)
    assert by_name == Selection("acme", frozenset({("acme", "ac-22")}))
    assert codes_of(list_entries(filled, by_name)) == ["E-06", "6", "0x1A"]  # with the vendor-wide page
    dc50 = select(filled.catalog(), vendor="acme", model="dc-50", code=None)
    assert codes_of(list_entries(filled, dc50)) == ["0x1A"]
    anywhere = select(filled.catalog(), vendor=None, model="ZX-1", code=None)
    assert codes_of(list_entries(filled, anywhere)) == ["E12"]
    standard = select(filled.catalog(), vendor="_standard", model=None, code=None)
    assert codes_of(list_entries(filled, standard)) == ["CX006"]
    with pytest.raises(UnknownName) as unknown:
        select(filled.catalog(), vendor="Nobody Inc", model=None, code=None)
    assert unknown.value.field == "vendor" and "known: _standard, acme, zephyr" in str(unknown.value)
    with pytest.raises(UnknownName) as unknown:
        select(filled.catalog(), vendor="acme", model="ZX-1", code=None)
    assert unknown.value.field == "model"


def test_coverage_counts_codes_and_fields_per_document_and_shows_those_without_any(filled):
    report = {doc.source: doc for doc in store_coverage(filled)}
    table = report["acme/ac-22/ac-22-codes.csv"]
    assert (table.codes, table.complete, table.layouts, table.doc_type) == (2, 2, ["table"], "error_codes")
    assert table.filled == {
        "title": 2,
        "meaning": 1,
        "causes": 1,
        "remedy": 2,
        "remote_step": 2,
        "safety": 1,
        "severity": 1,
    }
    prose = report["zephyr/guide.txt"]
    assert (prose.codes, prose.complete, prose.layouts, prose.models) == (1, 0, ["heading"], ["zx-1"])
    guide = report["acme/guide.md"]
    assert (guide.codes, guide.doc_type, guide.layouts, set(guide.filled.values())) == (0, "guide", [], {0})
    assert list(report) == [
        "_standard/chargex.csv",
        "acme/ac-22/ac-22-codes.csv",
        "acme/guide.md",
        "acme/manual.pdf",
        "zephyr/guide.txt",
    ]
    ac22 = select(filled.catalog(), vendor="acme", model="ac-22", code="E-06")  # the code is ignored
    assert [d.source for d in store_coverage(filled, ac22)] == [
        "acme/ac-22/ac-22-codes.csv",
        "acme/guide.md",
        "acme/manual.pdf",
    ]


# ---- the API ------------------------------------------------------------------------------------
@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", workers=0)


@pytest.fixture
def key(settings) -> str:
    from app.store.db import make_engine, session_scope, upgrade
    from app.store.keys import create_key

    engine = make_engine(settings.database)
    upgrade(engine)
    with session_scope(engine) as session:
        made = create_key(session, role="technician")[1]
    engine.dispose()
    return made


async def test_the_api_lists_entries_a_page_at_a_time_and_names_a_bad_parameter(settings, key, filled, embed):
    app = create_app(settings, searcher=Searcher(filled, embed))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        assert (await c.get("/v1/knowledge/codes")).status_code == 401
        got = await c.get("/v1/knowledge/codes", params={"limit": 2, "offset": 1}, headers=bearer(key))
        assert got.status_code == 200
        page = got.json()
        assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
        assert [i["entry"]["code"] for i in page["items"]] == ["E-06", "6"]
        rcm = page["items"][0]
        assert rcm["entry"]["steps"][0] == {"text": "Set the connector inoperative", "remote": True}
        assert rcm["entry"]["safety"] is True and rcm["citation"]["locator"] == "row 6"
        one = await c.get(
            "/v1/knowledge/codes", params={"vendor": "ACME", "code": "0x1a"}, headers=bearer(key)
        )
        assert [i["entry"]["code"] for i in one.json()["items"]] == ["0x1A"]
        bad = await c.get("/v1/knowledge/codes", params={"vendor": "Nobody"}, headers=bearer(key))
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "vendor"]
        assert bad.json()["message"].startswith("query.vendor: no vendor 'Nobody'")
        bad = await c.get("/v1/knowledge/codes", params={"limit": 0}, headers=bearer(key))
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "limit"]
        report = await c.get("/v1/knowledge/coverage", params={"vendor": "zephyr"}, headers=bearer(key))
        assert report.status_code == 200
        assert [(d["source"], d["codes"]) for d in report.json()] == [("zephyr/guide.txt", 1)]


# ---- the command --------------------------------------------------------------------------------
def test_the_command_prints_a_table_json_and_coverage(filled, tmp_path):
    runner = CliRunner(env={"COLUMNS": "400"})  # a wide terminal: table cells are not wrapped
    store = ["--store", str(tmp_path)]  # the store fixture lives in tmp_path/chroma
    shown = runner.invoke(cli, ["codes", "--vendor", "ACME", "--code", "E-06", *store])
    assert shown.exit_code == 0, shown.output
    for text in (
        "Residual current detected",
        "RCM_TRIPPED",
        "[remote] Set the connector",
        "severity critical",
    ):
        assert text in shown.output
    as_json = runner.invoke(cli, ["codes", "--code", "26", "--json", *store])
    assert [i["entry"]["code"] for i in json.loads(as_json.stdout)] == ["0x1A"]
    table = runner.invoke(cli, ["codes", "--coverage", *store])
    row = next(line for line in table.output.splitlines() if "acme/guide.md" in line)
    assert table.exit_code == 0 and [cell.strip() for cell in row.split("│")[1:4]] == [
        "acme/guide.md",
        "acme",
        "guide",
    ]
    report = runner.invoke(cli, ["codes", "--coverage", "--json", *store])
    assert {d["source"]: d["codes"] for d in json.loads(report.stdout)}["acme/ac-22/ac-22-codes.csv"] == 2
    none = runner.invoke(cli, ["codes", "--code", "F999", *store])
    assert none.exit_code == 1 and "No code entries match." in none.output
    unknown = runner.invoke(cli, ["codes", "--vendor", "Nobody", *store])
    assert unknown.exit_code == 2 and "--vendor" in unknown.output


# ---- what the real ingest understood -------------------------------------------------------------
def test_the_real_ingest_of_a_table_is_listed_row_by_row_with_its_coverage(corpus, store, embed):
    """The test corpus's AC-22 CSV, ingested for real: its E-06 row found by the bare number a
    charger sends, with the document's words, and the table counted in the coverage."""
    from ingest.runner import IngestOptions, ingest

    ingest([corpus], store, embed, IngestOptions())
    selection = select(store.catalog(), vendor="ACME Charging GmbH", model="AC22-T2", code="6")
    (rcm,) = [item for item in list_entries(store, selection) if item.citation.source.endswith(".csv")]
    assert rcm.entry.code == "E-06" and rcm.entry.title == "Residual current"
    assert rcm.entry.steps and rcm.vendor == "acme" and rcm.citation.source == "acme/ac-22/ac-22-codes.csv"
    report = {doc.source: doc for doc in store_coverage(store)}
    table = report["acme/ac-22/ac-22-codes.csv"]
    assert table.codes >= 4 and table.complete == table.codes
    assert set(report) >= {
        "acme/SB-2026-01-rfid.md",
        "zephyr/zephyr-guide.txt",
    }  # listed, with or without codes
    assert all(isinstance(doc.unread, list) for doc in report.values())  # as the ingest reported them
