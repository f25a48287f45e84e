# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the four binary documents of holdout 12 (written blind).

    .venv/bin/python evals/realworld/render12.py [--check]

* ``ekoenergetyka/axon-side/axon-side-kody-bledow.pdf`` — Ekoenergetyka AXON Side: a **Polish
  PDF manual chapter** whose ruled alarm table has the **remedy before the meaning** and the
  code in the **third column** (``Lp. | Zalecane działanie | Kod | Opis usterki | Zdalny
  restart``).
* ``autel/maxicharger-ac/maxicharger-ac-fault-guide.pdf`` — Autel MaxiCharger AC Wallbox:
  **one code per half page** (heading "Fault 12 — …", then the paragraphs "What happened",
  "What you can do", "When to call an installer"), eight pages.
* ``wallbe/eco-2/wallbe-eco-2-stoerungstabelle-photo.pdf`` — wallbe Eco 2.0 / Eco 2.0s: a
  **photograph of a printed fault table taken at an angle, low contrast**, image only, no text
  layer.
* ``chargeamps/aura/aura-error-codes-en-sv.pdf`` — Charge Amps Aura: a **two-language table**
  (English and Swedish columns side by side) that **continues on page 2 without its header**,
  with a **page-wide footnote** between the two parts.

The text is ours; the facts and every addition of ours are in SOURCES.md, section "Holdout 12
documents". Output is byte-for-byte deterministic: ReportLab ``invariant=1``, the photograph is
drawn by PIL with fixed fonts and a fixed random seed and embedded as PNG. ``--check`` renders
everything again in a temporary folder, compares the content with the committed files, writes
nothing to the corpus, prints ``up to date`` for each document that matches, and exits 1 when any
committed file differs.
"""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter, ImageFont
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pdf_output import template_options, write_or_check

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
EKO_REL = "ekoenergetyka/axon-side/axon-side-kody-bledow.pdf"
AUTEL_REL = "autel/maxicharger-ac/maxicharger-ac-fault-guide.pdf"
WALLBE_REL = "wallbe/eco-2/wallbe-eco-2-stoerungstabelle-photo.pdf"
CHARGEAMPS_REL = "chargeamps/aura/aura-error-codes-en-sv.pdf"

AUTHOR = "chargemedic real-world corpus (facts: manufacturer documents; wording ours)"

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
pdfmetrics.registerFont(TTFont("DejaVu", str(FONT_DIR / "DejaVuSans.ttf")))
pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))

TEXT = ParagraphStyle("text", fontName="DejaVu", fontSize=9.2, leading=12.2, spaceAfter=4)
SMALL = ParagraphStyle("small", fontName="DejaVu", fontSize=7.6, leading=9.4)
SMALLB = ParagraphStyle("smallb", fontName="DejaVu-Bold", fontSize=7.6, leading=9.4)
NOTE = ParagraphStyle("note", fontName="DejaVu", fontSize=7.2, leading=9, textColor=colors.HexColor("#333333"))
H0 = ParagraphStyle("h0", fontName="DejaVu-Bold", fontSize=15, leading=19, spaceAfter=8)
H1 = ParagraphStyle("h1", fontName="DejaVu-Bold", fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4)
H2 = ParagraphStyle("h2", fontName="DejaVu-Bold", fontSize=9.8, leading=13, spaceBefore=5, spaceAfter=3)
LABEL = ParagraphStyle("label", fontName="DejaVu-Bold", fontSize=9.2, leading=12, spaceBefore=3, spaceAfter=1)


def _p(s: str, style=SMALL) -> Paragraph:
    return Paragraph(s.replace("\n", "<br/>"), style)


def _doc_bytes(flow: list, *, header: str, footer: str, title: str, margins=(18, 20)) -> bytes:
    """A4 portrait, running header and footer ("N / M" after a first pass)."""

    def build(total: int | None) -> tuple[bytes, int]:
        buf = io.BytesIO()
        pages: list[int] = []
        opts = template_options(A4, margins, title, AUTHOR)
        doc = BaseDocTemplate(buf, **opts)
        frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
        width, height = A4
        side, ends = margins

        def edges(canvas, _doc):
            canvas.saveState()
            canvas.setFont("DejaVu", 7.2)
            canvas.setStrokeColor(colors.grey)
            canvas.setLineWidth(0.4)
            top = height - (ends - 7) * mm
            canvas.drawString(side * mm, top, header)
            canvas.line(side * mm, top - 2.5, width - side * mm, top - 2.5)
            bottom = (ends - 9) * mm
            canvas.line(side * mm, bottom + 8, width - side * mm, bottom + 8)
            canvas.drawString(side * mm, bottom, footer)
            page = canvas.getPageNumber()
            pages.append(page)
            canvas.drawRightString(width - side * mm, bottom, f"{page} / {total}" if total else f"{page}")
            canvas.restoreState()

        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=edges)])
        doc.build(list(flow_factory()))
        return buf.getvalue(), max(pages) if pages else 1

    flow_factory = flow
    _, count = build(None)
    data, _ = build(count)
    return data


def _grid(data: list, widths_mm: list[float], *, repeat: int = 1, header_bg: str = "#D9D9D9") -> Table:
    table = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=repeat)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if repeat:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(header_bg)))
    table.setStyle(TableStyle(style))
    return table


# --------------------------------------------------------------------------------------------
# Ekoenergetyka AXON Side — Polish manual chapter, remedy before meaning, code third
# --------------------------------------------------------------------------------------------

# (Zalecane działanie, Kod, Opis usterki, Zdalny restart)
EKO_ALARMS = [
    ("NIE restartować stacji zdalnie. Wyłączyć stację z eksploatacji (stan „niedostępna”) i wezwać elektryka z uprawnieniami SEP; przed ponownym uruchomieniem zmierzyć rezystancję izolacji instalacji zasilającej.",
     "E101", "Zadziałanie wyłącznika różnicowoprądowego (RCD) w obwodzie zasilania stacji – prąd upływu po stronie AC.", "NIE"),
    ("NIE restartować. Stacja musi pozostać wyłączona do czasu pomiaru izolacji kabla ładującego i toru DC przez serwis Ekoenergetyka. Sprawdzić, czy błąd nie występuje tylko przy jednym pojeździe.",
     "E102", "Monitor izolacji (IMD) wykrył spadek rezystancji izolacji toru DC poniżej progu (uszkodzenie izolacji kabla lub wtyczki CCS, woda).", "NIE"),
    ("Wyłączyć stację z eksploatacji. Elektryk sprawdza ciągłość przewodu ochronnego PE i połączenie z szyną uziemiającą w szafie.",
     "E103", "Brak ciągłości przewodu ochronnego PE / brak uziemienia stacji.", "NIE"),
    ("Wykonać restart stacji z poziomu systemu zarządzania (CSMS). Jeżeli błąd powtarza się – zgłosić do serwisu.",
     "E104", "Zgrzany (sklejony) stycznik wyjściowy DC – styki nie otwierają się po zakończeniu ładowania; na złączu może pozostać napięcie.", "TAK*"),
    ("Nie ponawiać ładowania. Wyłączyć stację z eksploatacji; serwis sprawdza kabel ładujący, bezpieczniki DC i moduły mocy.",
     "E105", "Zwarcie lub przetężenie na wyjściu DC (zadziałanie zabezpieczenia nadprądowego).", "NIE"),
    ("Przycisk zwolnić wyłącznie na miejscu, po sprawdzeniu przyczyny jego użycia. Zdalne wznowienie pracy jest zablokowane.",
     "E106", "Wciśnięty wyłącznik bezpieczeństwa (grzybek awaryjny STOP).", "NIE"),
    ("Wyłączyć stację z eksploatacji; technik na miejscu zamyka i plombuje drzwi szafy, sprawdza, czy nikt nie miał dostępu do części pod napięciem.",
     "E107", "Otwarte drzwi szafy lub naruszenie obudowy (czujnik drzwi) podczas pracy.", "NIE"),
    ("Brak działania zdalnego – stacja sama ogranicza moc i wraca do pracy po ostygnięciu. Sprawdzić przy wizycie filtry wentylatorów.",
     "E108", "Przegrzanie modułu mocy (temperatura radiatora powyżej progu).", "NIE"),
    ("Brak działania zdalnego. Ładowanie zostaje przerwane, stacja ponowi próbę po ostygnięciu wtyczki. Jeżeli występuje często – serwis sprawdza czujnik temperatury wtyczki.",
     "E109", "Przegrzanie wtyczki / kabla CCS (czujnik PT1000 we wtyczce).", "NIE"),
    ("Sprawdzić zasilanie po stronie sieci (operator sieci, zabezpieczenia przedlicznikowe). Stacja wznowi pracę automatycznie po powrocie wszystkich faz.",
     "E110", "Zanik fazy lub asymetria napięć zasilania.", "NIE"),
    ("Brak działania zdalnego. Stacja czeka na powrót napięcia do zakresu 207–253 V i wznawia pracę sama.",
     "E111", "Napięcie zasilania poza zakresem (przepięcie / zbyt niskie napięcie sieci).", "NIE"),
    ("Poprosić kierowcę o ponowne podłączenie pojazdu. Błąd po stronie pojazdu nie wymaga działań na stacji.",
     "E112", "Błąd komunikacji z pojazdem (PLC / SLAC, DIN 70121 / ISO 15118) – sesja przerwana.", "NIE"),
    ("NIE restartować i NIE odblokowywać złącza. Natychmiast wyłączyć stację z eksploatacji – elektryk mierzy napięcie na złączu przy otwartych stycznikach.",
     "E113", "Napięcie na złączu DC w stanie spoczynku (przed zamknięciem stycznika lub po zakończeniu ładowania).", "NIE"),
    ("Jednorazowy restart zdalny (Reset – Soft). Jeżeli błąd pojawi się ponownie – nie restartować więcej, zgłosić do serwisu.",
     "E114", "Utrata komunikacji CAN między sterownikiem a modułami mocy.", "TAK (1×)"),
    ("Jednorazowy restart zdalny dozwolony. Ponowne wystąpienie po restarcie – zgłoszenie serwisowe.",
     "E115", "Błąd sterownika stacji (watchdog, zawieszenie aplikacji).", "TAK (1×)"),
    ("Restart nie usuwa tego błędu. Zgłosić do serwisu – wymiana lub ponowne zaprogramowanie sterownika.",
     "E116", "Uszkodzona pamięć konfiguracji sterownika (błąd trwały).", "NIE"),
    ("Brak działania na stacji. Sprawdzić łącze LTE / Ethernet i adres serwera OCPP; stacja ładuje dalej w trybie offline.",
     "E117", "Brak połączenia z systemem zarządzania (OCPP).", "NIE"),
    ("Wysłać zdalne polecenie odblokowania złącza (UnlockConnector) – jeden raz. Jeżeli wtyczka nadal zablokowana – technik na miejscu.",
     "E118", "Błąd blokady wtyczki CCS (siłownik blokady nie zmienia położenia).", "NIE"),
]


def eko_story() -> list:
    s: list = [
        Paragraph("AXON Side 180 / 360 – Instrukcja obsługi i serwisu", H0),
        Paragraph("Rozdział 9. Alarmy i kody błędów", H1),
        Paragraph("9.1 Zasady ogólne", H2),
        Paragraph("Stacja zgłasza każdy aktywny alarm do systemu zarządzania (CSMS) w komunikacie OCPP. W OCPP 1.6 kod alarmu znajduje się w polu vendorErrorCode komunikatu StatusNotification, a w OCPP 2.0.1 w polu techCode komunikatu NotifyEvent (komponent, np. RCD, PowerContactor, Connector). Ten sam kod wyświetla ekran serwisowy stacji.", TEXT),
        Paragraph("Kolumna „Zdalny restart” mówi, czy restart wykonany z CSMS jest dopuszczalny. Gwiazdka (*) oznacza wskazówkę producenta dla wersji oprogramowania 2.x; patrz uwaga pod tabelą.", TEXT),
        Paragraph("Zagrożenie porażeniem: alarmy dotyczące izolacji, przewodu ochronnego, styczników i napięcia na złączu mogą oznaczać, że części dostępne są pod napięciem. Prace wykonuje wyłącznie elektryk z uprawnieniami.", ParagraphStyle("warn", parent=TEXT, textColor=colors.HexColor("#A00000"))),
        Paragraph("9.2 Tabela 9-1. Kody alarmów", H2),
    ]
    rows = [[_p("Lp.", SMALLB), _p("Zalecane działanie", SMALLB), _p("Kod", SMALLB), _p("Opis usterki", SMALLB), _p("Zdalny restart", SMALLB)]]
    for i, (remedy, code, meaning, restart) in enumerate(EKO_ALARMS, 1):
        rows.append([_p(f"{i}."), _p(remedy), _p(code), _p(meaning), _p(restart)])
    s.append(_grid(rows, [9, 68, 13, 63, 21]))
    s += [
        Spacer(1, 4),
        Paragraph("* Uwaga do E104: wskazówka „restart z CSMS” pochodzi z wersji 2.x oprogramowania. Zgrzany stycznik nie otworzy się po restarcie; w razie wątpliwości traktować jak alarm bezpieczeństwa.", NOTE),
        Paragraph("9.3 Kody nieujęte w tabeli", H2),
        Paragraph("Kod, którego nie ma w tabeli 9-1, należy zgłosić do serwisu Ekoenergetyka wraz z numerem seryjnym stacji i wersją oprogramowania. Nie wykonywać restartów „na próbę”.", TEXT),
        Paragraph("9.4 Kontakt z serwisem", H2),
        Paragraph("Serwis Ekoenergetyka-Polska S.A., Zielona Góra – zgłoszenia przez portal serwisowy lub telefonicznie (24/7).", TEXT),
    ]
    return s


def render_eko() -> bytes:
    return _doc_bytes(
        eko_story,
        header="Ekoenergetyka · AXON Side · Instrukcja obsługi i serwisu · rozdz. 9",
        footer="Dokument AXS-IOS-PL wyd. 4 · 2024",
        title="AXON Side – kody błędów",
    )


# --------------------------------------------------------------------------------------------
# Autel MaxiCharger AC Wallbox — one code per half page
# --------------------------------------------------------------------------------------------

# (number, title, what happened, what you can do, when to call an installer)
AUTEL_FAULTS = [
    (1, "Residual current detected",
     "The built-in residual current monitor measured a leakage current to earth (30 mA AC or 6 mA DC) and the charger opened its relays. Someone touching the vehicle or the cable could be exposed to it.",
     "Unplug the vehicle. Wait one minute and plug in again: the charger tries again by itself.",
     "At once if the fault returns, if you see water in the socket or if the cable is damaged. Do not use the charger until an electrician has measured the installation."),
    (2, "RCD self-test failed",
     "At start-up the charger tests its residual current monitor. The test did not trip, so the charger cannot protect against leakage current and stays out of service.",
     "Nothing. Do not switch the breaker off and on repeatedly to get past the test.",
     "Always. The residual current module must be checked or replaced by an installer."),
    (3, "Earth (PE) not detected",
     "The charger cannot detect a protective earth connection on its supply terminals.",
     "Nothing you can do from the app. Keep the charger switched off at the breaker.",
     "Always: the earth conductor or the supply wiring is faulty."),
    (4, "Relay welded",
     "The charger commanded its output relay to open, but voltage is still measured on the output. The relay contacts may have welded; the cable can stay live.",
     "Turn the charger off and on again at the circuit breaker.",
     "If the fault is still shown after switching back on. Do not unplug the cable with bare hands while the fault is shown."),
    (5, "Overcurrent",
     "The vehicle drew more current than the charger allowed, or there is a short circuit in the cable or vehicle inlet. The charger stopped charging.",
     "Check the cable and plug for damage. Do not start charging again if anything looks burnt.",
     "If the fault happens again with another vehicle, or the cable shows damage."),
    (6, "Over-voltage",
     "The supply voltage was above the allowed range (above 264 V) for more than a few seconds.",
     "Wait: the charger resumes when the voltage is back to normal. If it happens often, ask your electricity supplier.",
     "If the voltage is high all the time."),
    (7, "Under-voltage",
     "The supply voltage dropped below 176 V, often during a brown-out or when large loads start in the house.",
     "Wait: the charger resumes by itself when the supply recovers. Consider lowering the maximum current in the app.",
     "If it happens every day."),
    (8, "Over-temperature",
     "The temperature inside the charger went above 85 °C. The charger first reduced the current, then stopped.",
     "Let the charger cool down; it restarts charging by itself. Keep the unit out of direct afternoon sun and do not cover it.",
     "If the fault appears in mild weather."),
    (9, "Control pilot (CP) error",
     "The control pilot signal between charger and vehicle is out of range: the vehicle did not answer as IEC 61851-1 expects.",
     "Unplug the connector from the vehicle and plug it in again. Try another vehicle if you can.",
     "If every vehicle shows the fault."),
    (10, "Vehicle diode check failed",
     "The charger could not find the diode of the vehicle's pilot circuit. This is usually a vehicle-side or plug problem.",
     "Re-plug the vehicle. Check that the vehicle is set to charge.",
     "Not normally needed: ask the vehicle's service if it persists on one car only."),
    (11, "Socket lock error",
     "On the socket version, the locking pin did not move to the commanded position. The plug may be held in the socket.",
     "Use “Unlock” in the Autel Charge app once. If the plug is still held, do not pull it out by force.",
     "If the unlock in the app does not release the plug."),
    (12, "Internal communication error",
     "The main board lost contact with the metering or the display board for more than ten seconds.",
     "Restart the charger once from the Autel Charge app (Settings → Restart).",
     "If the fault comes back after the restart."),
    (13, "Energy meter failure",
     "The internal energy meter gives no readings or readings that are not plausible. Billing and load balancing cannot work. A restart does not repair the meter.",
     "Do not restart the charger repeatedly: it will not clear this fault.",
     "Always: the meter module must be replaced."),
    (14, "Tilt or impact detected",
     "The motion sensor reports that the charger was hit or is no longer mounted upright. Its enclosure or wiring may be damaged.",
     "Do not touch the charger. Switch it off at the breaker if it is safe to do so.",
     "Always, before the charger is used again."),
    (15, "Network connection lost",
     "The charger lost its Wi-Fi, Ethernet or 4G connection to the back office for more than five minutes. Charging with plug and charge continues.",
     "Check the router. The charger reconnects by itself.",
     "Not needed, unless the charger never reconnects."),
    (16, "Voltage on output while idle",
     "Voltage was measured on the charging outlet while no charging session was running. This should never happen.",
     "Do not use the charger and do not unplug any cable from it.",
     "Immediately. The charger must be isolated at the breaker by an electrician."),
]


def autel_story() -> list:
    s: list = [
        Paragraph("MaxiCharger AC Wallbox — Fault Guide", H0),
        Paragraph("This guide explains every fault number the MaxiCharger AC Wallbox (models MaxiCharger AC Wallbox, AC Elite, AC Ultra) shows in the Autel Charge app and on its LED bar, which flashes red while a fault is active. Each fault has its own section.", TEXT),
        Paragraph("The charger reports the fault number to a connected back office: in OCPP 1.6 as vendorErrorCode of a StatusNotification (the number only, for example 12), in OCPP 2.0.1 as techCode of a NotifyEvent. A fault number that is not in this guide is not assigned: report it to Autel support with the serial number.", TEXT),
        Paragraph("Faults 1, 2, 3, 4, 5, 14 and 16 are safety faults. For these, follow “When to call an installer” even if the fault seems to go away.", ParagraphStyle("warnA", parent=TEXT, textColor=colors.HexColor("#A00000"))),
        PageBreak(),
    ]
    for i, (num, title, happened, can_do, installer) in enumerate(AUTEL_FAULTS):
        block = [
            Paragraph(f"Fault {num} — {title}", H1),
            Paragraph("What happened", LABEL),
            Paragraph(happened, TEXT),
            Paragraph("What you can do", LABEL),
            Paragraph(can_do, TEXT),
            Paragraph("When to call an installer", LABEL),
            Paragraph(installer, TEXT),
        ]
        s += block
        if i % 2 == 1 and i != len(AUTEL_FAULTS) - 1:
            s.append(PageBreak())
        else:
            s.append(Spacer(1, 40 * mm))
            s.append(CondPageBreak(60 * mm))
    return s


def render_autel() -> bytes:
    return _doc_bytes(
        autel_story,
        header="Autel Energy · MaxiCharger AC Wallbox · Fault Guide",
        footer="MC-AC-FG-EN V1.3",
        title="MaxiCharger AC Wallbox Fault Guide",
    )


# --------------------------------------------------------------------------------------------
# wallbe Eco 2.0 — printed table photographed at an angle, low contrast, image only
# --------------------------------------------------------------------------------------------

# (LED, Code, Fault, What to do)
WALLBE_FAULTS = [
    ("red, 1 flash", "F01", "DC residual current ≥ 6 mA (RDC-DD)", "Do not switch on again. Electrician: check vehicle and cable insulation."),
    ("red, 2 flashes", "F02", "AC residual current, RCD type A tripped", "Leave RCD off. Electrician must find the leak before reset."),
    ("red, 3 flashes", "F03", "Protective earth (PE) missing", "Out of service. Electrician: check PE and supply wiring."),
    ("red, 4 flashes", "F04", "Contactor does not open (welded)", "Danger: socket may be live. Isolate at breaker, call service."),
    ("yellow, 1 flash", "F05", "Socket lock / shutter fault", "Send unlock once (app or back office). Else service."),
    ("yellow, 2 flashes", "F06", "Over-temperature inside housing", "Wait. Charging resumes when cooled down."),
    ("yellow, 3 flashes", "F07", "Vehicle requests ventilation (state D)", "Not supported. Charge vehicle elsewhere / vehicle setting."),
    ("yellow, 4 flashes", "F08", "CP short to PE (state E)", "Re-plug vehicle. Check vehicle inlet / cable."),
    ("red, steady", "F09", "Controller error", "Switch off at circuit breaker 10 s, switch on again."),
    ("blue, flashing", "F10", "Modbus / load management link lost", "Check Modbus cable and energy manager. Charges at fallback current."),
    ("green/red alternating", "F11", "Supply phase missing", "Check supply fuses. Resumes automatically."),
    ("red/yellow alternating", "F12", "Parameter memory defective", "Cannot be reset. Controller must be replaced by service."),
]


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def wallbe_photo() -> bytes:
    """A printed A4 sheet photographed at an angle in poor light: drawn flat, then warped by a
    perspective transform, darkened, blurred a little and speckled; PNG bytes."""
    w, h = 1654, 2339  # A4 at 200 dpi
    paper = PILImage.new("L", (w, h), 232)
    d = ImageDraw.Draw(paper)
    ink = 92
    d.text((120, 130), "wallbe Eco 2.0 / Eco 2.0s", font=_font(52, True), fill=ink)
    d.text((120, 205), "Störungstabelle / Fault table (Service-Info 07, Rev. B)", font=_font(34), fill=ink)
    d.text((120, 262), "LED = Statusleuchte an der Front. The fault code is sent to the back office as vendorErrorCode (e.g. F04).", font=_font(24), fill=ink)
    cols = [120, 420, 560, 1010, 1560]
    top = 340
    row_h = 122
    heads = ["LED", "Code", "Fault", "What to do"]
    d.rectangle([cols[0], top, cols[-1], top + 64], outline=ink, width=3, fill=214)
    for x, head in zip(cols, heads, strict=False):
        d.text((x + 14, top + 14), head, font=_font(30, True), fill=ink)

    def wrap(text: str, width_px: int, font) -> list[str]:
        words, lines, cur = text.split(), [], ""
        for word in words:
            trial = (cur + " " + word).strip()
            if d.textlength(trial, font=font) <= width_px:
                cur = trial
            else:
                lines.append(cur)
                cur = word
        if cur:
            lines.append(cur)
        return lines

    y = top + 64
    f = _font(27)
    fb = _font(30, True)
    for led, code, fault, todo in WALLBE_FAULTS:
        d.rectangle([cols[0], y, cols[-1], y + row_h], outline=ink, width=2)
        for x in cols[1:-1]:
            d.line([x, y, x, y + row_h], fill=ink, width=2)
        for i, (txt, font) in enumerate([(led, f), (code, fb), (fault, f), (todo, f)]):
            for j, line in enumerate(wrap(txt, cols[i + 1] - cols[i] - 28, font)[:3]):
                d.text((cols[i] + 14, y + 12 + j * 34), line, font=font, fill=ink)
        y += row_h
    d.line([cols[0], top, cols[0], y], fill=ink, width=3)
    d.text((120, y + 40), "Bei Fehlern F01–F04: Gerät spannungsfrei schalten, Elektrofachkraft rufen. Kein Neustart per App!", font=_font(26, True), fill=ink)
    d.text((120, y + 86), "Codes not listed: note the code and the serial number and contact wallbe service.", font=_font(26), fill=ink)

    # photograph: perspective (top edge narrower, sheet turned a little), darker background
    canvas_img = PILImage.new("L", (w, h), 118)
    coeffs = _perspective_coeffs(
        [(70, 40), (w - 130, 110), (w - 40, h - 60), (20, h - 140)],
        [(0, 0), (w, 0), (w, h), (0, h)],
    )
    warped = paper.transform((w, h), PILImage.PERSPECTIVE, coeffs, PILImage.BICUBIC, fillcolor=118)
    mask = PILImage.new("L", (w, h), 255).transform((w, h), PILImage.PERSPECTIVE, coeffs, PILImage.BICUBIC, fillcolor=0)
    canvas_img.paste(warped, (0, 0), mask)
    # uneven light: darker towards the lower right
    shade = PILImage.linear_gradient("L").resize((w, h)).rotate(35, fillcolor=255)
    canvas_img = PILImage.composite(canvas_img, PILImage.new("L", (w, h), 150), shade.point(lambda v: 255 - v // 4))
    canvas_img = canvas_img.filter(ImageFilter.GaussianBlur(1.1))
    rnd = random.Random(12)
    px = canvas_img.load()
    for _ in range(9000):
        x, yy = rnd.randrange(w), rnd.randrange(h)
        px[x, yy] = max(0, min(255, px[x, yy] + rnd.choice((-38, -24, 22, 30))))
    out = io.BytesIO()
    canvas_img.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _perspective_coeffs(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    """Coefficients for PIL's PERSPECTIVE transform mapping output points ``src`` to input
    points ``dst`` (solved by Gaussian elimination, no numpy needed)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst, strict=False):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    n = 8
    a = [[*r[:], b] for r, b in zip(rows, rhs, strict=False)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[piv] = a[piv], a[col]
        for r in range(n):
            if r != col:
                factor = a[r][col] / a[col][col]
                for c in range(col, n + 1):
                    a[r][c] -= factor * a[col][c]
    return [a[i][n] / a[i][i] for i in range(n)]


def render_wallbe() -> bytes:
    png = wallbe_photo()
    buf = io.BytesIO()
    c = pdfcanvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle("wallbe Eco 2.0 Störungstabelle (photo)")
    c.setAuthor(AUTHOR)
    width, height = A4
    c.drawImage(ImageReader(io.BytesIO(png)), 0, 0, width=width, height=height)
    c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Charge Amps Aura — English + Swedish table, continued without header, footnote between
# --------------------------------------------------------------------------------------------

# (code, description EN, beskrivning SV, action EN, åtgärd SV)
CHARGEAMPS_CODES = [
    ("101", "DC residual current ≥ 6 mA detected", "Jordfelsström DC ≥ 6 mA upptäckt",
     "Charging stopped. Do not restart remotely. Installer checks the vehicle, the cable and the installation.",
     "Laddningen stoppad. Starta inte om på distans. Installatören kontrollerar fordon, kabel och installation."),
    ("102", "AC residual current ≥ 30 mA, outlet switched off", "Jordfelsström AC ≥ 30 mA, uttaget frånkopplat",
     "Take the outlet out of service. An electrician must find the leakage before it is used again.",
     "Ta uttaget ur drift. En elektriker måste hitta läckaget innan det används igen."),
    ("103", "Residual current monitor self-test failed", "Självtest av jordfelsövervakningen misslyckades",
     "Outlet blocked. Replace the outlet module. A restart does not make the outlet safe.",
     "Uttaget spärrat. Byt uttagsmodul. En omstart gör inte uttaget säkert."),
    ("104", "Protective earth missing", "Skyddsjord saknas",
     "Out of service until an electrician has checked PE and the supply.",
     "Ur drift tills en elektriker har kontrollerat skyddsjord och matning."),
    ("105", "Relay welded / contactor stuck closed", "Relä fastsvetsat / kontaktor fastnat i tillslaget läge",
     "Restart the charger from the Charge Amps portal. If the code remains, contact the installer.",
     "Starta om laddaren från Charge Amps portal. Om koden kvarstår, kontakta installatören."),
    ("106", "Overcurrent on outlet", "Överström på uttaget",
     "Do not restart. Installer checks cable, vehicle and outlet before re-use.",
     "Starta inte om. Installatören kontrollerar kabel, fordon och uttag före användning."),
    ("107", "Over-temperature", "Övertemperatur",
     "Charging current reduced or paused. Resumes automatically when cooled.",
     "Laddströmmen sänks eller pausas. Återupptas automatiskt efter avsvalning."),
    ("108", "Supply voltage too low", "För låg matningsspänning",
     "Check the supply. Resumes automatically.",
     "Kontrollera matningen. Återupptas automatiskt."),
    ("109", "Supply phase missing", "Fas saknas i matningen",
     "Check the fuses of the supply. Resumes automatically.",
     "Kontrollera matningens säkringar. Återupptas automatiskt."),
    ("110", "Charging cable damaged (PP circuit open)", "Laddkabeln skadad (PP-kretsen bruten)",
     "Stop using the cable. Take the outlet out of service; the cable must be replaced.",
     "Sluta använda kabeln. Ta uttaget ur drift; kabeln ska bytas."),
    ("111", "Control pilot error from vehicle", "Fel i styrsignalen (CP) från fordonet",
     "Re-plug the vehicle. Vehicle-side fault; nothing to do on the charger.",
     "Koppla in fordonet igen. Fel på fordonssidan; ingen åtgärd på laddaren."),
    ("112", "Lock motor fault (Type 2 outlet)", "Fel på låsmotorn (Typ 2-uttag)",
     "Unlock the outlet once from the app or the portal. If it stays locked, service visit.",
     "Lås upp uttaget en gång från appen eller portalen. Om det förblir låst, servicebesök."),
    ("113", "Internal communication error between outlet boards", "Internt kommunikationsfel mellan uttagskorten",
     "Restart the charger once (soft reset from the portal). If it returns, contact support.",
     "Starta om laddaren en gång (mjuk omstart från portalen). Om felet återkommer, kontakta support."),
    ("114", "Load balancing meter (Amp Guard) not reachable", "Lastbalanseringsmätaren (Amp Guard) nås inte",
     "Charging continues at the fallback current. Check the Amp Guard and its network.",
     "Laddningen fortsätter med reservström. Kontrollera Amp Guard och dess nätverk."),
    ("115", "Firmware checksum error (permanent)", "Kontrollsummefel i firmware (permanent)",
     "A restart does not clear this code. Contact Charge Amps support for a replacement.",
     "En omstart tar inte bort koden. Kontakta Charge Amps support för utbyte."),
    ("116", "Voltage on outlet while idle", "Spänning på uttaget i viloläge",
     "Danger. Isolate the charger at the fuse box. Do not unlock or restart. Call an electrician.",
     "Fara. Gör laddaren spänningslös i elcentralen. Lås inte upp och starta inte om. Ring en elektriker."),
]


def chargeamps_story() -> list:
    s: list = [
        Paragraph("Charge Amps Aura — Error codes / Felkoder", H0),
        Paragraph("Installation and service information, chapter 8. The code is shown in the Charge Amps app and portal and is sent over OCPP as vendorErrorCode (1.6) or techCode (2.0.1). Aura has two outlets; the code applies to the outlet (connector 1 or 2) it is reported on.", TEXT),
        Paragraph("Installations- och serviceinformation, kapitel 8. Koden visas i Charge Amps app och portal och skickas via OCPP som vendorErrorCode (1.6) eller techCode (2.0.1).", TEXT),
        Spacer(1, 4),
    ]
    head = [_p(t, SMALLB) for t in ("Code / Kod", "Description (EN)", "Beskrivning (SV)", "Action (EN)", "Åtgärd (SV)")]
    widths = [16, 34, 34, 45, 45]
    first = [head] + [[_p(c), _p(a), _p(b), _p(x), _p(y)] for c, a, b, x, y in CHARGEAMPS_CODES[:9]]
    rest = [[_p(c), _p(a), _p(b), _p(x), _p(y)] for c, a, b, x, y in CHARGEAMPS_CODES[9:]]
    s.append(_grid(first, widths))
    s.append(Spacer(1, 8))
    s.append(Paragraph(
        "¹ Codes 101–106 and 110, 116 are safety codes: the outlet stays blocked until an authorised installer has checked it, whatever the action text suggests. "
        "Koderna 101–106 samt 110 och 116 är säkerhetskoder: uttaget förblir spärrat tills en behörig installatör har kontrollerat det. "
        "Table continues on the next page / Tabellen fortsätter på nästa sida.",
        NOTE,
    ))
    s.append(PageBreak())
    s.append(_grid(rest, widths, repeat=0))
    s += [
        Spacer(1, 6),
        Paragraph("8.2 Codes not in the table / Koder som inte finns i tabellen", H2),
        Paragraph("Report any other code to Charge Amps support with the serial number of the charger. Rapportera andra koder till Charge Amps support med laddarens serienummer.", TEXT),
    ]
    return s


def render_chargeamps() -> bytes:
    return _doc_bytes(
        chargeamps_story,
        header="Charge Amps AB · Aura · Installation and service information / Installations- och serviceinformation",
        footer="Charge Amps Aura · Error codes EN/SV · rev. 2.3",
        title="Charge Amps Aura error codes / felkoder",
    )


def render_all() -> list[tuple[str, bytes]]:
    return [
        (EKO_REL, render_eko()),
        (AUTEL_REL, render_autel()),
        (WALLBE_REL, render_wallbe()),
        (CHARGEAMPS_REL, render_chargeamps()),
    ]


def main(argv: list[str]) -> int:
    """Write every document, or with ``--check`` compare each with the committed one."""
    results = [write_or_check(CORPUS / rel, data, argv) for rel, data in render_all()]
    return max(results, default=0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
