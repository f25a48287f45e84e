"""How the offline chat cuts passages into what it quotes whole, and the data it reads (no model).

Passages here are written in layouts the bundled corpus does not use, on purpose: nothing may
depend on one vendor's way of writing a manual.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chat.units import PROCEDURE, ROW, SENTENCE, Line, split_lines, units_of, unsupported
from app.chat.vocabulary import Vocabulary, bundled
from knowledge.schema import Chunk, Citation, DocType, Passage
from knowledge.sections import joined, section_index, section_rows


def passage(text: str, *, vendor: str = "acme", section: str = "", defines=(), doc_type=DocType.manual):
    return Passage(
        id=f"p-{abs(hash(text))}",
        text=text,
        citation=Citation(source=f"{vendor}/doc.md", title="ACME DC-50 Service Manual", section=section),
        score=1.0,
        retrievers=["dense"],
        vendor=vendor,
        doc_type=doc_type,
        defines=list(defines),
    )


def units(p: Passage):
    return units_of(0, p, [Line(0, i, t) for i, t in enumerate(split_lines(p))])


def test_a_code_row_is_matched_by_what_it_means_not_by_its_remedy():
    row = passage(
        "Code F021 — DC contactor welded. Cause: Contactor K1 feedback shows closed while commanded "
        "open. Remedy: Remote: set the connector Inoperative. On site: replace contactor K1.",
        defines=["F21"],
    )
    (unit,) = units(row)
    assert unit.kind == ROW and len(unit.lines) == 1 and "replace contactor K1" in unit.lines[0].text
    assert unit.match == (
        "Code F021 — DC contactor welded.",
        "Cause: Contactor K1 feedback shows closed while commanded open.",
    )


def test_numbered_steps_are_one_procedure_matched_by_its_heading_path():
    steps = passage(
        "Applies when the gun stays latched.\n1) Stop the session remotely.\n2) Ask the driver to "
        "press the release lever.\n3) Replace the latch solenoid if it still holds.",
        section="Service actions > Gun stays latched",
    )
    (unit,) = units(steps)
    assert unit.kind == PROCEDURE
    assert [line.text[:2] for line in unit.lines] == ["Ap", "1)", "2)", "3)"]
    assert unit.match[:2] == ("Gun stays latched", "Service actions > Gun stays latched")
    assert unit.detail == tuple(line.text for line in unit.lines[1:])


def test_prose_is_quoted_sentence_by_sentence():
    prose = passage("The modules derate above 45 °C ambient. Clean the air filters every six months.")
    assert [(u.kind, u.lines[0].text) for u in units(prose)] == [
        (SENTENCE, "The modules derate above 45 °C ambient."),
        (SENTENCE, "Clean the air filters every six months."),
    ]


def test_what_the_chargers_own_documents_call_not_supported():
    own = passage("3. UnlockConnector is not supported on this model and will not help.")
    other = passage("ClearCache returns NotSupported on firmware 1.x.", vendor="acme")
    reference = passage("UnlockConnector may return NotSupported for tethered cables.", vendor="_standard")
    assert unsupported([own, other, reference]) == {"UnlockConnector", "ClearCache"}


def test_the_vocabulary_implies_the_other_phrases_of_a_group(tmp_path: Path):
    path = tmp_path / "vocabulary.yaml"
    path.write_text('groups:\n  - [reboot, restart, "watchdog reset"]\n  - [hot, over-temperature]\n')
    vocabulary = Vocabulary.load(path)
    assert vocabulary.expansions("The wallbox keeps rebooting") == ["restart", "watchdog reset"]
    assert vocabulary.expansions("It restarts and gets hot") == [
        "reboot",
        "watchdog reset",
        "over-temperature",
    ]
    assert vocabulary.expansions("What does E-22 mean?") == []
    path.write_text("groups:\n  - reboot\n")
    with pytest.raises(ValueError, match=r"groups\[1\]"):
        Vocabulary.load(path)
    assert bundled().groups, "the shipped vocabulary loads"


def chunk(text: str, position: int, section: str = "6 Troubleshooting > 6.4 Hot weather", **kw) -> Chunk:
    return Chunk(
        text=text, source="acme/m.pdf", title="M", vendor="acme", doc_type=DocType.manual,
        section=section, position=position, **kw,
    )  # fmt: skip


def test_a_section_cut_by_a_page_break_is_read_back_whole_without_the_overlap():
    chunks = [
        chunk("Intro of another section.", 0, section="6 Troubleshooting > 6.3 Stuck plug"),
        chunk("1. Check the info field.\n2. Fit a sun shield. Or relocate the unit.", 1),
        chunk("Or relocate the unit.\n3. Check the socket terminals.", 2),
        chunk("Code E-16 — Socket over-temperature.", 3, defines=["E16"]),
        chunk("4. Never raise the derating limit.", 4),
    ]
    index = section_index(chunks)
    assert section_rows(chunks, index, 2) == [1, 2], "a row between breaks the run"
    assert section_rows(chunks, index, 3) == [3], "a table row is never joined"
    assert joined([chunks[1].text, chunks[2].text]) == (
        "1. Check the info field.\n2. Fit a sun shield. Or relocate the unit.\n3. Check the socket terminals."
    )
