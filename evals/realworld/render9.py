# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the three PDFs of holdout 9 (written blind).

    .venv/bin/python evals/realworld/render9.py [--check]

* ``pcelectric/ev11-3/ev11-3-fehlercodes-scan.pdf`` — PC Electric EV11.3 wallbox, error codes of
  Modbus register 110 and a troubleshooting page, as a **scanned copy with no text layer at
  all**: every page is one picture (rendered with Pillow from the DejaVu fonts at 150 dpi, light
  grey paper, a slight rotation, speckle and dust, a binding shadow, a stamp and a handwritten
  note), embedded as a full-page JPEG by ReportLab.
* ``schrack/cion/cion-stoerungen-modbus-scan.pdf`` — Schrack i-CHARGE CION, status and fault
  registers and a two-column troubleshooting page, scanned the same way **plus an invisible text
  layer** (``setTextRenderMode(3)``) holding the text as an OCR program would have read it:
  ``l``/``1`` and ``O``/``0`` swaps, ``rn`` for ``m``, ``ii`` for ``ü``, broken hyphenation, the
  table read row by row with its cells separated by runs of spaces, and the two columns of the
  second page interleaved line by line.
* ``foxess/a-series/a-series-fault-and-alarm-information.pdf`` — FoxESS EV charger A-Series
  (3rd generation): A4 portrait, running header and footer ("Page N of M"); a status table, then a
  fault-bit table with multi-line cells that **continues on page 2 with its header repeated**, a
  footnote under it, and a small alarm table.

The text is ours; the facts and every addition of ours are in SOURCES.md, section "Holdout 9
documents". Output is byte-for-byte deterministic: the scans are drawn with seeded randomness and
encoded as JPEG by the installed Pillow, the PDFs are written with ReportLab ``invariant=1``
(built-in Helvetica for the text layer and the table PDF). ``--check`` writes nothing and exits 1
when any committed PDF differs.
"""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

from pdf_output import counted, ruled_table, running_edges, template_options, write_or_check  # sibling module
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer

HERE = Path(__file__).resolve().parent
PCE_OUT = HERE / "corpus/pcelectric/ev11-3/ev11-3-fehlercodes-scan.pdf"
SCHRACK_OUT = HERE / "corpus/schrack/cion/cion-stoerungen-modbus-scan.pdf"
FOX_OUT = HERE / "corpus/foxess/a-series/a-series-fault-and-alarm-information.pdf"

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DPI = 150
PAPER = 229  # light grey paper of the scan
INK = 34
SHY = "\u00ad"  # soft hyphen: where a long word may be broken
AUTHOR = "chargemedic real-world corpus (facts: manufacturer documents; wording ours)"


# --------------------------------------------------------------------------------------------
# Scanned pages: a sheet drawn with Pillow in millimetres, then "scanned"
# --------------------------------------------------------------------------------------------


def _font(name: str, size_pt: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), round(size_pt / 72 * DPI))


class Sheet:
    """One A4 page drawn in millimetres; remembers every line it draws (position, size, text) so
    that an OCR text layer can be laid over the scan."""

    def __init__(self) -> None:
        self.w_px = round(210 / 25.4 * DPI)
        self.h_px = round(297 / 25.4 * DPI)
        self.img = Image.new("L", (self.w_px, self.h_px), 255)
        self.draw = ImageDraw.Draw(self.img)
        self.lines: list[tuple[float, float, float, str]] = []  # x_mm, baseline y_mm, size_pt, text

    @staticmethod
    def px(v_mm: float) -> int:
        return round(v_mm / 25.4 * DPI)

    def text(
        self, x: float, y: float, s: str, font: str = "DejaVuSans.ttf", size: float = 9.0, record: bool = True
    ) -> None:
        """Draw one line whose top is at ``y`` mm."""
        f = _font(font, size)
        self.draw.text((self.px(x), self.px(y)), s, font=f, fill=0)
        if record:
            self.lines.append((x, y + size * 0.3528 * 0.82, size, s))

    def width_mm(self, s: str, font: str, size: float) -> float:
        f = _font(font, size)
        return self.draw.textlength(s, font=f) / DPI * 25.4

    def wrap(self, s: str, width: float, font: str, size: float) -> list[str]:
        """Words over lines of ``width`` mm; a word with soft hyphens (U+00AD) that does not fit is
        split at the last one that fits and hyphenated, as a typesetter would."""
        out: list[str] = []
        for part in s.split("\n"):
            words = part.split(" ")
            line = ""
            for wd in words:
                cand = (line + " " + wd.replace(SHY, "")).strip()
                if line and self.width_mm(cand, font, size) > width:
                    pieces = wd.split(SHY)
                    for k in range(len(pieces) - 1, 0, -1):
                        head = "".join(pieces[:k]) + "-"
                        if self.width_mm((line + " " + head).strip(), font, size) <= width:
                            out.append((line + " " + head).strip())
                            line = "".join(pieces[k:])
                            break
                    else:
                        out.append(line)
                        line = wd.replace(SHY, "")
                else:
                    line = cand
            out.append(line)
        return out

    def para(
        self,
        x: float,
        y: float,
        width: float,
        s: str,
        font: str = "DejaVuSans.ttf",
        size: float = 9.0,
        leading: float = 4.6,
    ) -> float:
        for ln in self.wrap(s, width, font, size):
            self.text(x, y, ln, font, size)
            y += leading
        return y

    def rule(self, x0: float, y0: float, x1: float, y1: float, width: int = 2) -> None:
        self.draw.line((self.px(x0), self.px(y0), self.px(x1), self.px(y1)), fill=0, width=width)

    def table(
        self,
        x: float,
        y: float,
        widths: list[float],
        rows: list[list[str]],
        size: float = 8.0,
        leading: float = 3.9,
        pad: float = 1.4,
    ) -> tuple[float, list[list[list[str]]]]:
        """A ruled table (first row bold, shaded); returns the y below it and every row's wrapped
        cell lines (for the OCR layer, read row by row)."""
        wrapped_rows = []
        top = y
        xs = [x]
        for w in widths:
            xs.append(xs[-1] + w)
        for r, row in enumerate(rows):
            font = "DejaVuSans-Bold.ttf" if r == 0 else "DejaVuSans.ttf"
            cells = [self.wrap(c, w - 2 * pad, font, size) for c, w in zip(row, widths, strict=True)]
            height = max(len(c) for c in cells) * leading + 2 * pad
            if r == 0:
                self.draw.rectangle((self.px(x), self.px(y), self.px(xs[-1]), self.px(y + height)), fill=222)
            for c, cx in zip(cells, xs[:-1], strict=True):
                for i, ln in enumerate(c):
                    self.text(cx + pad, y + pad + i * leading, ln, font, size, record=False)
            wrapped_rows.append(cells)
            y += height
            self.rule(x, y, xs[-1], y)
        self.rule(x, top, xs[-1], top)
        for cx in xs:
            self.rule(cx, top, cx, y)
        return y, wrapped_rows

    def stamp(self, cx: float, cy: float, lines: list[str], angle: float) -> None:
        """A rubber stamp: a framed block of capitals, rotated, pasted half-transparent."""
        layer = Image.new("L", (self.px(70), self.px(30)), 0)
        d = ImageDraw.Draw(layer)
        f = _font("DejaVuSans-Bold.ttf", 13)
        f2 = _font("DejaVuSans.ttf", 8)
        d.rounded_rectangle((4, 4, layer.width - 5, layer.height - 5), radius=10, outline=255, width=5)
        d.text((self.px(6), self.px(5)), lines[0], font=f, fill=255)
        for i, s in enumerate(lines[1:]):
            d.text((self.px(6), self.px(15 + i * 5)), s, font=f2, fill=255)
        layer = layer.rotate(angle, resample=Image.BICUBIC, expand=True)
        ink = Image.new("L", layer.size, 95)
        mask = layer.point(lambda v: v * 150 // 255)
        self.img.paste(ink, (self.px(cx) - layer.width // 2, self.px(cy) - layer.height // 2), mask)

    def handwriting(self, x: float, y: float, s: str, seed: int, size: float = 13) -> None:
        """A note written by hand: italic serif letters, each slightly off the line and tilted."""
        rng = random.Random(seed)
        f = _font("DejaVuSerifCondensed-Italic.ttf", size)
        cx = self.px(x)
        for ch in s:
            glyph = Image.new("L", (self.px(9), self.px(11)), 0)
            ImageDraw.Draw(glyph).text((self.px(1), self.px(1)), ch, font=f, fill=255)
            glyph = glyph.rotate(rng.uniform(-9, 9), resample=Image.BICUBIC)
            dy = self.px(y) + rng.randint(-3, 3)
            self.img.paste(Image.new("L", glyph.size, 60), (cx, dy), glyph)
            cx += round(self.draw.textlength(ch, font=f) * rng.uniform(0.92, 1.1))

    def scanned(self, seed: int, angle: float) -> bytes:
        """The sheet as a scanner would return it: grey paper, ink not quite black, a binding
        shadow, rotation, softness, speckle and dust; JPEG bytes."""
        rng = random.Random(seed)
        img = self.img.point(lambda v: INK + (PAPER - INK) * v // 255)
        # binding shadow along the left edge
        shadow = Image.linear_gradient("L").rotate(90, expand=True).resize((self.px(9), img.height))
        shadow = shadow.point(lambda v: 255 - (255 - v) * 70 // 255)
        img.paste(shadow.point(lambda v: v * PAPER // 255), (0, 0), shadow.point(lambda v: 255 - v))
        img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=PAPER)
        img = img.filter(ImageFilter.GaussianBlur(0.55))
        d = ImageDraw.Draw(img)
        for _ in range(900):
            x, y = rng.randrange(img.width), rng.randrange(img.height)
            r = rng.choice((0, 0, 0, 1, 1, 2))
            d.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(70, 180))
        for _ in range(6):
            x, y = rng.randrange(img.width), rng.randrange(img.height)
            d.line(
                (x, y, x + rng.randint(-40, 40), y + rng.randint(20, 90)), fill=rng.randint(150, 200), width=1
            )
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=72, optimize=False)
        return buf.getvalue()


def scan_pdf(
    pages: list[tuple[bytes, list[tuple[float, float, float, str]]]], *, title: str, text_layer: bool
) -> bytes:
    """Full-page JPEG pictures in a PDF; with ``text_layer`` an invisible (render mode 3) OCR text
    over each picture, else no text at all."""
    buf = io.BytesIO()
    c = pdfcanvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(title)
    c.setCreator("scanner")
    w, h = A4
    for jpeg, ocr in pages:
        c.drawImage(ImageReader(io.BytesIO(jpeg)), 0, 0, width=w, height=h)
        if text_layer:
            for x_mm, y_mm, size, s in ocr:
                t = c.beginText()
                t.setTextRenderMode(3)
                t.setFont("Helvetica", size)
                t.setTextOrigin(x_mm * mm, h - y_mm * mm)
                t.textLine(s)
                c.drawText(t)
        c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# PC Electric EV11.3 — image only
# --------------------------------------------------------------------------------------------

PCE_HEADER = "PC Electric GmbH  ·  EV11.3 Wallbox basic (37031110-ss) / basic Z (37031111-ss)  ·  Betriebsanleitung, Auszug"

PCE_INTRO = (
    "Der aktive Fehler der Wallbox steht als Zahl im Modbus-Register 110 (Fehler), der Ladezustand im "
    "Register 100. Steht ein Fehler an, zeigt Register 100 den Zustand 7 = F. Ist die Wallbox über einen "
    "OCPP-Controller an ein Backoffice angebunden, wird die Zahl aus Register 110 als vendorErrorCode "
    "gemeldet (Beispiel: 2)."
)

PCE_ROWS = [
    ["Code", "Fehler", "Error (EN)", "Verhalten der Wallbox", "Maßnahme"],
    ["0", "Kein Fehler aktiv", "No error active", "–", "–"],
    [
        "1",
        "Übertemperatur",
        "Over-temperature",
        "Ladevorgang wird automatisch fortgesetzt, sobald die Temperatur wieder im zulässigen Bereich ist.",
        "Keine Maßnahme an der Wallbox. Direkte Sonne vermeiden.",
    ],
    [
        "2",
        "DC-Fehlerstromsensor ausgelöst",
        "DC residual current sensor tripped",
        "Ladevorgang wird abgebrochen.",
        "Nicht aus der Ferne neu starten. Elektrofachkraft: Fahrzeug, Ladekabel und Installation prüfen.",
    ],
    [
        "3",
        "Ladeanforderung mit Belüftung",
        "Charging request with ventilation (state D)",
        "Kein Laden.",
        "Das Fahrzeug verlangt Belüftung. An der Wallbox nichts zu tun.",
    ],
    [
        "4",
        "CP-Signal, Fehlercode E oder F",
        "CP signal, error state E or F",
        "Kein Laden.",
        "Stecker ziehen, Ladekabel prüfen, neu anstecken. Tritt der Fehler bei jedem Fahrzeug auf: Elektrofachkraft.",
    ],
    ["5", "CP-Signal, Bypass", "CP signal, bypass", "Kein Laden.", "Wie Code 4."],
    [
        "6",
        "CP-Signal, Diode defekt",
        "CP signal, diode defective",
        "Kein Laden.",
        "Diode im Fahrzeug fehlt oder ist defekt: Fahrzeughersteller.",
    ],
    [
        "7",
        "DC-Fehlerstromsensor, Kalibrierung",
        "DC residual current sensor, calibration",
        "Kein Laden, solange der Sensor kalibriert.",
        "Warten. Steht der Code länger an: wie Code 9.",
    ],
    [
        "8",
        "DC-Fehlerstromsensor, Kommunikationsfehler",
        "DC residual current sensor, communication error",
        "Kein Laden.",
        "Fehlerstromüberwachung nicht verfügbar: Wallbox außer Betrieb nehmen, Service.",
    ],
    [
        "9",
        "DC-Fehlerstromsensor, Fehler",
        "DC residual current sensor, fault",
        "Kein Laden.",
        "Fehlerstromüberwachung defekt: Wallbox außer Betrieb nehmen, Service.",
    ],
    [
        "11",
        "Netzüberwachung ausgelöst",
        "Grid monitoring tripped",
        "Laden unterbrochen. Netzüberwachung R37: Unterspannungsgrenze 184 V, Verzögerung 3 s (Werkseinstellung).",
        "Keine Maßnahme an der Wallbox. Bei häufigem Auftreten Netzspannung prüfen lassen.",
    ],
]

PCE_STATES = [
    ["Reg. 100", "Zustand", "Bedeutung"],
    ["0", "Init", "Wallbox startet (Initialisierung)"],
    ["1 / 2", "A1 / A2", "Kein Fahrzeug angesteckt"],
    ["3 / 4", "B1 / B2", "Fahrzeug angesteckt, lädt nicht"],
    ["5 / 6", "C1 / C2", "C2: Fahrzeug lädt"],
    ["7", "F", "Fehler – Code in Register 110"],
]

PCE_STEPS = [
    "1.  Fehlercode ablesen: Register 110, oder vendorErrorCode in der Meldung des Backoffice.",
    "2.  Code 1: nichts tun, die Wallbox setzt den Ladevorgang selbst fort.",
    "3.  Code 3 und Codes 4 bis 6: Ladestecker ziehen und neu anstecken; mit einem anderen Fahrzeug prüfen.",
    "4.  Codes 2, 8 und 9: Wallbox NICHT neu starten. Leitungsschutzschalter aus, Elektrofachkraft rufen.",
    "5.  Code 11: Netzspannung prüfen lassen (Register 149: Unterspannungsgrenze, 148: Verzögerung).",
    "6.  Alle anderen Zahlen: Code und Firmware-Stand (Register 135) notieren und den Service anrufen.",
]


def pce_pages() -> list[tuple[bytes, list]]:
    p1 = Sheet()
    p1.text(14, 10, PCE_HEADER, size=7.2)
    p1.rule(14, 14.5, 196, 14.5, 1)
    p1.text(14, 20, "8   Fehlercodes (Modbus-Register 110) / Error codes", "DejaVuSans-Bold.ttf", 13)
    y = p1.para(14, 30, 180, PCE_INTRO, size=9)
    y, _ = p1.table(14, y + 4, [12, 36, 34, 50, 50], PCE_ROWS, size=8)
    p1.para(
        14,
        y + 4,
        180,
        "Die Tabelle nennt alle Codes, die Register 110 in dieser Firmware annehmen kann.",
        size=8.5,
    )
    p1.stamp(160, 262, ["GEPRÜFT", "Service AT – 03/2024", "Kopie für Techniker"], angle=9)
    p1.handwriting(18, 252, "Code 10 ?? nicht in Liste -> Service!", seed=11)
    p1.text(
        14,
        284,
        "EV11.3 Wallbox – Betriebsanleitung                                                                                     Seite 21",
        size=7,
    )

    p2 = Sheet()
    p2.text(14, 10, PCE_HEADER, size=7.2)
    p2.rule(14, 14.5, 196, 14.5, 1)
    p2.text(14, 20, "9   Fehlerbehebung / Troubleshooting", "DejaVuSans-Bold.ttf", 13)
    y = p2.para(14, 30, 180, "Ladezustand (Register 100):", "DejaVuSans-Bold.ttf", 9.5)
    y, _ = p2.table(14, y + 2, [22, 26, 80], PCE_STATES, size=8.5)
    y = p2.para(14, y + 6, 180, "Vorgehen bei einer Fehlermeldung:", "DejaVuSans-Bold.ttf", 9.5)
    for s in PCE_STEPS:
        y = p2.para(16, y + 1.5, 176, s, size=9)
    y = p2.para(
        14,
        y + 5,
        180,
        "Der maximale Ladestrom ist über DIP-Schalter eingestellt (Register 102 zeigt ihn an). Die automatische Phasenumschaltung muss ebenfalls über DIP-Schalter freigegeben sein (Seite 10).",
        size=9,
    )
    p2.handwriting(20, y + 8, "bei Code 2 letzte Woche: FI im Verteiler auch ausgelöst", seed=12, size=12)
    p2.text(
        14,
        284,
        "EV11.3 Wallbox – Betriebsanleitung                                                                                     Seite 22",
        size=7,
    )
    return [(p1.scanned(seed=901, angle=0.8), p1.lines), (p2.scanned(seed=902, angle=-1.2), p2.lines)]


# --------------------------------------------------------------------------------------------
# Schrack CION — scan with an OCR text layer
# --------------------------------------------------------------------------------------------

SCHRACK_HEADER = "Schrack Technik  ·  i-CHARGE CION Home und Semipublic  ·  Modbus-Registertabelle (Auszug)  ·  Stand: 13.04.2021"

SCHRACK_ROWS = [
    ["Register", "Bit", "Wert", "Bezeichnung", "Erläuterung"],
    [
        "121",
        "6",
        "0x0040",
        "Sammelstörung",
        "Mindestens eine Störung steht an (Fehlerwort in Register 150 ungleich 0).",
    ],
    [
        "121",
        "7",
        "0x0080",
        "Störung FI/LS",
        "Fehlerstromschutzschalter (FI) oder Leitungsschutzschalter (LS) des Ladepunkts hat ausgelöst.",
    ],
    ["121", "8", "0x0100", "Störung Ladekabel", "Das Ladekabel wird nicht erkannt oder ist gestört."],
    [
        "121",
        "9",
        "0x0200",
        "Störung Ladekabel abgewiesen",
        "Die Stromtragfähigkeit des Ladekabels (Register 128: 0, 13, 20, 32, 63 A) passt nicht.",
    ],
    ["121", "10", "0x0400", "Störung Lastschütz", "Das Lastschütz schaltet nicht wie angesteuert."],
    ["146", "–", "1", "Kommunikationsfehler zum Fahrzeug", "Plausibilitätsfehler bei PP und CP."],
    [
        "147",
        "–",
        "1",
        "Konfigurationsfehler am LP",
        "Plausibilitätsfehler in der Konfiguration des Ladepunkts (DIP-Schalter, Register 700).",
    ],
    ["150", "0", "0x01", "FI/LS-Störung", "Fehlerwort (EBE-Busprotokoll), wie Register 121 Bit 7."],
    ["150", "1", "0x02", "Ladekabel-Störung", "Wie Register 121 Bit 8."],
    ["150", "2", "0x04", "Ladekabel abgewiesen", "Wie Register 121 Bit 9."],
    [
        "150",
        "3",
        "0x08",
        "RCMU Selbsttest-Fehler",
        "Der Selbsttest der Fehlerstromüberwachung (RCMU) ist fehlgeschlagen.",
    ],
    [
        "150",
        "4",
        "0x10",
        "RCMU detektiert Fehlerstrom",
        "Die Fehlerstromüberwachung hat einen Fehlerstrom erkannt.",
    ],
    [
        "150",
        "5",
        "0x20",
        "Verriegelungs-Fehler",
        "Die Steckerverriegelung meldet nicht den angesteuerten Zustand.",
    ],
    ["150", "6", "0x40", "Unterspannung der Versorgung", "Netzspannung (Register 302) zu niedrig."],
    ["150", "7", "0x80", "Überspannung der Versorgung", "Netzspannung (Register 302) zu hoch."],
    ["150", "8", "0x100", "Störung Lastschütz", "Wie Register 121 Bit 10."],
    [
        "150",
        "–",
        "≠ 0",
        "Sammelstörung",
        "Jeder Wert ungleich 0; mehrere Bits können gleichzeitig gesetzt sein.",
    ],
    ["306", "–", "1", "Controller-Status: Störung", "0 = fehlerfrei, 1 = Störung des Ladecontrollers."],
]

SCHRACK_LEFT = [
    ("DejaVuSans-Bold.ttf", "Ladefreigabe unwirksam (Register 120)"),
    (
        "DejaVuSans.ttf",
        "Register 120 steht auf 1, wenn die Lade\u00adfreigabe unwirksam geworden ist: bei einer Störung (FI/LS, Ladekabel), wenn kein Auto angeschlossen ist (Mode 3) oder kein Kabel angeschlossen ist. Zurückgesetzt wird der Zustand, indem der Master die Ladefreigabe (Register 100) auf 0 setzt.",
    ),
    ("DejaVuSans-Bold.ttf", "Temperatur (Register 303)"),
    (
        "DejaVuSans.ttf",
        "Ab 60 °C wird der Ladestrom auf höchstens 20 A begrenzt, ab 63 °C auf den Mindeststrom, ab 66 °C pausiert der Ladevorgang. Unter 63 °C wird wieder mit Mindeststrom geladen, unter 60 °C mit 20 A, unter 55 °C mit dem vollen Strom. Eine Temperaturpause ist keine Störung.",
    ),
    ("DejaVuSans-Bold.ttf", "Unter- und Überspannung (Bits 0x40, 0x80)"),
    (
        "DejaVuSans.ttf",
        "Netzspannung in Register 302 ablesen. An der Lade\u00adstation ist nichts zu tun; bei dauerhafter Abweichung den Netz\u00adbetreiber verständigen.",
    ),
]

SCHRACK_RIGHT = [
    ("DejaVuSans-Bold.ttf", "Reset und Entriegeln"),
    (
        "DejaVuSans.ttf",
        "Register 1000 = 1234 setzt den gesamten Ladecontroller (EVCC) zurück. Register 1003 = 4321 setzt alle Modbus-Register auf ihre Werkseinstellung. Register 118 = 2 entriegelt die Ladesteckdose, 118 = 1 verriegelt sie.",
    ),
    ("DejaVuSans-Bold.ttf", "Was ist zu tun?"),
    (
        "DejaVuSans.ttf",
        "Bei FI/LS-Störung, RCMU-Selbsttest-Fehler, Fehler\u00adstrom und Störung Last\u00adschütz keinen Reset senden und nicht entriegeln: Ladepunkt sperren, Elektro\u00adfach\u00adkraft. Bei Verriegelungs-Fehler ohne Ladevorgang: einmal entriegeln (Register 118 = 2). Bei Controller-Störung (306): einmal Reset über Register 1000; besteht sie weiter: Service. Ein Konfigurations\u00adfehler (147) wird durch einen Reset nicht behoben: DIP-Schalter prüfen. Kabelstörungen: Kabel prüfen, anderes Kabel verwenden.",
    ),
]

# how the OCR program misread the page: exact substrings replaced in its text layer
SCHRACK_OCR_FIXES = [
    ("0x01 ", "0x0l "),
    ("0x0040", "0x0O40"),
    ("Lastschütz", "Lastschiitz"),
    ("FI/LS-Störung", "Fl/LS-St0rung"),
    ("Kommunikationsfehler", "Kornmunikationsfehler"),
    ("Ladekabel-Störung", "Ladekabe1-Störung"),
    ("Selbsttest-Fehler", "Selbsttest-Feh1er"),
    ("Überspannung", "Uberspannung"),
    ("0x100 ", "0xl00 "),
    ("Temperatur", "Ternperatur"),
    ("Erläuterung", "Erlauterung"),
]


def _ocr(s: str) -> str:
    for a, b in SCHRACK_OCR_FIXES:
        s = s.replace(a, b)
    return s


def schrack_pages() -> list[tuple[bytes, list]]:
    p1 = Sheet()
    p1.text(12, 10, SCHRACK_HEADER, size=7)
    p1.rule(12, 14.5, 198, 14.5, 1)
    p1.text(12, 19, "Status- und Störungsregister", "DejaVuSans-Bold.ttf", 13)
    y = p1.para(
        12,
        28,
        184,
        "Für alle Bits gilt: 0 = nein, 1 = ja. Über ein OCPP-Gateway wird das Fehlerwort (Register 150) als vendorErrorCode in Hex gemeldet, z. B. 0x10.",
        size=8.5,
        leading=4.2,
    )
    widths = [17, 9, 15, 50, 95]
    top = y + 3
    y, cells = p1.table(12, top, widths, SCHRACK_ROWS, size=7.8, leading=3.7)
    # OCR: the table read row by row, cells separated by runs of spaces
    ocr: list[tuple[float, float, float, str]] = [ln for ln in p1.lines]
    ry = top
    for row in cells:
        n = max(len(c) for c in row)
        for i in range(n):
            parts = [(c[i] if i < len(c) else "") for c in row]
            line = "     ".join(p for p in parts if p)
            ocr.append((13.4, ry + 1.4 + i * 3.7 + 2.4, 7.8, _ocr(line)))
        ry += n * 3.7 + 2.8
    p1.text(
        12,
        y + 4,
        "Register 121: Statusbits (Auszug, Bits 0–5: Kabel angesteckt, Ladeschütz 1/2 aktiv, Ventilation angefordert, Steckerverriegelung).",
        size=7.5,
    )
    p1.stamp(168, 268, ["EINGANG", "Service-Abt. 17.05.2021", "Gerät CION Semipublic"], angle=-7)
    p1.text(
        12,
        284,
        "Modbus Register Tabelle CION Home und Semipublic                                                                   Seite 1/2",
        size=7,
    )
    page1_ocr = [(x, yy, s, _ocr(t)) for (x, yy, s, t) in ocr]

    p2 = Sheet()
    p2.text(12, 10, SCHRACK_HEADER, size=7)
    p2.rule(12, 14.5, 198, 14.5, 1)
    p2.text(12, 19, "Störungsbehebung", "DejaVuSans-Bold.ttf", 13)
    col_w = 88
    left_lines: list[tuple[str, str]] = []
    for font, s in SCHRACK_LEFT:
        for ln in p2.wrap(s, col_w, font, 8.8):
            left_lines.append((font, ln))
        if "Bold" not in font:
            left_lines.append(("", ""))
    right_lines: list[tuple[str, str]] = []
    for font, s in SCHRACK_RIGHT:
        for ln in p2.wrap(s, col_w, font, 8.8):
            right_lines.append((font, ln))
        if "Bold" not in font:
            right_lines.append(("", ""))
    y0 = 29.0
    lead = 4.5
    for i, (font, ln) in enumerate(left_lines):
        if ln:
            p2.text(12, y0 + i * lead, ln, font, 8.8, record=False)
    for i, (font, ln) in enumerate(right_lines):
        if ln:
            p2.text(108, y0 + i * lead, ln, font, 8.8, record=False)
    p2.rule(104, y0 - 1, 104, y0 + max(len(left_lines), len(right_lines)) * lead, 1)
    # OCR: both columns read line by line across the page
    ocr2 = [ln for ln in p2.lines]
    for i in range(max(len(left_lines), len(right_lines))):
        lft = left_lines[i][1] if i < len(left_lines) else ""
        rgt = right_lines[i][1] if i < len(right_lines) else ""
        line = (lft + "    " + rgt).strip()
        if line:
            # a word hyphenated at the end of a column line is left broken by the OCR program
            ocr2.append((12, y0 + i * lead + 3.1, 8.8, _ocr(line)))
    p2.handwriting(16, 240, "Reset 1234 nur 1x! dann Service anrufen", seed=21)
    p2.text(
        12,
        284,
        "Modbus Register Tabelle CION Home und Semipublic                                                                   Seite 2/2",
        size=7,
    )
    page2_ocr = [(x, yy, s, _ocr(t)) for (x, yy, s, t) in ocr2]
    return [(p1.scanned(seed=911, angle=-0.7), page1_ocr), (p2.scanned(seed=912, angle=1.1), page2_ocr)]


# --------------------------------------------------------------------------------------------
# FoxESS A-Series — a table over two pages with its header repeated and a footnote
# --------------------------------------------------------------------------------------------

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=8.4, leading=10.6)
CELLB = ParagraphStyle("cellb", parent=BODY, fontName="Helvetica-Bold")
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=14.5, leading=18, spaceAfter=6)
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=9, spaceAfter=4)
TEXT = ParagraphStyle("text", fontName="Helvetica", fontSize=9, leading=11.8, spaceAfter=4)
NOTE = ParagraphStyle("note", fontName="Helvetica", fontSize=7.8, leading=9.8, spaceBefore=3)


def p(text: str, style=BODY) -> Paragraph:
    return Paragraph(text, style)


def table(header: list[str], rows: list[tuple], widths: list[float]):
    data = [[p(h, CELLB) for h in header]] + [[p(c) for c in r] for r in rows]
    return ruled_table(data, widths, padding=(3.2, 4.2))


FOX_INTRO = (
    "This chapter lists what the FoxESS EV charger A-Series (3rd generation) reports about its state, its "
    "faults and its alarms. The same values are read over Modbus TCP (the work mode must be set to "
    '"Modbus TCP" in the Fox Switch app) and are forwarded to an OCPP back office: the charger then reports '
    "the decimal value of the fault register as vendorErrorCode and the fault names as info. If the connection "
    "to the energy management system is lost, the charger charges with its default current (register 0x3006, "
    "6 to 32 A)."
)

FOX_STATUS = [
    ("0", "Idle", "No fault, no vehicle connected."),
    ("1", "Connected", "Vehicle connected, waiting for the start command."),
    ("2", "Starting", "Start command received, waiting for the vehicle."),
    ("3", "Charging", "Charging."),
    ("4", "Pausing", "Charging suspended."),
    ("5", "Finishing", "Charging finished."),
    ("6", "Faulted", "Faulty, cannot charge: read the fault information (register 0x101A)."),
    ("7", "Reserved", "Not used."),
    ("8", "Locked", "Locked, no operations possible."),
]

FOX_FAULTS = [
    (
        "0",
        "1",
        "0x00001",
        "Emergency stop",
        "The emergency stop of the charger has been operated. The charger does not charge until the emergency stop is released on site.",
        "Find out on site why it was operated. Do not re-enable the charger from the back office.",
    ),
    (
        "1",
        "2",
        "0x00002",
        "Overvoltage",
        "The supply voltage measured at the input of the charger is above the permitted range.",
        "Nothing to do on the charger. Have the supply voltage checked if it happens often.",
    ),
    (
        "2",
        "4",
        "0x00004",
        "Undervoltage",
        "The supply voltage measured at the input of the charger is below the permitted range.",
        "Nothing to do on the charger. Have the supply voltage checked if it happens often.",
    ),
    (
        "3",
        "8",
        "0x00008",
        "Overcurrent",
        "The vehicle drew more current than the charger allows; the charger has switched off the output.",
        "Do not restart from the back office. Unplug, check the vehicle and the cable; if it happens again, an electrician checks the installation.",
    ),
    (
        "4",
        "16",
        "0x00010",
        "Charge port temperature",
        "The temperature measured at the charging socket or plug is too high. Charging stops to protect the contacts.",
        "Let the charger cool down. Have the socket and the plug inspected for discoloured or loose contacts if it happens again.",
    ),
    (
        "5",
        "32",
        "0x00020",
        "PE grounding",
        "The protective earth (PE) connection of the charger is missing or faulty.",
        "Do not use the charger. An electrician checks the earth connection of the supply.",
    ),
    (
        "6",
        "64",
        "0x00040",
        "Leakage current",
        "A residual (leakage) current was detected in the charging circuit.",
        "Do not restart and do not re-enable remotely. An electrician checks the vehicle, the cable and the installation.",
    ),
    (
        "7",
        "128",
        "0x00080",
        "Frequency",
        "The frequency of the supply is outside the permitted range.",
        "Nothing to do on the charger; the grid operator is responsible for the frequency.",
    ),
    (
        "8",
        "256",
        "0x00100",
        "CP",
        "The control pilot (CP) signal between charger and vehicle is not valid.",
        "Unplug and plug in again; try another vehicle. If it happens with every vehicle, have the cable checked.",
    ),
    (
        "9",
        "512",
        "0x00200",
        "Connector",
        "The charging connector (socket or plug) is not detected correctly.",
        "Check that the plug is fully inserted and undamaged.",
    ),
    (
        "10",
        "1024",
        "0x00400",
        "AC contactor",
        "The AC contactor does not switch as commanded; it may be stuck closed.",
        "Take the charger out of service. The output can be live: do not restart, do not unlock, call service.",
    ),
    (
        "11",
        "2048",
        "0x00800",
        "Electronic lock",
        "The electronic lock of the charging socket does not reach the commanded position.",
        "If no session is running, unlock the connector once from the back office. If it persists, service.",
    ),
    (
        "12",
        "4096",
        "0x01000",
        "Breaker",
        "The breaker of the charger has tripped.",
        "Do not switch it back on remotely or on site without finding the cause: an electrician checks the charger and the vehicle.",
    ),
    (
        "13",
        "8192",
        "0x02000",
        "CC",
        "The proximity (CC) signal of the charging cable is not valid: the cable coding is missing or wrong.",
        "Use another charging cable; check the plug.",
    ),
    (
        "14",
        "16384",
        "0x04000",
        "Ext. meter communication",
        "The charger has lost the communication with the external meter.",
        "Check the meter wiring and the meter; the charger itself is not faulty.",
    ),
    (
        "15",
        "32768",
        "0x08000",
        "Metering chip",
        "The internal metering chip of the charger does not answer or reports an error.",
        "Note the firmware version and call service. A restart does not repair the metering chip.",
    ),
    (
        "16",
        "65536",
        "0x10000",
        "Environment temperature",
        "The ambient temperature inside the enclosure is outside the operating range.",
        "Nothing to do on the charger. Shade it from direct sun; charging resumes within the operating range.",
    ),
    (
        "17",
        "131072",
        "0x20000",
        "Access control",
        "Fault of the access control function.",
        "Note the value and contact service.",
    ),
]

FOX_ALARMS = [
    (
        "0",
        "1",
        "Card reader",
        "The RFID card reader does not answer. Charging started from the app or automatically is not affected.",
    ),
    (
        "1",
        "2",
        "Phase cutting box",
        "The phase switching box does not answer; the charger keeps its present phase setting.",
    ),
    ("2", "4", "Phase loss", "One supply phase is missing. Check the supply and the breakers upstream."),
]


def fox_story() -> list:
    flow: list = [p("7&#160;&#160;Status, faults and alarms", TITLE), p(FOX_INTRO, TEXT)]
    flow.append(p("7.1&#160;&#160;Charger status (register 0x1003)", H1))
    flow.append(table(["Value", "Status", "Meaning"], FOX_STATUS, [18, 30, 124]))
    flow.append(p("7.2&#160;&#160;Fault information (register 0x101A, uint32, bit-coded)", H1))
    flow.append(
        p(
            "Each bit stands for one fault. The charger reports the status Faulted (6) while any fault bit is set. "
            'The column "What to do" is addressed to the operator; work on the charger is for qualified electricians only.',
            TEXT,
        )
    )
    flow.append(
        table(
            ["Bit", "Value (dec)", "Value (hex)", "Fault<super>1</super>", "What it means", "What to do"],
            [(a, b, c, d, e, f) for a, b, c, d, e, f in FOX_FAULTS],
            [10, 17, 19, 27, 51, 48],
        )
    )
    flow.append(
        p(
            "<super>1</super> Several faults can be active at the same time; the register then holds the sum of their values "
            "(example: 96 = 32 + 64, PE grounding and leakage current). Bits 18 to 31 are not used. A value that is not a "
            "sum of the values above is not a fault of this list: note it and contact service.",
            NOTE,
        )
    )
    flow.append(Spacer(1, 4 * mm))
    flow.append(p("7.3&#160;&#160;Alarm information (register 0x1015, bit-coded)", H1))
    flow.append(p("An alarm is a warning: the charger stays in service.", TEXT))
    flow.append(table(["Bit", "Value", "Alarm", "Meaning"], FOX_ALARMS, [12, 16, 34, 110]))
    return flow


def _fox_build(*, total: int | None = None) -> tuple[bytes, int]:
    buf = io.BytesIO()
    pages: list[int] = []
    margins = (18, 22)
    decorate = running_edges(
        A4,
        margins,
        "FoxESS  |  EV Charger A-Series (3rd generation)  |  Modbus TCP and OCPP reference",
        "7 Status, faults and alarms",
        total,
        pages,
    )
    doc = BaseDocTemplate(
        buf,
        **template_options(
            A4, margins, "FoxESS EV charger A-Series: status, fault and alarm information", AUTHOR
        ),
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    doc.build(fox_story())
    return buf.getvalue(), max(pages) if pages else 0


def render_all() -> list[tuple[Path, bytes]]:
    pce = scan_pdf(pce_pages(), title="EV11.3 Fehlercodes (Scan)", text_layer=False)
    schrack = scan_pdf(schrack_pages(), title="CION Modbus Störungen (Scan)", text_layer=True)
    fox = counted(_fox_build)
    return [(PCE_OUT, pce), (SCHRACK_OUT, schrack), (FOX_OUT, fox)]


def main(argv: list[str]) -> int:
    rc = 0
    for out, data in render_all():
        rc |= write_or_check(out, data, argv)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
