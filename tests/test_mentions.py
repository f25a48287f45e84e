"""A fault's code read from the words around it where no entry defines it (app.agent.mentions)."""

from __future__ import annotations

import pytest

from app.agent.classify import Classifier, load_playbook
from app.agent.mentions import mentioned_entry
from app.agent.playbook import PlaybookReasoner
from app.agent.state import ChargerFacts, FaultClass, History
from app.guard.actions import Action
from knowledge.entries import CodeEntry, RemedyStep
from knowledge.schema import STANDARD_VENDOR, Citation, DocType, Passage
from tests.test_classify import entry_passage, fault

FAQ = """**Q: The LED halo is red. What does that mean?**

A: Red means the charger is in **error (fault) mode**. In the portal the charger shows status `14`
or `15` (*Error*). Do not try to charge while the halo is red. Contact service.

**Q: The portal shows "Waiting MID failed" (`187`).**

A: The charger cannot read the MID energy meter. Check the meter's wiring and its RS485 connection.
"""

REGISTER = (
    "| Holding | 24025 | 16 bits | Error status | Bit = error assignment<br>Bit 6 = locking<br>"
    "Bit 15 = EV-RCM residual current detection triggered<br>Bit 16 = EV-RCM selftest error |"
)

PDF_PAGE = """Status  Code  Description  Measures
F1 0x1000 Contactor welding detected, the welding check failed.  Disconnect the mains; electrician.
F2 0x2000 Internal error of the controller. Restart the unit.
"""


def _passage(text: str, vendor: str = "acme", pid: str = "p1") -> Passage:
    return Passage(
        id=pid,
        text=text,
        citation=Citation(source=f"{vendor}/doc.md", title="doc"),
        score=1.0,
        retrievers=["bm25"],
        vendor=vendor,
        doc_type=DocType.manual,
    )


def test_a_bare_number_presented_as_a_status_is_read_with_its_sentence():
    entry, passage = mentioned_entry([_passage(FAQ)], "14")
    assert passage.id == "p1"
    assert entry.code == "14"
    assert "shows status 14 or 15" in entry.title
    assert "Do not try to charge" in entry.meaning
    assert entry.locator == "mention"


def test_a_question_naming_the_code_brings_its_answer():
    entry, _ = mentioned_entry([_passage(FAQ)], "187")
    assert "Waiting MID failed" in entry.title
    assert "cannot read the MID energy meter" in entry.meaning


def test_a_register_value_of_one_bit_is_read_as_that_bit():
    entry, _ = mentioned_entry([_passage(REGISTER)], "32768")
    assert "residual current" in entry.meaning
    assert "selftest" not in entry.meaning  # one cell item, not its neighbours
    entry, _ = mentioned_entry([_passage(REGISTER)], "0x0040")
    assert entry.title.endswith("locking")


def test_a_code_leading_a_line_of_an_unread_table_is_that_line():
    entry, _ = mentioned_entry([_passage(PDF_PAGE)], "f1")
    assert "welding" in entry.meaning
    assert "Restart" not in entry.meaning


@pytest.mark.parametrize(
    "text",
    [
        "The cable is rated 14 A and the charger needs 15 minutes.",  # numbers that are not codes
        "Error 140 means something else.",
        "Code F14 is a different fault.",
    ],
)
def test_numbers_that_are_not_the_code_are_no_mention(text):
    assert mentioned_entry([_passage(text)], "14") is None


def test_the_standards_and_other_codes_are_never_mentions():
    standard = _passage("Status 14 of the standard.", vendor="_standard")
    assert mentioned_entry([standard], "14") is None
    assert mentioned_entry([_passage(FAQ)], "E-99") is None
    assert mentioned_entry([_passage(FAQ)], None) is None


def test_a_labelling_mention_wins_over_one_inside_a_sentence():
    prose = _passage("After a storm the charger may show error F7 for a while.", pid="prose")
    row = _passage("F7: Surge arrester tripped. Replace the arrester.", pid="row")
    entry, passage = mentioned_entry([prose, row], "F7")
    assert passage.id == "row"
    assert "Surge arrester" in entry.title


# --- what a mention may decide (the playbook reasoner on passages that only mention the code) ---


def _decide(f, *passages):
    reasoner = PlaybookReasoner(Classifier(load_playbook()))
    return reasoner.reason(f, ChargerFacts(id="CP-1", vendor="acme"), History(), list(passages))


def test_safety_words_around_a_mentioned_code_isolate_and_cite_the_manufacturer():
    answer = _decide(fault(vendor_error_code="32768", error_code="OtherError"), _passage(REGISTER))
    assert answer.diagnosis.fault_class is FaultClass.ELECTRICAL_SAFETY
    assert answer.proposal.action is Action.SET_INOPERATIVE and answer.proposal.escalate
    assert answer.diagnosis.citations[0].source == "acme/doc.md"
    assert "residual current" in answer.diagnosis.summary


def test_a_class_read_from_a_mention_is_a_guess_that_changes_nothing():
    page = _passage("Error 31 appears when the controller firmware hangs after an update.")
    answer = _decide(fault(vendor_error_code="31", error_code="OtherError"), page)
    assert answer.diagnosis.fault_class is FaultClass.CONTROLLER
    assert answer.proposal.action is Action.TRIGGER_STATUS and answer.proposal.escalate
    assert "only a guess" in answer.proposal.reason


def test_a_mention_that_says_nothing_of_the_fault_leaves_it_unknown_and_escalated():
    answer = _decide(fault(vendor_error_code="14", error_code="OtherError"), _passage(FAQ))
    assert answer.diagnosis.fault_class is FaultClass.UNKNOWN
    assert answer.proposal.escalate
    assert answer.proposal.action in {Action.TRIGGER_STATUS, Action.NONE}


def test_a_mention_reads_the_code_only_where_its_words_agree_with_the_ocpp_code():
    lock = _passage("Bit 6 = locking: the socket actuator did not reach its position.")
    agreed = _decide(fault(vendor_error_code="64", error_code="ConnectorLockFailure"), lock)
    assert agreed.proposal.action is Action.UNLOCK_CONNECTOR and not agreed.proposal.escalate
    meter = _passage("The portal shows Waiting MID failed (187).")
    standard = entry_passage(
        CodeEntry(
            code="PowerMeterFailure",
            title="Power meter failure",
            steps=[RemedyStep(text="Soft reset", remote=True)],
        ),
        vendor="_standard",
    )
    held = _decide(fault(vendor_error_code="187", error_code="PowerMeterFailure"), standard, meter)
    assert held.proposal.action not in {Action.SOFT_RESET, Action.HARD_RESET}
    assert held.proposal.escalate


def test_a_mention_saying_a_restart_does_not_help_forbids_the_reset():
    page = _passage("Error 33 (controller watchdog): a restart does not clear it; call service.")
    answer = _decide(fault(vendor_error_code="33", error_code="InternalError"), page)
    assert answer.proposal.action not in {Action.SOFT_RESET, Action.HARD_RESET}
    assert answer.proposal.escalate


def test_a_standards_restart_the_manufacturers_words_do_not_ask_for_is_not_sent():
    """``PowerMeterFailure`` with vendor code 187, which the manufacturer's FAQ only mentions:
    the standard's entry suggests a reset, but the manufacturer asks for a wiring check and the
    installer, so nothing is changed and a person is told."""
    meter = CodeEntry(
        code="PowerMeterFailure",
        title="Power meter failure",
        meaning="Failure to read the energy meter.",
        steps=[RemedyStep(text="Reset the charge point once", remote=True)],
    )
    faq = _passage(
        'Q: The portal shows "Waiting MID failed" (187). A: The charger cannot read the MID energy meter. '
        "Check the meter's wiring and its configuration; if it stays, contact your installer."
    )
    f = fault(vendor_error_code="187", error_code="PowerMeterFailure")
    answer = _decide(f, entry_passage(meter, vendor=STANDARD_VENDOR), faq)
    assert answer.proposal.action not in {Action.SOFT_RESET, Action.HARD_RESET}
    assert answer.proposal.escalate
    assert "ask for no restart" in answer.proposal.reason


def test_a_row_named_by_the_chargers_text_and_carrying_its_code_is_the_vendor_entry():
    """Rows that share one code and differ by the message sent with it: the code and the text
    together name the row, so it decides (the text alone would only add caution)."""
    rows = [
        CodeEntry(code=message, title=message, meaning=f"{message}. Mode 3 error.", causes=[cause])
        for message, cause in [
            ("Vehicle signals error", "the vehicle reports an error"),
            ("Contactor welded", "the contactor contacts are welded"),
        ]
    ]
    passages = [
        entry_passage(row, pid=row.code).model_copy(
            update={"text": f"Error activation message: {row.code}. OCPP errorCode: mode3Error."}
        )
        for row in rows
    ]
    answer = _decide(fault(vendor_error_code="mode3Error", info="Vehicle signals error"), *passages)
    assert answer.diagnosis.fault_class is FaultClass.VEHICLE
    assert answer.proposal.action is Action.NONE and not answer.proposal.escalate
    text_only = _decide(fault(error_code="OtherError", info="Vehicle signals error"), *passages)
    assert text_only.diagnosis.fault_class is FaultClass.VEHICLE  # the text repeats a documented message
    assert "only a guess" not in text_only.proposal.reason  # the vehicle's step changes nothing anyway
    assert text_only.proposal.action is Action.NONE


def test_a_class_read_from_the_chargers_message_alone_never_restarts():
    """The charger's text repeats a documented message whose entry asks for a restart: the class
    is read (controller), but on free text alone nothing is changed and a person is told; a
    safety message still isolates."""
    rows = [
        CodeEntry(
            code="Hardware failure",
            title="Hardware failure",
            meaning="Internal flash storage abnormality.",
            steps=[RemedyStep(text="Restart the pile once (remote reset).", remote=True)],
        ),
        CodeEntry(
            code="Relay sticky", title="Relay sticky", meaning="The output relay is stuck (welded) closed."
        ),
    ]
    restart = _decide(fault(error_code="OtherError", info="Hardware failure"), *map(entry_passage, rows))
    assert restart.diagnosis.fault_class is FaultClass.CONTROLLER
    assert (restart.proposal.action, restart.proposal.escalate) == (Action.TRIGGER_STATUS, True)
    welded = _decide(fault(error_code="OtherError", info="Relay sticky"), *map(entry_passage, rows))
    assert (welded.proposal.action, welded.proposal.escalate) == (Action.SET_INOPERATIVE, True)
