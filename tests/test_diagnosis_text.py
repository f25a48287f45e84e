"""What a technician reads in a diagnosis and a ticket: the manufacturer's remedy without the
table's other columns, procedure steps from the cited passages in their order, and no citation of
another code's table entry."""

from __future__ import annotations

from datetime import UTC, datetime

from app.agent.classify import error_row
from app.agent.guidance import documented_steps
from app.agent.playbook import _citations
from app.agent.state import Cited, Diagnosis, FaultClass
from knowledge.schema import Citation, DocType, Passage

AT = datetime(2026, 3, 1, tzinfo=UTC)
ROW = (
    "Code 101 — RCM tripped. Cause: DC residual current above 6 mA. Remedy: Remote: none. "
    "On site: test the RCD. Check the insulation of the cable. "
    "Severity: fault. OCPP errorCode: GroundFailure."
)


def passage(pid: str, text: str, *, defines: list[str] | None = None, page: int = 3) -> Passage:
    return Passage(
        id=pid,
        text=text,
        citation=Citation(source=f"acme/{pid}.pdf", title=f"ACME {pid}", page=page),
        score=1.0,
        retrievers=["dense"],
        vendor="acme",
        doc_type=DocType.error_codes if defines else DocType.manual,
        defines=defines or [],
    )


def test_a_rows_remedy_stops_where_the_tables_next_column_starts():
    row = error_row(passage("table", ROW, defines=["101"]))
    assert row.remedy == "Remote: none. On site: test the RCD. Check the insulation of the cable."
    assert "Severity" not in row.cause and "OCPP" not in row.remedy


def test_on_site_steps_are_the_remedys_sentences_without_table_columns():
    row_passage = passage("table", ROW, defines=["101"])
    diagnosis = Diagnosis(
        fault_class=FaultClass.ELECTRICAL_SAFETY,
        summary="s",
        likely_cause="c",
        remedy=error_row(row_passage).remedy + " [1]",
        citations=[Cited.of(1, row_passage)],
    )
    steps = documented_steps(diagnosis, [row_passage])
    assert steps == ["Test the RCD. [1]", "Check the insulation of the cable. [1]"]


def test_numbered_steps_of_a_multi_line_cited_passage_are_quoted_whole_and_in_order():
    procedure = passage(
        "manual",
        "Meter link lost\n  1. Switch the charger off.\n  2. Check the RS-485 wiring at X7.\n"
        "  3. Switch on and wait   for the meter LED.",
    )
    diagnosis = Diagnosis(
        fault_class=FaultClass.CONTROLLER,
        summary="s",
        likely_cause="c",
        remedy="See the manual [1].",
        citations=[Cited.of(1, procedure)],
    )
    assert documented_steps(diagnosis, [procedure]) == [
        "Switch the charger off. [1]",
        "Check the RS-485 wiring at X7. [1]",
        "Switch on and wait   for the meter LED. [1]",
    ]


def test_another_codes_table_entry_is_not_cited():
    row = error_row(passage("table", ROW, defines=["101"]))
    other = passage("other-row", "Code 102 — Relay welded. Cause: relay.", defines=["102"], page=4)
    prose = passage("manual", "Residual current monitoring explained.", page=9)
    page = passage("manual-table", "Codes 100 to 103, with 101 among them.", defines=["100", "101"], page=12)
    cited = _citations([row], [other, prose, page], ["101"])
    assert [c.source for c in cited] == ["acme/table.pdf", "acme/manual.pdf", "acme/manual-table.pdf"]
