"""What every real-world PDF renderer shares: a page-flow document built deterministically, a
ruled table with a shaded header row, and the command line — write the PDF, or ``--check`` that
the committed one is byte-for-byte what the renderer makes (exit 1 when it differs)."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle


def pdf_bytes(flow: list, *, pagesize, margins_mm: tuple[float, float], title: str, author: str) -> bytes:
    """``flow`` as a PDF whose bytes depend only on it (``invariant``); ``margins_mm`` is
    (left and right, top and bottom)."""
    buf = io.BytesIO()
    SimpleDocTemplate(buf, **template_options(pagesize, margins_mm, title, author)).build(flow)
    return buf.getvalue()


def template_options(pagesize, margins_mm: tuple[float, float], title: str, author: str) -> dict:
    """The document template's options that make its bytes deterministic (``invariant``), with
    ``margins_mm`` as (left and right, top and bottom): for any ReportLab doc template."""
    side, ends = margins_mm
    return {
        "pagesize": pagesize,
        "invariant": 1,
        "leftMargin": side * mm,
        "rightMargin": side * mm,
        "topMargin": ends * mm,
        "bottomMargin": ends * mm,
        "title": title,
        "author": author,
    }


def running_edges(
    pagesize, margins_mm: tuple[float, float], header: str, footer: str, total: int | None, pages: list[int]
):
    """A page callback that rules a running header and footer ("Page N of M" when ``total`` is
    known) and appends each page number it draws to ``pages``."""
    side, ends = margins_mm
    width, height = pagesize

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setStrokeColor(colors.grey)
        canvas.setLineWidth(0.4)
        top = height - (ends - 6) * mm
        canvas.drawString(side * mm, top, header)
        canvas.line(side * mm, top - 2.5, width - side * mm, top - 2.5)
        bottom = (ends - 8) * mm
        canvas.line(side * mm, bottom + 8, width - side * mm, bottom + 8)
        canvas.drawString(side * mm, bottom, footer)
        page = canvas.getPageNumber()
        pages.append(page)
        label = f"Page {page} of {total}" if total else f"Page {page}"
        canvas.drawRightString(width - side * mm, bottom, label)
        canvas.restoreState()

    return decorate


def counted(build, **kw) -> bytes:
    """Build twice so the footer can say "of M": ``build(**kw)`` returns (bytes, page count) and
    takes ``total``."""
    _, count = build(**kw)
    data, _ = build(total=count, **kw)
    return data


def ruled_table(data: list, widths_mm: list[float], *, padding: tuple[float, float]) -> Table:
    """A table ruled in grey with a shaded header row repeated on every page; ``padding`` is the
    cells' (top, bottom) padding in points."""
    table = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDDDDD")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), padding[0]),
                ("BOTTOMPADDING", (0, 0), (-1, -1), padding[1]),
            ]
        )
    )
    return table


def write_or_check(out: Path, data: bytes, argv: list[str]) -> int:
    """Write ``data`` to ``out``; with ``--check`` in ``argv`` only compare, and say which."""
    if "--check" in argv:
        same = out.exists() and out.read_bytes() == data
        print("up to date" if same else f"differs: {out}")
        return 0 if same else 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"wrote {out} ({len(data)} bytes)")
    return 0
