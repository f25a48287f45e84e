"""What a technician reads in a diagnosis and a ticket: the manufacturer's steps from the code
entry, procedure steps from the cited passages in their order (found by passage id, whatever the
text's whitespace), and no citation of a passage about other codes."""

from __future__ import annotations

from app.agent.guidance import documented_steps
from app.agent.lookup import FaultEntries, Found
from app.agent.playbook import _citations, remedy_text
from app.agent.state import Cited, Diagnosis, FaultClass
from knowledge.entries import CodeEntry, RemedyStep
from knowledge.schema import Citation, DocType, Passage

ENTRY = CodeEntry(
    code="101",
    title="RCM tripped",
    causes=["DC residual current above 6 mA"],
    steps=[
        RemedyStep(text="None", remote=True),
        RemedyStep(text="test the RCD"),
        RemedyStep(text="Check the insulation of the cable"),
    ],
    severity="fault",
)


def passage(
    pid: str, text: str, *, defines=None, codes=None, page: int = 3, entry: CodeEntry | None = None
) -> Passage:
    return Passage(
        id=pid,
        text=text,
        citation=Citation(source=f"acme/{pid}.pdf", title=f"ACME {pid}", page=page),
        score=1.0,
        retrievers=["dense"],
        vendor="acme",
        doc_type=DocType.error_codes if defines else DocType.manual,
        defines=defines or [],
        codes=codes or defines or [],
        entry=entry,
    )


def diagnosis(*cited: Cited, remedy: str = "See the manual [1].") -> Diagnosis:
    return Diagnosis(
        fault_class=FaultClass.CONTROLLER, summary="s", likely_cause="c", remedy=remedy, citations=list(cited)
    )


def test_the_remedy_names_its_remote_and_on_site_parts_in_the_documents_order():
    assert remedy_text(ENTRY) == "Remote: None. On site: test the RCD. Check the insulation of the cable."


def test_on_site_steps_are_the_entrys_on_site_steps_in_order():
    row = passage("table", "Code 101 — RCM tripped. …", defines=["101"], entry=ENTRY)
    steps = documented_steps(diagnosis(Cited.of(1, row)), [row])
    assert steps == ["Test the RCD [1]", "Check the insulation of the cable [1]"]


def test_numbered_steps_of_a_multi_line_cited_passage_are_quoted_whole_and_in_order():
    procedure = passage(
        "manual",
        "Meter link lost\n  1. Switch the charger off.\n  2. Check the RS-485 wiring at X7.\n"
        "  3. Switch on and wait   for the meter LED.",
    )
    assert documented_steps(diagnosis(Cited.of(1, procedure)), [procedure]) == [
        "Switch the charger off. [1]",
        "Check the RS-485 wiring at X7. [1]",
        "Switch on and wait   for the meter LED. [1]",
    ]


def test_a_citation_finds_its_passage_by_id_not_by_text():
    procedure = passage("manual", "1. Switch the charger off.")
    twin = passage("manual-copy", "1. Switch the charger off.")
    cited = Cited.of(1, twin)
    assert cited.cites(twin) and not cited.cites(procedure)


def test_only_passages_about_the_faults_codes_are_cited():
    row = passage("table", "Code 101 — RCM tripped.", defines=["101"], entry=ENTRY)
    other = passage("other-row", "Code 102 — Relay welded. Cause: relay.", defines=["102"], page=4)
    prose = passage("manual", "Residual current monitoring explained.", page=9)
    bulletin = passage("bulletin", "After 101 appears twice, replace the RCM board.", codes=["101"], page=2)
    page = passage("manual-table", "Codes 100 to 103, with 101 among them.", defines=["100", "101"], page=12)
    cited = _citations(FaultEntries(Found(ENTRY, row)), [other, prose, bulletin, page], ["101"], [])
    assert [c.source for c in cited] == ["acme/table.pdf", "acme/bulletin.pdf", "acme/manual-table.pdf"]
    assert [c.passage_id for c in cited] == ["table", "bulletin", "manual-table"]
