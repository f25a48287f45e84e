"""Render chargemedic's Markdown manual sources into vendor-manual style PDFs.

    python -m knowledge.render_manuals [--src knowledge/corpus_src] [--out knowledge/corpus]
                                       [--check]

Every ``*.md`` under the source root becomes a PDF at the same relative path under the output
root. Output is byte-for-byte deterministic: ReportLab runs with ``invariant=1`` (fixed creation
date 2000-01-01 and fixed document ID), fonts are the Vera TTFs bundled with ReportLab (no host
font lookup), and nothing depends on time, paths or hash order. ``--check`` writes nothing and
exits 1 listing the PDFs that are missing or differ from a fresh render.

Markdown subset (see the corpus brief): front matter, numbered headings ``#``-``###``, paragraphs,
``**bold**``/``*italic*``, numbered and bullet lists, ``> WARNING: ...`` callouts, pipe tables.
Anything else degrades to plain paragraph text.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import unicodedata
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab.platypus as rl
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

HERE = Path(__file__).resolve().parent
PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20 * mm, 24 * mm, 22 * mm
BODY_W = PAGE_W - 2 * MARGIN_X
GREY = colors.HexColor("#5b6470")
PALETTE = ["#0b4f8a", "#8a1c1c", "#1f6b4a", "#5a2d82", "#b35900", "#00626f"]
CALLOUT_COLORS = {"DANGER": "#b00020", "WARNING": "#c0392b", "CAUTION": "#d68910"}
FALLBACK = {"→": "->", "←": "<-", "↔": "<->", "⇒": "=>", "Δ": "∆", "′": "'", "″": '"', "\t": " "}
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)[\s#]*$")
LIST_RE = re.compile(r"^(?:[-*+]|(\d+)[.)])\s+(.*)$")
LABEL_RE = re.compile(r"^\**(DANGER|WARNING|CAUTION|NOTICE|NOTE|IMPORTANT)\**\s*:\**\s*(.*)$", re.I)
RULE_RE = re.compile(r"^([-*_])(\s*\1){2,}$")
Block = tuple[str, object]


# ------------------------------------------------------------------------------------ parsing


def split_front_matter(text: str) -> tuple[dict[str, str], list[str]]:
    """Return ``(metadata, body_lines)``: the ``key: value`` lines between leading ``---`` fences
    (keys lower-cased, one pair of surrounding quotes removed). No closed block: no metadata."""
    lines = text.replace("\r\n", "\n").split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if lines[0].strip() != "---" or end is None:
        return {}, lines
    meta = {}
    for key, sep, value in (line.partition(":") for line in lines[1:end]):
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if sep and key.strip():
            meta[key.strip().lower()] = value
    return meta, lines[end + 1 :]


def line_kind(line: str) -> str:
    """Classify a stripped line: blank, heading, callout, table, list or para. Rules and code
    fence markers count as blank, so fenced code renders as plain paragraphs."""
    if not line or RULE_RE.match(line) or line.startswith(("```", "~~~")):
        return "blank"
    if HEADING_RE.match(line):
        return "heading"
    if line[0] in ">|":
        return "callout" if line[0] == ">" else "table"
    return "list" if LIST_RE.match(line) else "para"


def parse_blocks(lines: list[str]) -> list[Block]:
    """Group body lines into ``(kind, payload)`` blocks: heading ``(level, text)``, para ``text``,
    list ``(ordered, start, items)``, callout ``text``, table ``rows``. A block runs
    until a blank line or a line of another kind (lists absorb plain continuation lines)."""
    lines = [ln.strip() for ln in lines]
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        kind, j = line_kind(lines[i]), i + 1
        if kind != "blank":
            same = ("list", "para") if kind == "list" else (kind,)
            while kind != "heading" and j < len(lines) and line_kind(lines[j]) in same:
                j += 1
            blocks.append(make_block(kind, lines[i:j]))
        i = j
    return blocks


def make_block(kind: str, lines: list[str]) -> Block:
    """Build one block's payload from its stripped lines."""
    if kind == "heading":
        m = HEADING_RE.match(lines[0])
        return kind, (len(m[1]), m[2])
    if kind == "callout":
        return kind, " ".join(ln.lstrip("> ") for ln in lines).strip()
    if kind == "table":
        rows = [split_row(ln) for ln in lines]
        rows = [r for r in rows if not all(re.fullmatch(r":?-+:?", c) for c in r)] or [[""]]
        return kind, [(r + [""] * len(rows[0]))[: len(rows[0])] for r in rows]
    if kind == "list":
        items: list[str] = []
        for ln in lines:
            m = LIST_RE.match(ln)
            items.append(m[2] if m else f"{items.pop()} {ln}")
        start = LIST_RE.match(lines[0])[1]
        return kind, (start is not None, int(start or 1), items)
    return "para", " ".join(lines)


def split_row(line: str) -> list[str]:
    """Split a pipe-table row into stripped cells (``\\|`` stays a literal pipe)."""
    line = line.replace("\\|", "\x00").strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\x00", "|") for cell in line.split("|")]


# ------------------------------------------------------------------------------- text & fonts


def register_fonts() -> set[int]:
    """Register ReportLab's bundled Vera TTFs (idempotent); return the code points they cover."""
    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        for name, file in (
            ("Vera", "Vera.ttf"),
            ("Vera-Bold", "VeraBd.ttf"),
            ("Vera-Italic", "VeraIt.ttf"),
            ("Vera-BoldItalic", "VeraBI.ttf"),
        ):
            pdfmetrics.registerFont(TTFont(name, file))
        pdfmetrics.registerFontFamily(
            "Vera", normal="Vera", bold="Vera-Bold", italic="Vera-Italic", boldItalic="Vera-BoldItalic"
        )
    return set(pdfmetrics.getFont("Vera").face.charToGlyph)


def font_safe(text: str) -> str:
    """Replace characters the Vera font lacks by ASCII look-alikes (or ``?``)."""
    covered = register_fonts()
    return "".join(
        ch
        if ord(ch) in covered
        else FALLBACK.get(ch) or unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "?"
        for ch in text
    )


def inline(text: str) -> str:
    """Escape ``&``, ``<``, ``>`` and turn inline Markdown into Paragraph markup: ``**b**`` and
    ``*i*`` become tags, links and images keep their text, code backticks are dropped."""
    text = escape(font_safe(re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("`", "")))
    text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"<b>\1</b>", text)
    return re.sub(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])", r"<i>\1</i>", text)


def para(text: str, style: ParagraphStyle, prefix: str = "") -> rl.Paragraph:
    """Paragraph of trusted markup ``prefix`` + Markdown ``text``; if the inline markup is
    malformed (crossed emphasis), the text is set plain instead of failing."""
    try:
        return rl.Paragraph(prefix + inline(text), style)
    except ValueError:
        return rl.Paragraph(prefix + escape(font_safe(text)), style)


def make_styles(accent: colors.Color) -> dict[str, ParagraphStyle]:
    """Paragraph styles keyed by role (body, item, h1-h3, cell, head, callout, cover_*)."""
    body = ParagraphStyle("body", fontName="Vera", fontSize=9.5, leading=13.5, spaceAfter=5)
    bold, small = {"fontName": "Vera-Bold"}, {"fontSize": 8, "leading": 10, "spaceAfter": 0}
    specs = {
        "item": {"spaceAfter": 2},
        "h1": {**bold, "fontSize": 16, "leading": 20, "textColor": accent, "spaceAfter": 3},
        "h2": {**bold, "fontSize": 12, "leading": 15, "textColor": accent, "spaceBefore": 11},
        "h3": {**bold, "fontSize": 10.5, "leading": 13.5, "spaceBefore": 8, "spaceAfter": 3},
        "cell": small,
        "head": {**small, **bold},
        "callout": {"fontSize": 9, "spaceAfter": 0},
        "cover_title": {**bold, "fontSize": 24, "leading": 30, "spaceAfter": 14},
        "cover_model": {"fontSize": 14, "leading": 18, "textColor": accent, "spaceAfter": 30},
    }
    styles = {name: ParagraphStyle(name, body, **kw) for name, kw in specs.items()}
    for level in (1, 2, 3):
        styles[f"h{level}"].keepWithNext = 1
    return {"body": body, **styles}


def brand_color(vendor: str) -> colors.Color:
    """Stable per-vendor accent colour (crc32, not ``hash()``, so it survives hash seeding)."""
    return colors.HexColor(PALETTE[zlib.crc32(vendor.encode()) % len(PALETTE)])


def tint(color: colors.Color, amount: float) -> colors.Color:
    """Blend ``color`` towards white by ``amount`` (0..1)."""
    return colors.Color(*(c + (1 - c) * amount for c in (color.red, color.green, color.blue)))


# ---------------------------------------------------------------------------------- flowables


def column_widths(
    rows: list[list[str]], size: float = 8, strict: bool = True, avail: float = BODY_W
) -> list[float] | None:
    """Column widths summing to ``avail`` for cells set at ``size`` pt. No column is narrower than
    its header or widest word, so nothing wraps mid-word. If every cell fits on one line, widths
    follow the longest cell. Otherwise short columns (codes, OCPP names) get their longest cell up
    to a cap; long free-text columns (Cause, Remedy) are lifted towards the cap, then share the
    spare space in proportion to their text volume. Returns None (try a smaller size) if headers
    and widest words overflow ``avail`` or, when ``strict``, a long column stays below the cap."""

    def width(text: str, row: int) -> float:
        return pdfmetrics.stringWidth(font_safe(text), "Vera" + "-Bold" * (row == 0), size) + 9

    cols = [list(enumerate(col)) for col in zip(*rows, strict=True)]
    longest = [max(width(c, r) for r, c in col) for col in cols]
    if sum(longest) <= avail:
        return [w * avail / sum(longest) for w in longest]
    floor = [max(width(col[0][1], 0), *(width(w, r) for r, c in col for w in c.split())) for col in cols]
    volume = [
        sum(width(c, r) for r, c in col) if n > 0.25 * avail else 0.0
        for col, n in zip(cols, longest, strict=True)
    ]
    cap = max(0.16 * avail, 0.6 * avail / len(cols))
    widths = [f if v else max(f, min(n, cap)) for f, n, v in zip(floor, longest, volume, strict=True)]
    need = [max(0.0, cap - w) if v else 0.0 for w, v in zip(widths, volume, strict=True)]
    if sum(widths) + strict * sum(need) > avail:
        return None
    lift = min(1.0, (avail - sum(widths)) / sum(need)) if sum(need) else 0.0
    widths = [w + n * lift for w, n in zip(widths, need, strict=True)]
    spare = avail - sum(widths)
    return [w + spare * v / (sum(volume) or 1) for w, v in zip(widths, volume, strict=True)]


def boxed(content: list, style: list, **kw: object) -> rl.Table:
    """Table with common padding plus ``style`` commands."""
    table = rl.Table(content, hAlign="LEFT", **kw)
    pads = [(f"{side}PADDING", (0, 0), (-1, -1), 4) for side in ("LEFT", "RIGHT", "TOP", "BOTTOM")]
    table.setStyle(rl.TableStyle([*pads, ("VALIGN", (0, 0), (-1, -1), "TOP"), *style]))
    return table


def table_flowable(rows: list[list[str]], styles: dict, accent: colors.Color) -> rl.Table:
    """Grid table with a bold shaded header row that repeats when the table spans pages. Set at
    8 pt, or down to 6.5 pt for tables too wide for that; the ``Remote:``/``On site:`` labels of
    remedy cells are set in bold."""
    fits = (
        (size, w)
        for size, strict in ((8, 1), (7.5, 1), (7, 1), (7, 0), (6.5, 0))
        if (w := column_widths(rows, size, strict))
    )
    size, widths = next(fits, (6.5, [BODY_W / len(rows[0])] * len(rows[0])))
    cell, head = (
        ParagraphStyle(f"{name}{size}", styles[name], fontSize=size, leading=size * 1.25)
        for name in ("cell", "head")
    )
    cells = [
        [para(re.sub(r"\b(Remote|On site):", r"**\1:**", c) if r else c, cell if r else head) for c in row]
        for r, row in enumerate(rows)
    ]
    return boxed(
        cells,
        [
            ("GRID", (0, 0), (-1, -1), 0.4, GREY),
            ("BACKGROUND", (0, 0), (-1, 0), tint(accent, 0.8)),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f4f6")]),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
        ],
        colWidths=widths,
        repeatRows=1,
        spaceBefore=4,
        spaceAfter=10,
    )


def callout_flowable(text: str, styles: dict, accent: colors.Color) -> rl.Table:
    """Boxed note; a leading ``WARNING:``/``CAUTION:``/``NOTE:`` label is set bold and coloured."""
    m = LABEL_RE.match(text)
    label, text = (m[1].upper(), m[2]) if m else ("", text)
    color = colors.HexColor(CALLOUT_COLORS[label]) if label in CALLOUT_COLORS else accent
    prefix = f'<font color="#{color.hexval()[2:]}"><b>{label}:</b></font> ' if label else ""
    return boxed(
        [[para(text, styles["callout"], prefix)]],
        [
            ("BOX", (0, 0), (-1, -1), 0.8, color),
            ("LINEBEFORE", (0, 0), (0, -1), 4, color),
            ("BACKGROUND", (0, 0), (-1, -1), tint(color, 0.92)),
            ("LEFTPADDING", (0, 0), (-1, -1), 9),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ],
        colWidths=[BODY_W],
        spaceBefore=4,
        spaceAfter=9,
    )


def block_flowables(kind: str, payload, styles: dict, accent: colors.Color) -> list:
    """Flowables for one parsed block. Headings deeper than ``###`` render as level 3; level-1
    headings get a coloured rule."""
    if kind == "heading":
        level, text = min(payload[0], 3), payload[1]
        heading = para(text, styles[f"h{level}"])
        rule = rl.HRFlowable(width="100%", thickness=1.2, color=accent, spaceAfter=10)
        return [heading, rule] if level == 1 else [heading]
    if kind == "table":
        return [table_flowable(payload, styles, accent)]
    if kind == "callout":
        return [callout_flowable(payload, styles, accent)]
    if kind == "list":
        ordered, start, items = payload
        return [
            rl.ListFlowable(
                [rl.ListItem(para(item, styles["item"])) for item in items],
                bulletType="1" if ordered else "bullet",
                start=start if ordered else "•",
                bulletFormat="%s." if ordered else None,
                bulletFontName="Vera",
                bulletFontSize=9.5,
                leftIndent=16 if ordered else 13,
                spaceBefore=1,
                spaceAfter=6,
            )
        ]
    return [para(payload, styles["body"])]


# ----------------------------------------------------------------------------------- document


def cover_story(meta: dict[str, str], styles: dict) -> list:
    """Cover page flowables (title, model, document data), then a switch to the body template.
    The brand band, vendor name and keep-with-product line are drawn by :func:`draw_cover`."""
    rows = [("Model", meta["model"]), ("Document no.", meta["document"]), ("Revision", meta["revision"])]
    info = boxed(
        [[para(k, styles["head"]), para(v, styles["body"])] for k, v in rows],
        [
            ("LINEABOVE", (0, 0), (-1, -1), 0.4, GREY),
            ("LINEBELOW", (0, -1), (-1, -1), 0.4, GREY),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ],
        colWidths=[32 * mm, 90 * mm],
    )
    return [
        rl.Spacer(1, 40 * mm),
        para(meta["title"], styles["cover_title"]),
        para(meta["model"], styles["cover_model"]),
        info,
        rl.NextPageTemplate("body"),
        rl.PageBreak(),
    ]


def draw_texts(canv, items: list[tuple]) -> None:
    """Draw ``(font, size, colour, x, y, text, right_aligned)`` strings, restoring canvas state."""
    canv.saveState()
    for font, size, color, x, y, text, right in items:
        canv.setFont(font, size)
        canv.setFillColor(color)
        (canv.drawRightString if right else canv.drawString)(x, y, text)
    canv.restoreState()


def draw_cover(canv, meta: dict[str, str], accent: colors.Color) -> None:
    """Cover decoration: brand band with the vendor name; keep-with-product line at the foot."""
    canv.saveState()
    canv.setFillColor(accent)
    canv.setStrokeColor(accent)
    canv.setLineWidth(2)
    canv.rect(0, PAGE_H - 48 * mm, PAGE_W, 48 * mm, stroke=0, fill=1)
    canv.line(MARGIN_X, 36 * mm, PAGE_W - MARGIN_X, 36 * mm)
    canv.restoreState()
    keep = (
        "Keep this manual with the product. Read chapter 1 (safety) before installation, "
        "operation or service."
    )
    draw_texts(
        canv,
        [
            ("Vera-Bold", 20, colors.white, MARGIN_X, PAGE_H - 30 * mm, meta["vendor"], False),
            ("Vera", 9, GREY, MARGIN_X, 30 * mm, keep, False),
            (
                "Vera",
                8,
                GREY,
                MARGIN_X,
                24 * mm,
                f"{meta['document']} rev {meta['revision']} · Original instructions",
                False,
            ),
        ],
    )


def draw_running_heads(canv, meta: dict[str, str], total: int | None) -> None:
    """Header (vendor | model — short title) and footer (document rev | Page N of M), each set
    off from the body by a thin rule."""
    top, bottom, right = PAGE_H - 14 * mm, 12 * mm, PAGE_W - MARGIN_X
    canv.saveState()
    canv.setStrokeColor(GREY)
    canv.setLineWidth(0.5)
    canv.line(MARGIN_X, top - 2.5 * mm, right, top - 2.5 * mm)
    canv.line(MARGIN_X, bottom + 4 * mm, right, bottom + 4 * mm)
    canv.restoreState()
    page = f"Page {canv.getPageNumber()} of {total or '?'}"
    draw_texts(
        canv,
        [
            ("Vera-Bold", 8, GREY, MARGIN_X, top, meta["vendor"], False),
            ("Vera", 8, GREY, right, top, f"{meta['model']} — {meta['short']}", True),
            ("Vera", 8, GREY, MARGIN_X, bottom, f"{meta['document']} rev {meta['revision']}", False),
            ("Vera", 8, GREY, right, bottom, page, True),
        ],
    )


def build_pdf(meta: dict[str, str], blocks: list[Block], total: int | None) -> tuple[bytes, int]:
    """Lay out one manual; return ``(pdf_bytes, page_count)``. ``total`` is the M printed in
    "Page N of M". Deterministic: ``invariant=1`` and metadata taken only from the source."""
    accent, buf = brand_color(meta["vendor"]), io.BytesIO()
    styles = make_styles(accent)
    doc = rl.BaseDocTemplate(
        buf,
        pagesize=A4,
        invariant=1,
        title=meta["title"],
        author=meta["vendor"],
        subject=f"{meta['model']} {meta['document']} rev {meta['revision']}",
        creator="chargemedic knowledge.render_manuals",
    )
    frame = rl.Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        BODY_W,
        PAGE_H - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates(
        [
            rl.PageTemplate("cover", [frame], onPage=lambda c, _: draw_cover(c, meta, accent)),
            rl.PageTemplate("body", [frame], onPage=lambda c, _: draw_running_heads(c, meta, total)),
        ]
    )
    story, fresh_page = cover_story(meta, styles), True
    for kind, payload in blocks:
        if kind == "heading" and payload[0] == 1 and not fresh_page:
            story.append(rl.PageBreak())
        story.extend(block_flowables(kind, payload, styles, accent))
        fresh_page = False
    doc.build(story)
    return buf.getvalue(), doc.page


def render_manual(text: str, fallback_title: str = "Manual") -> bytes:
    """Render Markdown manual source ``text`` to PDF bytes. Two passes: the first counts pages
    (running heads sit outside the frame, so the count cannot change in the second)."""
    raw, body = split_front_matter(text)
    meta = {
        "title": fallback_title,
        "vendor": "",
        "model": "",
        "document": "",
        "revision": "",
        **{k: font_safe(v) for k, v in raw.items() if v},
    }
    meta["short"] = re.split(r"\s+[—–-]\s+", meta["title"], maxsplit=1)[-1]
    blocks = parse_blocks(body)
    return build_pdf(meta, blocks, build_pdf(meta, blocks, None)[1])[0]


# ---------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    """Render (or with ``--check`` only compare) every source; return the exit code: 1 if any
    source failed to render or, with ``--check``, any PDF is missing or differs."""
    parser = argparse.ArgumentParser(
        prog="python -m knowledge.render_manuals", description="Render Markdown manual sources to PDF."
    )
    parser.add_argument("--src", type=Path, default=HERE / "corpus_src")
    parser.add_argument("--out", type=Path, default=HERE / "corpus")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing PDFs that are missing or differ"
    )
    args = parser.parse_args(argv)
    problems = 0
    for source in sorted(args.src.rglob("*.md")):
        target = args.out / source.relative_to(args.src).with_suffix(".pdf")
        try:
            pdf = render_manual(source.read_text(encoding="utf-8"), fallback_title=source.stem)
        except Exception as exc:  # report and carry on with the other manuals
            problems += 1
            print(f"error: {source}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        current = target.read_bytes() if target.exists() else None
        if current != pdf and args.check:
            problems += 1
            print(f"{'missing' if current is None else 'differs'}: {target}")
        elif current != pdf:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(pdf)
            print(f"wrote {target}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
