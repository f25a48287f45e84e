"""Values a register table lists and explains inside its cells become entries of their own."""

from __future__ import annotations

from ingest.document import Block
from ingest.entries.listed import listed_entries


def test_the_values_a_register_row_explains_are_entries_named_from_its_value_list():
    row = Block(
        "5 | R | 04 - read input | uint16 | Charging state | 1...11 | 2=A1, 3=A2, 8=derating, 9=E, 10=F | "
        "8: hot, reduced current, no action. 9 (E): CP short to PE - do not restart, electrician. "
        "10 (F): restart once.",
        section=("Modbus registers",),
        page=3,
    )
    entries = {b.entry.code: b.entry for b in listed_entries(row)}
    assert set(entries) == {"8", "9", "10"}
    assert entries["8"].aliases == ["derating"] and entries["8"].title.startswith("derating: hot")
    assert entries["9"].aliases == ["E"] and "CP short to PE" in entries["9"].meaning
    assert [s.text for s in entries["10"].steps] == ["restart once."]
    assert all(b.section == ("Modbus registers",) and b.page == 3 for b in listed_entries(row))


def test_a_row_explaining_fewer_values_or_a_paragraph_gives_none():
    few = Block("13 | R | lock state | 0 = locked / 1 = unlocked | 0: charging blocked by the release input.")
    prose = Block("Step 1: open the app. 2: choose the charger. 3: press restart.")
    assert listed_entries(few) == [] and listed_entries(prose) == []
