"""Long tabular documents (an auction's deal register) as PDF, drawn by ReportLab.

WeasyPrint lays out about a hundred table rows a second on our machines, so a 2,000-deal
register took 20 s; ReportLab's LongTable draws the same rows in about a second. Short documents
(certificates, the summary register) stay HTML templates in `app.registers.pdf`. This module
keeps their look: the same vendored DejaVu fonts (Kazakh letters included), the exchange's
name, the sandbox mark and the title in the running header, the page "n / N" and the generation
time in Almaty time in the footer, the header row repeated on every page.

Cell texts are escaped before ReportLab's paragraph markup sees them, so a participant's name
can never become markup (ReportLab's `<img>` would read a file).
"""
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from app.clock.services import now, sandbox_enabled
from app.formatting import almaty_datetime
from app.registers.pdf import STATIC

FONTS = {"DeskSans": "DejaVuSans.ttf", "DeskSans-Bold": "DejaVuSans-Bold.ttf"}
RULE = colors.HexColor("#999999")
HEAD_FILL = colors.HexColor("#eeeeee")
TOTAL_FILL = colors.HexColor("#f5f5f5")
SANDBOX_RED = colors.HexColor("#b00020")
PADDING = 6          # points left and right of a cell's text (ReportLab's default)
MARGINS = {"leftMargin": 12 * mm, "rightMargin": 12 * mm, "topMargin": 20 * mm, "bottomMargin": 16 * mm}


@dataclass(frozen=True)
class Column:
    title: str
    width_mm: float
    numeric: bool = False       # right-aligned, never wrapped
    wraps: bool = False         # long text (names): wrapped to the column's width


@dataclass(frozen=True)
class Page:
    """What the running header and footer print on every page."""
    exchange: str
    title: str
    sandbox: bool
    generated: str


def _register_fonts() -> None:
    if "DeskSans" in pdfmetrics.getRegisteredFontNames():
        return
    for name, file_name in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(STATIC / "fonts" / file_name)))
    pdfmetrics.registerFontFamily("DeskSans", normal="DeskSans", bold="DeskSans-Bold")


CELL = ParagraphStyle("cell", fontName="DeskSans", fontSize=7, leading=8.5)
LEAD = ParagraphStyle("lead", fontName="DeskSans", fontSize=8, leading=10.5)
HEADING = ParagraphStyle("heading", fontName="DeskSans-Bold", fontSize=13, leading=16)
HEAD_CELL = ParagraphStyle("head", parent=CELL, fontName="DeskSans-Bold")
HEAD_NUMBER = ParagraphStyle("head-number", parent=HEAD_CELL, alignment=TA_RIGHT)


def table_document(title: str, lead: str, columns: Sequence[Column], rows: Iterable[Sequence[str]],
                   total: Sequence[str] | None = None,
                   progress: Callable[[int], None] | None = None, every: int = 500) -> bytes:
    """PDF bytes of a titled table in A4 landscape. `rows` are display strings, one per column;
    `progress(rows_so_far)` is called every `every` rows while they are prepared."""
    _register_fonts()
    exchange = " — ".join((_("Auction Desk"), current_app.config["EXCHANGE_NAME"]))
    page = Page(exchange=exchange, title=title,
                sandbox=sandbox_enabled(), generated=_generated(now()))
    data = [[Paragraph(escape(column.title), HEAD_NUMBER if column.numeric else HEAD_CELL) for column in columns]]
    for count, row in enumerate(rows, start=1):
        data.append([_cell(text, column) for text, column in zip(row, columns)])
        if progress is not None and count % every == 0:
            progress(count)
    body_rows = len(data) - 1
    if total is not None:
        data.append(list(total))
    table = LongTable(data, colWidths=[column.width_mm * mm for column in columns], repeatRows=1)
    table.setStyle(_table_style(columns, body_rows, total is not None))
    buffer = BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, author=page.exchange, **MARGINS)
    document.build([Paragraph(escape(title), HEADING), Spacer(0, 2 * mm), Paragraph(escape(lead), LEAD),
                    Spacer(0, 2 * mm), table], canvasmaker=_numbered_canvas(page))
    return buffer.getvalue()


def _generated(at: datetime) -> str:
    return "{} {} ({})".format(_("Generated"), almaty_datetime(at, "long"), _("Almaty time"))


def _cell(text: str, column: Column):
    """Plain strings are drawn as they are (fast); a paragraph, which wraps, only for a text
    too wide for its column."""
    if column.wraps and stringWidth(text, CELL.fontName, CELL.fontSize) > column.width_mm * mm - 2 * PADDING:
        return Paragraph(escape(text), CELL)
    return text


def _table_style(columns: Sequence[Column], body_rows: int, has_total: bool) -> TableStyle:
    commands = [
        ("FONT", (0, 0), (-1, -1), "DeskSans", 7),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    commands += [("ALIGN", (index, 1), (index, -1), "RIGHT") for index, column in enumerate(columns)
                 if column.numeric]
    if has_total:
        last = body_rows + 1
        commands += [("BACKGROUND", (0, last), (-1, last), TOTAL_FILL),
                     ("FONT", (0, last), (-1, last), "DeskSans-Bold", 7)]
    return TableStyle(commands)


def _numbered_canvas(page: Page):
    """A canvas that holds its pages until the end, so each can print "page n / N"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            pages = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                _draw_frame(self, page, self._pageNumber, pages)
                super().showPage()
            super().save()

    return NumberedCanvas


def _draw_frame(canvas: Canvas, page: Page, number: int, pages: int) -> None:
    width, height = canvas._pagesize
    left, right = MARGINS["leftMargin"], width - MARGINS["rightMargin"]
    top = height - 14 * mm
    canvas.saveState()
    canvas.setFont("DeskSans-Bold", 8)
    canvas.drawString(left, top, page.exchange)
    if page.sandbox:
        canvas.setFillColor(SANDBOX_RED)
        canvas.drawString(left + canvas.stringWidth(page.exchange, "DeskSans-Bold", 8) + 3 * mm, top,
                          _("SANDBOX: not a real deal"))
        canvas.setFillColor(colors.black)
    canvas.setFont("DeskSans", 8)
    canvas.drawRightString(right, top, page.title)
    canvas.setStrokeColor(colors.HexColor("#444444"))
    canvas.setLineWidth(0.5)
    canvas.line(left, top - 1.5 * mm, right, top - 1.5 * mm)
    canvas.setFont("DeskSans", 7)
    canvas.setFillColor(colors.HexColor("#555555"))
    bottom = 9 * mm
    canvas.drawString(left, bottom, page.generated)
    canvas.drawRightString(right, bottom, "\u00a0".join((_("Page"), str(number), "/", str(pages))))
    canvas.restoreState()


@dataclass(frozen=True)
class Section:
    """One titled table of a document with several (a client's statement). `bold_rows` are
    indexes into `rows` drawn as totals (opening and closing balances)."""
    heading: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[str]]
    bold_rows: frozenset[int] = frozenset()


SUBHEADING = ParagraphStyle("subheading", fontName="DeskSans-Bold", fontSize=10, leading=13)


def sections_document(title: str, lead_lines: Sequence[str], sections: Sequence[Section]) -> bytes:
    """PDF bytes, A4 landscape, with the same running header and "n / N" footer as
    `table_document`: the title, a lead paragraph per line, then each section's table."""
    _register_fonts()
    exchange = " — ".join((_("Auction Desk"), current_app.config["EXCHANGE_NAME"]))
    page = Page(exchange=exchange, title=title, sandbox=sandbox_enabled(), generated=_generated(now()))
    story = [Paragraph(escape(title), HEADING), Spacer(0, 2 * mm)]
    story += [Paragraph(escape(line), LEAD) for line in lead_lines]
    for section in sections:
        story += [Spacer(0, 4 * mm), Paragraph(escape(section.heading), SUBHEADING), Spacer(0, 1.5 * mm),
                  _section_table(section)]
    buffer = BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, author=page.exchange, **MARGINS)
    document.build(story, canvasmaker=_numbered_canvas(page))
    return buffer.getvalue()


def _section_table(section: Section) -> LongTable:
    columns = section.columns
    data = [[Paragraph(escape(column.title), HEAD_NUMBER if column.numeric else HEAD_CELL) for column in columns]]
    data += [[_cell(text, column) for text, column in zip(row, columns)] for row in section.rows]
    table = LongTable(data, colWidths=[column.width_mm * mm for column in columns], repeatRows=1)
    style = _table_style(columns, len(section.rows), False)
    for index in section.bold_rows:
        style.add("BACKGROUND", (0, index + 1), (-1, index + 1), TOTAL_FILL)
        style.add("FONT", (0, index + 1), (-1, index + 1), "DeskSans-Bold", 7)
    table.setStyle(style)
    return table
