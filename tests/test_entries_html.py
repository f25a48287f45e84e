"""HTML pages: tables and prose read into code entries like any other layout."""

from pathlib import Path

from ingest.loaders import load
from knowledge.entries import Layout

PAGE = """<!DOCTYPE html><html><head><title>W2 help</title><style>p {color: red}</style></head><body>
<h1>W2 error values</h1>
<p>The charger reports <code>err</code>.</p>
<table><thead><tr><th>err</th><th>Name</th><th>Meaning</th><th>What to do</th></tr></thead>
<tbody>
<tr><td>1</td><td>FiAc</td><td>Residual current device tripped.</td><td>Take the charger out of service; an
electrician must look for the ground fault.</td></tr>
<tr><td>16</td><td>NoComm</td><td>No communication with the controller.</td>
<td>Restart the charger from the app.</td></tr>
</tbody></table>
<h2>Error 0x1A – Contactor welded</h2>
<p>The contactor did not open.</p>
<ol><li>Disable the connector remotely.</li><li>Replace the contactor.</li></ol>
<dl><dt>E12</dt><dd>Overtemperature</dd><dd>Let the unit cool down.</dd></dl>
<script>alert("not text")</script>
</body></html>"""


def test_html_tables_headings_and_definition_lists(tmp_path: Path):
    path = tmp_path / "w2.html"
    path.write_text(PAGE)
    doc = load(path)
    assert doc.title == "W2 error values"
    assert not any("alert" in b.text or "color" in b.text for b in doc.blocks)
    entries = {b.entry.code: b.entry for b in doc.blocks if b.entry}
    assert set(entries) == {"1", "16", "0x1A", "E12"}
    assert entries["1"].aliases == ["FiAc"] and not entries["1"].remote_steps
    assert entries["16"].remote_steps == ["Restart the charger from the app."]
    welded = entries["0x1A"]
    assert welded.layout is Layout.heading and welded.title == "Contactor welded"
    assert [(s.text, s.remote) for s in welded.steps] == [
        ("Disable the connector remotely.", True),
        ("Replace the contactor.", False),
    ]
    assert entries["E12"].layout is Layout.definition and entries["E12"].title == "Overtemperature"
    assert entries["E12"].steps[0].text == "Let the unit cool down."


def test_a_definition_list_of_light_patterns_and_of_messages(tmp_path: Path):
    """``<dt>Fixed red</dt>`` is a light pattern (fixed = steady), ``<dt>DC leakage protection
    tripped</dt>`` a message chargers send as text: each term is an entry of its own."""
    path = tmp_path / "leds.html"
    path.write_text(
        "<html><body><h1>Status indicators</h1><h2>Colour and status</h2><dl>"
        "<dt>Fixed green</dt><dd>READY. The station is ready.</dd>"
        "<dt>Flashing blue</dt><dd>The vehicle is not absorbing energy. Nothing to do.</dd>"
        "<dt>Fixed red</dt><dd>ERROR. The station has detected an internal error.</dd></dl>"
        "<h2>Faults</h2><dl><dt>DC leakage protection tripped</dt>"
        "<dd>A DC residual current of 6 mA. Do not restart the station.</dd></dl></body></html>"
    )
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [(e.code, e.layout) for e in entries] == [
        ("GREEN-STEADY", Layout.pattern),
        ("BLUE-BLINK", Layout.pattern),
        ("RED-STEADY", Layout.pattern),
        ("DC leakage protection tripped", Layout.definition),
    ]
    assert entries[2].meaning.startswith("ERROR. The station has detected")


def test_a_table_whose_cells_span_rows_and_columns(tmp_path: Path):
    """A source and an action given once for a group of rows (``rowspan``) belong to every row of
    it; a caption row across the table (``colspan``) is no row of codes."""
    path = tmp_path / "stops.html"
    path.write_text(
        "<html><body><h1>Stop codes</h1><table>"
        "<tr><th>Error code</th><th>Error source</th><th>Description</th><th>Action</th></tr>"
        '<tr><th colspan="4">Level 5 - the session stopped</th></tr>'
        '<tr><td>VEHICLE_SHIFT</td><td rowspan="2">Vehicle</td><td>The vehicle is not in park.</td>'
        '<td rowspan="2">Vehicle issue. Nothing to do on the charger.</td></tr>'
        "<tr><td>VEHICLE_LOCK</td><td>The vehicle cannot lock the connector in its inlet.</td></tr>"
        "<tr><td>PAYMENT_FAILED</td><td>Payment terminal</td><td>The payment was declined.</td>"
        "<td>Check the card reader.</td></tr></table></body></html>"
    )
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [(e.code, e.responsible) for e in entries] == [
        ("VEHICLE_SHIFT", "Vehicle"),
        ("VEHICLE_LOCK", "Vehicle"),
        ("PAYMENT_FAILED", "Payment terminal"),
    ]
    assert entries[1].meaning.startswith("The vehicle cannot lock") and "Nothing to do" in entries[1].remedy


def test_a_help_centre_page_of_collapsible_sections_one_per_error(tmp_path: Path):
    """``<details><summary>Error N – …</summary>`` answers: each summary heads its entry, a warning
    sign before it is no part of it, and a summary naming several codes (``7 / 8``, ``28 to
    31``) gives every one of them the section's text."""
    path = tmp_path / "help.html"
    path.write_text(
        "<html><body><h1>Error messages</h1><section>"
        "<details><summary>⚠ Error 10 – Leakage protection</summary><p>The residual current protection "
        "tripped.</p><ul><li>Do not restart.</li></ul></details>"
        "<details><summary>Error 7 / 8 – Over temperature</summary><p>Too hot inside (7) or at the "
        "socket (8).</p></details>"
        "<details><summary>Error 28 to 31 – Memory or clock failure</summary><p>Restart the charger "
        "once.</p></details>"
        "<details><summary>Error 4 – CC error (cable not recognised)</summary><p>Try another "
        "cable.</p></details>"
        "</section><p>Contact us for anything else.</p></body></html>"
    )
    doc = load(path)
    entries = {b.entry.code: b.entry for b in doc.blocks if b.entry}
    assert set(entries) == {"10", "7", "28", "4"}
    assert entries["10"].title == "Leakage protection" and entries["10"].steps[0].text == "Do not restart."
    assert entries["7"].aliases == ["8"] and entries["28"].aliases == ["29", "30", "31"]
    assert entries["4"].title == "CC error (cable not recognised)"
    closing = next(b for b in doc.blocks if "anything else" in b.text)
    assert closing.section == ("Error messages",) and closing.entry is None


def test_a_table_built_of_divs_with_aria_roles(tmp_path: Path):
    """A support portal's CSS grid (``div role=row`` / ``div role=cell``) is read as a table; a
    layout grid without roles stays prose, and an unclosed ``span`` inside a cell ends with it.
    A "SAFETY" badge after a title is the row's safety flag, not part of its title."""
    path = tmp_path / "grid.html"
    path.write_text(
        "<html><body><h1>Error codes</h1><div class='grid' role='table'>"
        "<div class='row head' role='row'><div role='columnheader'>Code</div>"
        "<div role='columnheader'>Error</div><div role='columnheader'>What to do</div></div>"
        "<div class='row' role='row'><div role='cell'>1</div>"
        "<div role='cell'>Grounding Error <span class='badge'>SAFETY</div>"
        "<div role='cell'>Do not restart. An electrician checks the earth.</div></div>"
        "<div class='row' role='row'><div role='cell'>11</div><div role='cell'>Interface Timeout</div>"
        "<div role='cell'>Restart the station once from the app.</div></div></div>"
        "<div class='row'><div class='col'>Wi-Fi setup</div><div class='col'>Adaptive mode</div></div>"
        "</body></html>"
    )
    doc = load(path)
    entries = {b.entry.code: b.entry for b in doc.blocks if b.entry}
    assert set(entries) == {"1", "11"}
    assert (entries["1"].title, entries["1"].safety) == ("Grounding Error", True)  # the badge is a flag
    assert entries["11"].safety is None
    assert entries["11"].remote_steps == ["Restart the station once from the app."]
    assert [b.text for b in doc.blocks if not b.entry][-2:] == ["Wi-Fi setup", "Adaptive mode"]
