# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the four binary documents of holdout 11 (written blind).

    .venv/bin/python evals/realworld/render11.py [--check]

* ``legrand/borne-0570/borne-0570-guide-codes-defaut.pdf`` — Legrand charging station
  0 570 10 … 0 570 17: a **French PDF manual with a text layer**: numbered chapters, a "Sécurité"
  box, and the fault table ``Code défaut | Signification | Cause probable | Action corrective``
  whose remedies say what is done remotely ("À distance") and what the electrician does on site
  ("Sur site").
* ``huawei/scharger/scharger-troubleshooting-common-faults.pdf`` — Huawei SCharger-7KS-S0 /
  SCharger-22KT-S0: a text page (headings, paragraphs) whose **alarm table is a picture** pasted
  into it (about 40 % of the page); the alarm IDs exist only in the picture.
* ``feyree/f-obz2/feyree-manual-codigos-de-error.docx`` — Feyree F-OBZ2-AC-1P32: a **Spanish
  Word document** whose codes are **nested bullet lists** (the code is the bullet, meaning, cause
  and remedy are sub-bullets, steps are sub-sub-bullets), no table.
* ``sungrow/ac-charger/ac-charger-quick-reference.pdf`` — Sungrow AC007-00 / AC011E-01 /
  AC22E-01: a **landscape one-page quick-reference card** with a text layer: three columns of
  icon boxes, each a code, a one-line meaning and "→ what to do", and a strip of the charging
  status values.

The text is ours; the facts and every addition of ours are in SOURCES.md, section "Holdout 11
documents". Output is byte-for-byte deterministic: the Word file is re-packed with fixed ZIP
timestamps and fixed document properties, the PDFs use ReportLab ``invariant=1``, the table
picture is drawn by PIL with fixed fonts. ``--check`` renders everything again in a temporary
folder, compares the content with the committed files, writes nothing to the corpus, and exits 1
when any committed file differs.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pdf_output import write_or_check

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
LEGRAND_REL = "legrand/borne-0570/borne-0570-guide-codes-defaut.pdf"
HUAWEI_REL = "huawei/scharger/scharger-troubleshooting-common-faults.pdf"
FEYREE_REL = "feyree/f-obz2/feyree-manual-codigos-de-error.docx"
SUNGROW_REL = "sungrow/ac-charger/ac-charger-quick-reference.pdf"

FIXED = datetime(2026, 12, 7, 9, 0, 0)
ZIP_TIME = (2026, 12, 7, 9, 0, 0)
AUTHOR = "chargemedic real-world corpus (facts: manufacturer documents; wording ours)"

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
pdfmetrics.registerFont(TTFont("DejaVu", str(FONT_DIR / "DejaVuSans.ttf")))
pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))

TEXT = ParagraphStyle("text", fontName="DejaVu", fontSize=9.2, leading=12.2, spaceAfter=4)
SMALL = ParagraphStyle("small", fontName="DejaVu", fontSize=7.6, leading=9.4)
SMALLB = ParagraphStyle("smallb", fontName="DejaVu-Bold", fontSize=7.6, leading=9.4)
H0 = ParagraphStyle("h0", fontName="DejaVu-Bold", fontSize=15, leading=19, spaceAfter=8)
H1 = ParagraphStyle("h1", fontName="DejaVu-Bold", fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4)
H2 = ParagraphStyle("h2", fontName="DejaVu-Bold", fontSize=9.8, leading=13, spaceBefore=5, spaceAfter=3)


def repack(data: bytes) -> bytes:
    """An Office file (a ZIP) with every member's timestamp fixed and the core properties'
    dates pinned, members in their original order: the same input gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = blob.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + "2026-12-07T09:00:00Z" + m.group(3),
                    text,
                )
                blob = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, blob)
    return out.getvalue()


def _p(s: str, style=SMALL) -> Paragraph:
    return Paragraph(s.replace("\n", "<br/>"), style)


# --------------------------------------------------------------------------------------------
# Legrand 0 570 10 … 0 570 17 — French manual, text layer
# --------------------------------------------------------------------------------------------

LEGRAND_FAULTS = [
    (
        "E01",
        "Défaut différentiel : courant de fuite alternatif (≥ 30 mA) détecté pendant la charge",
        "Défaut d'isolement du véhicule, du câble de charge ou de l'installation ; humidité dans la prise",
        "À distance : ne pas réarmer, ne pas redémarrer la borne ; la mettre hors service (indisponible) et prévenir l'exploitant.\nSur site (électricien) : couper le disjoncteur de la borne, mesurer l'isolement de la ligne, de la prise et du câble, trouver le défaut avant toute remise en service.",
    ),
    (
        "E02",
        "Courant de fuite continu ≥ 6 mA (détecteur RDC-DD)",
        "Défaut côté courant continu du chargeur embarqué du véhicule ou défaut d'isolement",
        "À distance : ne pas redémarrer ; mettre la borne hors service.\nSur site (électricien) : contrôle de l'isolement ; faire vérifier le véhicule ; remise en service après mesure.",
    ),
    (
        "E03",
        "Échec de l'autotest du dispositif différentiel intégré",
        "Module de détection défaillant ; la protection des personnes n'est plus assurée",
        "À distance : aucune action de remise en marche ; borne hors service.\nSur site (électricien) : remplacement du module de détection, essai de déclenchement.",
    ),
    (
        "E04",
        "Absence de terre / défaut du conducteur de protection (PE)",
        "Conducteur de protection coupé ou non raccordé, inversion phase / neutre à l'alimentation",
        "À distance : ne pas redémarrer ; borne hors service.\nSur site (électricien) : vérifier le raccordement PE et la polarité, mesurer la résistance de terre.",
    ),
    (
        "E05",
        "Contacteur de puissance collé (contacts soudés)",
        "Contacts du contacteur soudés après une surcharge ; la prise peut rester sous tension",
        "À distance : ne jamais redémarrer ni déverrouiller ; borne hors service immédiatement.\nSur site (électricien) : couper l'alimentation, remplacer le contacteur.",
    ),
    (
        "E06",
        "Surintensité ou court-circuit côté véhicule",
        "Câble de charge endommagé, véhicule qui consomme plus que le courant annoncé, court-circuit",
        "À distance : ne pas réarmer ; borne hors service.\nSur site (électricien) : contrôler le câble et la prise, le disjoncteur et le véhicule avant la remise en service.",
    ),
    (
        "E07",
        "Surtension du réseau (tension d'alimentation > 265 V)",
        "Réseau de distribution hors tolérance",
        "À distance : aucune action ; la borne reprend seule quand la tension revient dans la plage.\nSur site : si le défaut se répète, faire mesurer la tension d'alimentation.",
    ),
    (
        "E08",
        "Sous-tension du réseau (tension d'alimentation < 180 V)",
        "Chute de tension, section de câble insuffisante, coupure d'une phase",
        "À distance : aucune action ; reprise automatique.\nSur site : contrôler l'alimentation si le défaut persiste.",
    ),
    (
        "E09",
        "Température interne trop élevée",
        "Ensoleillement direct, ventilation obstruée, courant de charge élevé",
        "À distance : aucune action ; la borne réduit puis reprend la charge quand elle a refroidi.\nSur site : dégager la borne, vérifier l'emplacement.",
    ),
    (
        "E10",
        "Défaut du verrouillage de la prise (verrou motorisé)",
        "Fiche mal insérée, verrou bloqué, obstacle dans la prise",
        "À distance : si aucune charge n'est en cours, envoyer une commande de déverrouillage une seule fois.\nSur site : si le verrou reste bloqué, intervention d'un technicien sur le mécanisme.",
    ),
    (
        "E11",
        "Signal pilote hors tolérance (dialogue avec le véhicule impossible)",
        "Câble de charge du véhicule défectueux, véhicule non prêt, état du pilote non conforme",
        "À distance : aucune action ; demander à l'usager de rebrancher le câble.\nSur site : essayer un autre câble ou un autre véhicule.",
    ),
    (
        "E12",
        "Diode du véhicule absente (contrôle de la diode échoué)",
        "Objet autre qu'un véhicule raccordé, câble adaptateur non conforme",
        "À distance : aucune action.\nSur site : vérifier le câble et le véhicule.",
    ),
    (
        "E13",
        "Défaut de lecture du compteur d'énergie interne",
        "Perte de communication entre la carte de commande et le compteur",
        "À distance : redémarrer la borne une fois (redémarrage logiciel).\nSur site : si le défaut revient après le redémarrage, remplacement du compteur par un technicien.",
    ),
    (
        "E14",
        "Perte de communication avec la supervision",
        "Réseau (Ethernet, 4G) indisponible, paramètres de supervision erronés",
        "À distance : aucune action sur la borne ; la charge libre reste possible.\nSur site : vérifier le réseau et les paramètres.",
    ),
    (
        "E15",
        "Erreur interne de la carte électronique",
        "Erreur logicielle, carte de commande défaillante",
        "À distance : redémarrer la borne une fois.\nSur site (électricien) : si le code revient après un redémarrage, ne plus redémarrer ; remplacement de la carte.",
    ),
    (
        "E16",
        "Tension présente sur la prise au repos (aucun véhicule, contacteur ouvert)",
        "Contacteur collé ou retour de tension depuis l'installation",
        "À distance : ne pas redémarrer, ne pas déverrouiller ; borne hors service.\nSur site (électricien) : consignation de la borne, recherche de l'origine de la tension.",
    ),
]


def legrand_story() -> list:
    head = [_p(h, SMALLB) for h in ("Code défaut", "Signification", "Cause probable", "Action corrective")]
    rows = [[_p(c, SMALLB), _p(s), _p(k), _p(a)] for c, s, k, a in LEGRAND_FAULTS]
    table = Table([head, *rows], colWidths=[18 * mm, 46 * mm, 44 * mm, 66 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#6E6E6E")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9D9D9")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ]
        )
    )
    safety = Table(
        [
            [_p("⚠  SÉCURITÉ", ParagraphStyle("sb", parent=H2, textColor=colors.HexColor("#B00000")))],
            [
                _p(
                    "Les codes E01, E02, E03, E04, E05, E06 et E16 signalent un défaut de sécurité électrique. "
                    "Pour ces codes, la borne ne doit jamais être redémarrée, réarmée, déverrouillée ni remise en "
                    "service à distance, même si le défaut disparaît après une coupure. La borne reste hors service "
                    "jusqu'au passage d'un électricien qualifié IRVE, qui seul ouvre la borne après l'avoir consignée.",
                    TEXT,
                )
            ],
            [
                _p(
                    "Une remise sous tension à distance d'une borne dont le contacteur est collé (E05) ou dont la prise "
                    "est sous tension au repos (E16) expose l'usager à un risque d'électrocution.",
                    TEXT,
                )
            ],
        ],
        colWidths=[174 * mm],
    )
    safety.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.6, colors.HexColor("#B00000")),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FFF1EC")),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
                ("RIGHTPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return [
        Paragraph("Borne de recharge 0 570 10 … 0 570 17", H0),
        Paragraph("Guide d'utilisation et de dépannage – extrait des chapitres 1, 2, 4, 9 et 10", TEXT),
        Paragraph("1. Caractéristiques de la borne", H1),
        Paragraph(
            "La borne de recharge Legrand 0 570 10 … 0 570 17 recharge les véhicules électriques en mode 3 "
            "(IEC 61851-1) en monophasé ou en triphasé, avec une prise ou un câble de charge fixe. Elle se "
            "raccorde à un disjoncteur et à un dispositif différentiel 30 mA dédiés dans le tableau électrique. "
            "Les bornes communicantes se raccordent à une supervision par le protocole OCPP.",
            TEXT,
        ),
        Paragraph("2. Consignes de sécurité", H1),
        Paragraph(
            "L'installation, l'entretien et toute intervention à l'intérieur de la borne sont réservés à un "
            "électricien qualifié. Ne pas utiliser la borne si le boîtier, la prise ou le câble de charge est "
            "endommagé.",
            TEXT,
        ),
        Paragraph("4. Interfaces utilisateur", H1),
        Paragraph(
            "Le voyant de façade indique l'état de la borne : vert fixe, borne libre ; bleu, véhicule raccordé ou "
            "charge en cours ; rouge, défaut. En cas de défaut, le code défaut (E suivi de deux chiffres) "
            "s'affiche dans l'application et est transmis à la supervision : dans le message "
            "StatusNotification, le champ vendorErrorCode contient le code (par exemple E05), le champ info son "
            "libellé abrégé.",
            TEXT,
        ),
        Paragraph("9. Codes défaut et dépannage", H1),
        Paragraph(
            "Le tableau ci-dessous donne, pour chaque code défaut, sa signification, la cause probable et "
            "l'action corrective : ce que l'exploitant peut faire à distance depuis la supervision, puis ce que "
            "l'électricien fait sur site.",
            TEXT,
        ),
        safety,
        Spacer(1, 6),
        table,
        Spacer(1, 5),
        Paragraph(
            "Un code qui ne figure pas dans ce tableau n'est pas un code de cette borne : ne pas remettre la borne "
            "en service, relever le code et contacter l'assistance technique.",
            TEXT,
        ),
        Paragraph("10. Entretien", H1),
        Paragraph(
            "Une fois par an, l'électricien contrôle le serrage des bornes de raccordement, l'état de la prise et "
            "du câble, et teste le déclenchement du dispositif différentiel amont par son bouton de test.",
            TEXT,
        ),
    ]


def _legrand_build(*, total: int | None = None) -> tuple[bytes, int]:
    buf = io.BytesIO()
    pages: list[int] = []
    width, height = A4

    def decorate(c, doc):
        c.saveState()
        c.setFont("DejaVu", 7.2)
        c.setStrokeColor(colors.grey)
        c.drawString(
            18 * mm, height - 12 * mm, "legrand®  ·  Borne de recharge 0 570 10 … 0 570 17  ·  LERAK135B"
        )
        c.line(18 * mm, height - 13.5 * mm, width - 18 * mm, height - 13.5 * mm)
        c.line(18 * mm, 15 * mm, width - 18 * mm, 15 * mm)
        c.drawString(18 * mm, 11 * mm, "Guide d'utilisation – Codes défaut")
        n = c.getPageNumber()
        pages.append(n)
        c.drawRightString(width - 18 * mm, 11 * mm, f"{n} / {total}" if total else f"{n}")
        c.restoreState()

    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        invariant=1,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title="Borne de recharge 0 570 10 … 0 570 17 – Guide d'utilisation, codes défaut",
        author=AUTHOR,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    doc.build(legrand_story())
    return buf.getvalue(), max(pages) if pages else 0


def legrand_pdf() -> bytes:
    _, n = _legrand_build()
    data, _ = _legrand_build(total=n)
    return data


# --------------------------------------------------------------------------------------------
# Huawei SCharger — text page with the alarm table pasted as a picture
# --------------------------------------------------------------------------------------------

HUAWEI_ROWS = [
    ("Alarm ID", "Alarm Name", "Severity", "Cause", "Suggestion"),
    (
        "3001",
        "Residual Current\nProtection",
        "Major",
        "Residual (leakage) current\ndetected during charging.",
        "Do not restart. Turn off the upstream RCBO.\nAn electrician checks insulation of cable,\ncharger and vehicle.",
    ),
    (
        "3002",
        "Abnormal PE\nConnection",
        "Major",
        "PE cable disconnected or\nL/N reversed at the input.",
        "Do not restart. An electrician checks the PE\ncable and input wiring.",
    ),
    (
        "3003",
        "Relay Adhesion",
        "Major",
        "Output relay contacts are\nwelded (stuck closed).",
        "Stop using the charger. Do not restart or\nunlock. Contact the installer to replace it.",
    ),
    (
        "3004",
        "Output Overcurrent",
        "Major",
        "Charging current exceeds\nthe rated value; short circuit.",
        "Do not restart. An electrician checks the\ncharging cable and vehicle inlet.",
    ),
    (
        "3005",
        "Input Overvoltage",
        "Minor",
        "Grid voltage higher than\nthe allowed range.",
        "No action. Charging resumes when the grid\nvoltage is normal.",
    ),
    (
        "3006",
        "Input Undervoltage",
        "Minor",
        "Grid voltage lower than the\nallowed range; phase loss.",
        "No action. If it persists, have the supply\nchecked.",
    ),
    (
        "3007",
        "Overtemperature",
        "Minor",
        "Internal temperature too\nhigh; power is derated.",
        "No action. Keep vents clear; charging\nresumes after cooling.",
    ),
    (
        "3008",
        "CP Signal Abnormal",
        "Warning",
        "Control pilot voltage out of\nrange; vehicle not ready.",
        "No action on the charger. Reconnect the\nconnector; try another vehicle.",
    ),
    (
        "3009",
        "Electronic Lock\nFault",
        "Minor",
        "The connector lock fails to\nlock or unlock.",
        "If no session is running, unlock once from\nthe app. If it stays locked, call service.",
    ),
    (
        "3010",
        "Meter Communication\nFailure",
        "Minor",
        "Internal energy meter does\nnot respond.",
        "Restart the charger once from the app.\nIf it recurs, contact the installer.",
    ),
    (
        "3011",
        "Residual Current\nSelf-check Failure",
        "Major",
        "The residual current detection\nfailed its power-on self-check.",
        "Do not restart. Contact the installer;\nthe detection module must be replaced.",
    ),
    (
        "3012",
        "Internal\nCommunication Failure",
        "Major",
        "Main board and control board\ndo not communicate.",
        "Restart the charger once. If the alarm\npersists, do not restart again; service.",
    ),
    (
        "3013",
        "Network\nDisconnected",
        "Warning",
        "WLAN/FE/4G link to the\nmanagement system lost.",
        "No action on the charger. Check the router\nand the network settings.",
    ),
]


def _wrap(d, text: str, font, width: int) -> list[str]:
    """The cell's text broken into lines no wider than ``width`` pixels (its own line breaks kept
    as word boundaries)."""
    words = text.replace("\n", " ").split()
    lines: list[str] = []
    cur = ""
    for w in words:
        trial = (cur + " " + w).strip()
        if d.textlength(trial, font=font) <= width or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    return lines


def huawei_table_png() -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    scale = 8  # pixels per mm (about 200 dpi)
    widths = [17, 32, 17, 46, 60]
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 22)
    bold = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), 22)
    line_h = 28
    pad = 9
    probe = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    wrapped = []
    for ri, row in enumerate(HUAWEI_ROWS):
        cells = []
        for ci, cell in enumerate(row):
            f = bold if ri == 0 or ci == 0 else font
            cells.append(_wrap(probe, cell, f, widths[ci] * scale - 2 * pad))
        wrapped.append(cells)
    heights = [max(len(c) for c in cells) * line_h + 2 * pad for cells in wrapped]
    w_px = sum(widths) * scale + 2
    h_px = sum(heights) + 2
    img = Image.new("RGB", (w_px, h_px), (255, 255, 255))
    d = ImageDraw.Draw(img)
    y = 0
    for ri, cells in enumerate(wrapped):
        x = 0
        if ri == 0:
            d.rectangle([0, 0, w_px - 1, heights[0]], fill=(196, 16, 32))
        elif ri % 2 == 0:
            d.rectangle([0, y, w_px - 1, y + heights[ri]], fill=(244, 244, 244))
        for ci, lines in enumerate(cells):
            for li, ln in enumerate(lines):
                d.text(
                    (x + pad, y + pad + li * line_h),
                    ln,
                    font=bold if ri == 0 or ci == 0 else font,
                    fill=(255, 255, 255) if ri == 0 else (20, 20, 20),
                )
            x += widths[ci] * scale
        y += heights[ri]
        d.line([0, y, w_px, y], fill=(150, 150, 150), width=2)
    x = 0
    for cw in widths:
        d.line([x, 0, x, h_px], fill=(150, 150, 150), width=2)
        x += cw * scale
    d.line([w_px - 1, 0, w_px - 1, h_px], fill=(150, 150, 150), width=2)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()


def huawei_pdf() -> bytes:
    buf = io.BytesIO()
    width, height = A4

    def decorate(c, doc):
        c.saveState()
        c.setFont("DejaVu", 7.2)
        c.setFillColor(colors.HexColor("#555555"))
        c.drawString(
            18 * mm, height - 12 * mm, "SCharger-7KS-S0, SCharger-22KT-S0  Smart Charger  User Manual"
        )
        c.drawRightString(width - 18 * mm, height - 12 * mm, "8 Troubleshooting Common Faults")
        c.drawString(18 * mm, 11 * mm, "Issue 03   Copyright © Huawei Digital Power Technologies Co., Ltd.")
        c.drawRightString(width - 18 * mm, 11 * mm, "18")
        c.restoreState()

    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        invariant=1,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title="SCharger User Manual - Troubleshooting Common Faults",
        author=AUTHOR,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    png = huawei_table_png()
    from PIL import Image as PILImage

    w_px, h_px = PILImage.open(io.BytesIO(png)).size
    img_w = 174 * mm
    img_h = img_w * h_px / w_px
    story = [
        Paragraph("8 Troubleshooting Common Faults", H0),
        Paragraph(
            "When the charger detects a fault, the indicator turns red and an alarm is reported to the FusionSolar "
            "app and, when the charger is connected to a charging management system, over OCPP. The alarm ID is "
            "sent as vendorErrorCode with errorCode OtherError; the alarm name is sent in info.",
            TEXT,
        ),
        Paragraph(
            "Alarms have three severities. A <b>Major</b> alarm stops charging and the charger stays out of service "
            "until the cause has been removed on site. A <b>Minor</b> alarm stops or limits the current session. A "
            "<b>Warning</b> does not stop the charger.",
            TEXT,
        ),
        Paragraph("Table 8-1 Alarms and handling suggestions", H2),
        Image(io.BytesIO(png), width=img_w, height=img_h),
        Spacer(1, 5),
        Paragraph(
            "Before any work inside the charger, turn off the upstream residual current operated circuit-breaker "
            "with integral overcurrent protection (RCBO). Only qualified electricians may open the charger.",
            TEXT,
        ),
        Paragraph("Alarm IDs not listed in Table 8-1", H2),
        Paragraph(
            "Record the alarm ID and contact Huawei technical support. Do not put the charger back into service "
            "from the app until support has identified the alarm.",
            TEXT,
        ),
        Paragraph("9 Customer Support", H1),
        Paragraph(
            "Have the charger model, the SN and the alarm ID at hand when you contact your installer or Huawei "
            "technical support.",
            TEXT,
        ),
    ]
    doc.build(story)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Feyree F-OBZ2-AC-1P32 — Spanish Word document, codes in nested bullet lists
# --------------------------------------------------------------------------------------------

FEYREE_CODES = [
    (
        "ERR01 – Sobretensión",
        "La tensión de la red supera el límite admitido (más de 265 V).",
        "Red eléctrica inestable o fuera de tolerancia.",
        [
            "No hace falta ninguna acción: el cargador vuelve a cargar solo cuando la tensión se normaliza.",
            "Si se repite a menudo, un electricista debe medir la tensión de la instalación.",
        ],
    ),
    (
        "ERR02 – Subtensión",
        "La tensión de la red es inferior al límite admitido (menos de 180 V).",
        "Caída de tensión en la red o sección de cable insuficiente.",
        ["Ninguna acción: reanudación automática.", "Si persiste, revisar la alimentación."],
    ),
    (
        "ERR03 – Sobrecorriente",
        "La corriente de carga supera la corriente ajustada.",
        "Vehículo que consume más de lo permitido, cable de carga dañado.",
        [
            "No reiniciar el cargador.",
            "Desconectar el cargador en el cuadro eléctrico.",
            "Un electricista revisa el cable, la manguera y el vehículo antes de volver a usarlo.",
        ],
    ),
    (
        "ERR04 – Fuga de corriente",
        "El diferencial interno detecta corriente residual (fuga a tierra).",
        "Defecto de aislamiento en el vehículo, el cable o la instalación; humedad.",
        [
            "No reiniciar ni volver a poner en servicio.",
            "Cortar la alimentación en el cuadro.",
            "Un electricista mide el aislamiento de la instalación y del cable.",
        ],
    ),
    (
        "ERR05 – Fallo de tierra",
        "No se detecta conexión a tierra (PE).",
        "Conductor de protección no conectado o cortado; instalación sin toma de tierra.",
        ["No usar el cargador sin tierra.", "Un electricista conecta y comprueba el conductor de tierra."],
    ),
    (
        "ERR06 – Sobretemperatura",
        "La temperatura interna es demasiado alta; la corriente se reduce o la carga se detiene.",
        "Sol directo, ventilación insuficiente, carga prolongada a 32 A.",
        [
            "Ninguna acción: la carga se reanuda cuando el equipo se enfría.",
            "Instalar el cargador a la sombra si se repite.",
        ],
    ),
    (
        "ERR07 – Fallo del relé",
        "El relé de salida está pegado (contactos soldados) y no abre.",
        "Desgaste o soldadura de los contactos tras una sobrecarga.",
        [
            "No reiniciar, no desbloquear la manguera a distancia.",
            "Desconectar el cargador en el cuadro eléctrico.",
            "Un técnico sustituye el relé.",
        ],
    ),
    (
        "ERR08 – Error de señal CP",
        "La señal piloto (CP) está fuera de rango: no hay comunicación con el vehículo.",
        "Conector mal insertado, vehículo no preparado, fallo en el cable.",
        [
            "Ninguna acción en el cargador.",
            "Desconectar y volver a conectar la manguera; probar con otro vehículo.",
        ],
    ),
    (
        "ERR09 – Cortocircuito",
        "Cortocircuito detectado en la salida.",
        "Conector o manguera dañados, agua en el conector.",
        ["No reiniciar.", "Desconectar la alimentación; un electricista revisa la manguera y el conector."],
    ),
    (
        "ERR10 – Fallo de autocomprobación del diferencial",
        "El módulo de protección diferencial no supera la prueba al arrancar.",
        "Módulo de detección de fugas averiado.",
        ["No volver a poner en servicio.", "Contactar con el servicio técnico para sustituir el módulo."],
    ),
    (
        "ERR11 – Error de comunicación interna",
        "La placa de control (MCU) no se comunica con el módulo WiFi.",
        "Error de software, bloqueo del módulo WiFi.",
        [
            "Reiniciar el cargador una sola vez (desde la app o apagando y encendiendo).",
            "Si el error vuelve, no reiniciar de nuevo: contactar con el servicio técnico.",
        ],
    ),
    (
        "ERR12 – Fallo del medidor de energía",
        "El medidor interno (RN7302) no responde; no se miden potencia ni energía.",
        "Fallo de comunicación con el medidor.",
        ["Reiniciar el cargador una vez.", "Si se repite, el servicio técnico cambia la placa."],
    ),
    (
        "ERR13 – Error de diodo del vehículo",
        "La comprobación del diodo del vehículo falla.",
        "Se ha conectado algo que no es un vehículo o un adaptador no conforme.",
        ["Ninguna acción en el cargador; revisar el adaptador y el vehículo."],
    ),
]

FEYREE_STATES = [
    ("0", "Cargador libre"),
    ("1", "Vehículo conectado"),
    ("2", "Listo"),
    ("3", "Cargando"),
    ("4", "En pausa"),
    ("5", "Carga finalizada"),
    ("6", "Fallo (se muestra un código ERR en la pantalla)"),
]


def feyree_docx() -> bytes:
    from docx import Document

    doc = Document()
    cp = doc.core_properties
    cp.author = "Feyree"
    cp.title = "F-OBZ2-AC-1P32 – Códigos de error"
    cp.created = FIXED
    cp.modified = FIXED
    cp.last_modified_by = "Feyree"
    cp.revision = 1
    doc.add_heading("Cargador para vehículo eléctrico F-OBZ2-AC-1P32", level=0)
    doc.add_paragraph("Manual de usuario – capítulo 7: estados, códigos de error y solución de problemas")
    doc.add_heading("7.1 Estados del cargador", level=1)
    doc.add_paragraph(
        "La pantalla TFT y la app muestran el estado del cargador. El mismo número de estado se envía a la "
        "plataforma de gestión:"
    )
    for num, name in FEYREE_STATES:
        doc.add_paragraph(f"Estado {num}: {name}", style="List Bullet")
    doc.add_heading("7.2 Códigos de error", level=1)
    doc.add_paragraph(
        "Cuando el cargador pasa al estado 6 (Fallo), la pantalla muestra un código ERR. Con OCPP, el código se "
        "envía en vendorErrorCode (por ejemplo ERR04) y su nombre en info. Los códigos marcados con ⚠ son fallos "
        "de seguridad eléctrica: el cargador no debe reiniciarse ni volver a ponerse en servicio a distancia."
    )
    safety = {"ERR03", "ERR04", "ERR05", "ERR07", "ERR09", "ERR10"}
    for title, meaning, cause, steps in FEYREE_CODES:
        code = title.split(" ")[0]
        mark = " ⚠" if code in safety else ""
        doc.add_paragraph(title + mark, style="List Bullet")
        doc.add_paragraph(f"Significado: {meaning}", style="List Bullet 2")
        doc.add_paragraph(f"Causa posible: {cause}", style="List Bullet 2")
        doc.add_paragraph("Solución:", style="List Bullet 2")
        for s in steps:
            doc.add_paragraph(s, style="List Bullet 3")
    doc.add_heading("7.3 Códigos no listados", level=1)
    doc.add_paragraph(
        "Un código ERR que no aparece en esta lista no está definido para este modelo. No vuelva a poner el "
        "cargador en servicio y contacte con el servicio técnico indicando el código."
    )
    doc.add_heading("7.4 Advertencia", level=1)
    doc.add_paragraph(
        "Antes de abrir el cargador, desconéctelo en el cuadro eléctrico. Las reparaciones internas solo las "
        "realiza un electricista cualificado."
    )
    buf = io.BytesIO()
    doc.save(buf)
    return repack(buf.getvalue())


# --------------------------------------------------------------------------------------------
# Sungrow AC chargers — landscape one-page quick reference, three columns of icon boxes
# --------------------------------------------------------------------------------------------

SUNGROW_BOXES = [
    ("001", "⚡", "Leakage current protection", "→ Do not restart. Isolate; electrician checks insulation."),
    (
        "002",
        "PE",
        "Grounding fault (PE missing / L-N reversed)",
        "→ Do not restart. Electrician checks PE and wiring.",
    ),
    (
        "003",
        "⚠",
        "Relay adhesion – output relay welded",
        "→ Out of service now. No restart, no unlock. Service.",
    ),
    ("004", "⚡", "Output overcurrent", "→ Do not restart. Electrician checks cable and vehicle."),
    ("005", "⚡", "Output short circuit", "→ Do not restart. Electrician checks connector and cable."),
    ("006", "V", "Grid overvoltage", "→ No action. Resumes when grid is back in range."),
    ("007", "V", "Grid undervoltage / phase loss", "→ No action. Have supply checked if it persists."),
    ("008", "°C", "Over-temperature, power derated", "→ No action. Resumes after cooling; keep vents clear."),
    ("009", "CP", "CP signal abnormal (vehicle side)", "→ No action on charger. Re-plug; try another EV."),
    ("010", "L", "Electronic lock fault", "→ No session running: unlock once. Still locked: service."),
    ("011", "M", "Meter communication fault", "→ Restart once from iSolarCloud. Recurs: call installer."),
    (
        "012",
        "⚠",
        "Leakage self-test failed at power-on",
        "→ Do not restart. Detection module to be replaced.",
    ),
    ("013", "↯", "Communication with EMS / inverter lost", "→ No action on charger. Check RS485 / network."),
    ("014", "!", "Internal memory / firmware fault", "→ Restart once. Recurs: no second restart; service."),
    ("???", "?", "Code not on this card", "→ Not defined. Keep out of service; call Sungrow service."),
]

SUNGROW_STATUS = "Charging status (input register 21317):  1 Idle · 2 Standby · 3 Charging · 4 Suspended (charger side) · 5 Suspended (vehicle side) · 6 Completed · 7 Reserved · 8 Disabled · 9 Fault"


def sungrow_pdf() -> bytes:
    buf = io.BytesIO()
    size = landscape(A4)
    width, height = size
    c = pdfcanvas.Canvas(buf, pagesize=size, invariant=1)
    c.setTitle("Sungrow AC charger – fault code quick reference")
    c.setAuthor(AUTHOR)
    c.setFillColor(colors.HexColor("#1F5FA8"))
    c.rect(0, height - 22 * mm, width, 22 * mm, stroke=0, fill=1)
    c.setFillColor(colors.white)
    c.setFont("DejaVu-Bold", 16)
    c.drawString(12 * mm, height - 12 * mm, "SUNGROW  AC Charger  ·  Fault code quick reference")
    c.setFont("DejaVu", 9)
    c.drawString(
        12 * mm,
        height - 18 * mm,
        "AC007-00 · AC011E-01 · AC22E-01   —   keep this card with the charger. Codes appear in iSolarCloud and as vendorErrorCode over OCPP (status 9 Fault).",
    )
    c.setFillColor(colors.black)
    c.setFont("DejaVu", 8)
    c.drawString(12 * mm, height - 28 * mm, SUNGROW_STATUS)
    cols, rows = 3, 5
    left, top = 12 * mm, height - 33 * mm
    gap = 4 * mm
    box_w = (width - 2 * left - (cols - 1) * gap) / cols
    box_h = 30 * mm
    safety = {"001", "002", "003", "004", "005", "012"}
    for i, (code, icon, meaning, todo) in enumerate(SUNGROW_BOXES):
        col, row = i // rows, i % rows
        x = left + col * (box_w + gap)
        y = top - (row + 1) * box_h - row * 2.5 * mm
        red = code in safety
        c.setStrokeColor(colors.HexColor("#B00000") if red else colors.HexColor("#1F5FA8"))
        c.setLineWidth(1.4 if red else 0.9)
        c.setFillColor(colors.HexColor("#FFF1EC") if red else colors.HexColor("#F2F6FB"))
        c.roundRect(x, y, box_w, box_h, 3 * mm, stroke=1, fill=1)
        c.setFillColor(colors.HexColor("#B00000") if red else colors.HexColor("#1F5FA8"))
        c.circle(x + 10 * mm, y + box_h - 10 * mm, 6.5 * mm, stroke=0, fill=1)
        c.setFillColor(colors.white)
        c.setFont("DejaVu-Bold", 11)
        c.drawCentredString(x + 10 * mm, y + box_h - 12 * mm, icon)
        c.setFillColor(colors.black)
        c.setFont("DejaVu-Bold", 18)
        c.drawString(x + 20 * mm, y + box_h - 12.5 * mm, code)
        c.setFont("DejaVu-Bold", 8.6)
        c.drawString(x + 4 * mm, y + box_h - 21 * mm, meaning)
        c.setFont("DejaVu", 8.0)
        c.drawString(x + 4 * mm, y + 5 * mm, todo)
    c.setFont("DejaVu", 7)
    c.setFillColor(colors.HexColor("#555555"))
    c.drawString(
        12 * mm,
        6 * mm,
        "Red boxes: electrical safety – never reset, unlock or re-enable remotely; only a qualified electrician puts the charger back into service.",
    )
    c.drawRightString(width - 12 * mm, 6 * mm, "QRC-AC-EN  1/1")
    c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------


def render_all() -> list[tuple[str, bytes]]:
    return [
        (LEGRAND_REL, legrand_pdf()),
        (HUAWEI_REL, huawei_pdf()),
        (FEYREE_REL, feyree_docx()),
        (SUNGROW_REL, sungrow_pdf()),
    ]


def main(argv: list[str]) -> int:
    """Write every document, or with ``--check`` compare each with the committed one."""
    results = [write_or_check(CORPUS / rel, data, argv) for rel, data in render_all()]
    return max(results, default=0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
