"""extractors.layout.engine: hand-built page layouts -> exact blocks.

Words are laid out by `_line`: each character is half the font size wide and a space
a quarter of it, so the tests can reason about what would have fitted on a line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from extractors.document import Cell, Figure, Paragraph, Table
from extractors.layout.engine import blocks_from_pages, iter_blocks
from extractors.layout.types import Box, PageLayout, Rule, Word

W, H = 600.0, 800.0
LEFT = 50.0


def _line(
    text: str, top: float, x0: float = LEFT, size: float = 10.0, bold: bool = False
) -> list[Word]:
    out: list[Word] = []
    x = x0
    for token in text.split():
        width = len(token) * size * 0.5
        out.append(Word(token, x, x + width, top, top + size, size, bold))
        x += width + size * 0.25
    return out


def _lines(texts: list[str], top: float, x0: float = LEFT, pitch: float = 12.0) -> list[Word]:
    return [w for i, t in enumerate(texts) for w in _line(t, top + i * pitch, x0)]


def _page(
    words: list[Word],
    number: int = 1,
    rules: tuple[Rule, ...] = (),
    images: tuple[Box, ...] = (),
    scale: float = 1.0,
) -> PageLayout:
    if scale != 1.0:
        words = [
            Word(
                w.text,
                w.x0 * scale,
                w.x1 * scale,
                w.top * scale,
                w.bottom * scale,
                w.size * scale,
                w.bold,
            )
            for w in words
        ]
        rules = tuple(
            Rule(r.x0 * scale, r.top * scale, r.x1 * scale, r.bottom * scale) for r in rules
        )
        images = tuple(
            Box(b.x0 * scale, b.top * scale, b.x1 * scale, b.bottom * scale) for b in images
        )
    return PageLayout(number, W * scale, H * scale, tuple(words), rules, images)


def _grid(xs: Sequence[float], ys: Sequence[float]) -> tuple[Rule, ...]:
    hs = [Rule(xs[0], y, xs[-1], y) for y in ys]
    vs = [Rule(x, ys[0], x, ys[-1]) for x in xs]
    return tuple(hs + vs)


# A full line: 14 six-letter words and one of five (ends at x = 50 + 14 * 32.5 + 25 = 530).
FULL = " ".join(c * 6 for c in "abcdefghijklmn") + " ooooo"


def test_paragraph_break_by_hard_line_end() -> None:
    words = _lines([FULL, "ends here (R2).", "Next item starts on this line."], 100)
    assert blocks_from_pages([_page(words)]) == (
        Paragraph(f"{FULL} ends here (R2)."),
        Paragraph("Next item starts on this line."),
    )


def test_wrapped_sentence_end_stays_in_paragraph() -> None:
    # "Longwordthatdidnotfitxxxxxxxxxxxxxxxxxxxxxxxxxxxx" is too wide for the space left
    # after "end." so the break is a wrap, not a typed one.
    first = "aaaaaa bbbbbb cccccc dddddd eeeeee ffffff gggggg hhhhhh iiiiii jjjjjj kkkkkk end."
    words = _lines([FULL, first, "Longwordthatdidnotfitxxxxxxxxxxxxxxxxxxxxxxxxx goes on."], 100)
    assert blocks_from_pages([_page(words)]) == (
        Paragraph(f"{FULL} {first} Longwordthatdidnotfitxxxxxxxxxxxxxxxxxxxxxxxxx goes on."),
    )


def test_soft_break_mid_sentence_is_joined() -> None:
    words = _lines([FULL, "mental health teams now include", "support workers (R1)."], 100)
    assert blocks_from_pages([_page(words)]) == (
        Paragraph(f"{FULL} mental health teams now include support workers (R1)."),
    )


def test_bullet_starts_item() -> None:
    words = _lines(["• First item that", "runs on", "• Second item", "- third item"], 100)
    assert blocks_from_pages([_page(words)]) == (
        Paragraph("• First item that runs on", list_item=True),
        Paragraph("• Second item", list_item=True),
        Paragraph("- third item", list_item=True),
    )


def test_symbol_font_bullet_is_mapped_to_bullet() -> None:
    words = _lines(["\uf0b7 Item one", "\uf0b7 Item two"], 100)
    assert blocks_from_pages([_page(words)]) == (
        Paragraph("• Item one", list_item=True),
        Paragraph("• Item two", list_item=True),
    )


def test_number_wrapped_alone_onto_a_line_stays_in_its_sentence() -> None:
    words = _lines(
        [
            "6. Improve transitions. This supports recommendation",
            "1.",
            "7. Develop our capacity (R3)",
        ],
        100,
    )
    assert blocks_from_pages([_page(words)]) == (
        Paragraph("6. Improve transitions. This supports recommendation 1.", list_item=True),
        Paragraph("7. Develop our capacity (R3)", list_item=True),
    )


def test_typed_break_inside_list_item_does_not_split_it() -> None:
    words = _lines(
        [
            "1. Volunteers grew every year since 2003.",
            "An evaluation is due.",
            "(R3)",
            "2. Next item.",
        ],
        100,
    )
    assert blocks_from_pages([_page(words)]) == (
        Paragraph(
            "1. Volunteers grew every year since 2003. An evaluation is due. (R3)", list_item=True
        ),
        Paragraph("2. Next item.", list_item=True),
    )


def test_paragraph_break_by_vertical_gap() -> None:
    words = _lines(["First paragraph without", "a full stop"], 100) + _lines(
        ["Second paragraph"], 140
    )
    assert blocks_from_pages([_page(words)]) == (
        Paragraph("First paragraph without a full stop"),
        Paragraph("Second paragraph"),
    )


def test_line_ending_in_hyphen_between_letters_joins_without_space() -> None:
    words = _lines(["work with front-", "line staff"], 100)
    assert blocks_from_pages([_page(words)]) == (Paragraph("work with front-line staff"),)


def test_headings_from_larger_and_bold_type() -> None:
    words = (
        _line("Self Assessment Return", 60, size=18)
        + _line("Section 2: Community care", 100, size=10, bold=True)
        + _lines(["Body text under the heading."], 115)
    )
    assert blocks_from_pages([_page(words)]) == (
        Paragraph("Self Assessment Return", heading=1),
        Paragraph("Section 2: Community care", heading=2, bold=True),
        Paragraph("Body text under the heading."),
    )


def test_words_of_one_line_are_ordered_left_to_right() -> None:
    box = Word("☑", 40, 48, 101, 109, 8)
    assert blocks_from_pages([_page([*_line("Community care", 100), box])]) == (
        Paragraph("☑ Community care"),
    )


def test_table_cells_from_rules() -> None:
    rules = _grid([50, 200, 550], [100, 115, 145])
    words = (
        _line("Strengths", 102, 55, bold=True)
        + _line("Priorities", 102, 205, bold=True)
        + _lines(["Joint teams (R4).", "Carers first (R2)."], 117, 55)
        + _line("N/A", 117, 205)
    )
    prose = _line("After the table.", 160)
    assert blocks_from_pages([_page(words + prose, rules=rules)]) == (
        Table(
            (
                (
                    Cell((Paragraph("Strengths", bold=True),)),
                    Cell((Paragraph("Priorities", bold=True),)),
                ),
                (
                    Cell((Paragraph("Joint teams (R4)."), Paragraph("Carers first (R2)."))),
                    Cell((Paragraph("N/A"),)),
                ),
            )
        ),
        Paragraph("After the table."),
    )


def test_header_cell_spanning_two_columns_stays_one_cell() -> None:
    rules = (*_grid([50, 550], [100, 115, 130]), Rule(300, 115, 300, 130))
    words = _line("Issues to address", 102, 55) + _line("Left", 117, 55) + _line("Right", 117, 305)
    assert blocks_from_pages([_page(words, rules=rules)]) == (
        Table(
            (
                (Cell((Paragraph("Issues to address"),)),),
                (Cell((Paragraph("Left"),)), Cell((Paragraph("Right"),))),
            )
        ),
    )


def test_shaded_cell_rectangles_give_cell_edges() -> None:
    rects = (
        Rule(50, 100, 200, 115),
        Rule(200, 100, 550, 115),
        Rule(50, 115, 200, 130),
        Rule(200, 115, 550, 130),
    )
    words = _line("Name", 102, 55) + _line("Fife Council", 102, 205) + _line("Date", 117, 55)
    assert blocks_from_pages([_page(words, rules=rects)]) == (
        Table(
            (
                (Cell((Paragraph("Name"),)), Cell((Paragraph("Fife Council"),))),
                (Cell((Paragraph("Date"),)), Cell()),
            )
        ),
    )


def test_table_with_only_horizontal_rules() -> None:
    rules = tuple(Rule(50, y, 550, y) for y in (100, 115, 145))
    words = (
        _line("Strengths", 102, 55)
        + _line("Priorities", 102, 305)
        + _line("Joint teams (R4).", 117, 55)
        + _line("Carers (R2).", 117, 305)
    )
    assert blocks_from_pages([_page(words, rules=rules)]) == (
        Table(
            (
                (Cell((Paragraph("Strengths"),)), Cell((Paragraph("Priorities"),))),
                (Cell((Paragraph("Joint teams (R4)."),)), Cell((Paragraph("Carers (R2)."),))),
            )
        ),
    )


def test_lone_rules_make_no_table() -> None:
    rules = (Rule(50, 90, 550, 90), Rule(50, 300, 550, 300))
    assert blocks_from_pages([_page(_line("Title", 100), rules=rules)]) == (Paragraph("Title"),)


def test_signature_image_in_cell_becomes_figure() -> None:
    rules = _grid([50, 200, 550], [100, 160])
    words = _line("Signature", 102, 55)
    image = Box(210, 105, 330, 150)
    assert blocks_from_pages([_page(words, rules=rules, images=(image,))]) == (
        Table(((Cell((Paragraph("Signature"),)), Cell((Figure(),))),)),
    )


def test_picture_bullets_and_page_backgrounds_are_not_figures() -> None:
    images = (Box(40, 100, 46, 106), Box(0, 0, W, H))
    assert blocks_from_pages([_page(_line("Item", 100), images=images)]) == (Paragraph("Item"),)


def _footer(number: int) -> list[Word]:
    return _line("Return to the Policy Division by 31 October 2006", 760) + _line(
        f"Page {number}", 775
    )


def test_running_footer_removed() -> None:
    pages = [
        _page(_lines(["First page text."], 100) + _footer(1), 1),
        _page(_lines(["Second page text."], 100) + _footer(2), 2),
    ]
    assert blocks_from_pages(pages) == (
        Paragraph("First page text."),
        Paragraph("Second page text."),
    )


def test_page_number_removed_on_single_page() -> None:
    words = (
        _lines(["Only page text."], 100)
        + _line("- 1 -", 780)
        + _line("Not a running line", 770, 300)
    )
    assert blocks_from_pages([_page(words)]) == (
        Paragraph("Only page text."),
        Paragraph("Not a running line"),
    )


def test_title_at_top_of_first_page_is_kept() -> None:
    pages = [
        _page(_line("Fife Council return", 40) + _lines(["Body one."], 120), 1),
        _page(_lines(["Body two."], 120), 2),
    ]
    assert blocks_from_pages(pages) == (
        Paragraph("Fife Council return"),
        Paragraph("Body one."),
        Paragraph("Body two."),
    )


COLS = [50, 300, 550]


def test_item_continued_across_page_joined() -> None:
    page1 = _page(
        _line("Strengths", 602, 55)
        + _line("Priorities", 602, 305)
        + _lines(["1. Our befriending volunteers provide", "weekly contact for isolated"], 617, 55)
        + _lines(["5. Increase uptake (R2).", "6. Improve transitions (R1)."], 617, 305),
        1,
        rules=_grid(COLS, [600, 615, 643]),
    )
    page2 = _page(
        _lines(
            ["people in remote areas since 2003.", "An evaluation is due.", "2. Second item (R3)."],
            52,
            55,
        )
        + _line("After.", 120),
        2,
        rules=_grid(COLS, [50, 90]),
    )
    assert blocks_from_pages([page1, page2]) == (
        Table(
            (
                (Cell((Paragraph("Strengths"),)), Cell((Paragraph("Priorities"),))),
                (
                    Cell(
                        (
                            Paragraph(
                                "1. Our befriending volunteers provide weekly contact for "
                                "isolated people in remote areas since 2003. An evaluation is due.",
                                list_item=True,
                            ),
                            Paragraph("2. Second item (R3).", list_item=True),
                        )
                    ),
                    Cell(
                        (
                            Paragraph("5. Increase uptake (R2).", list_item=True),
                            Paragraph("6. Improve transitions (R1).", list_item=True),
                        )
                    ),
                ),
            )
        ),
        Paragraph("After."),
    )


def test_label_rows_split_between_pages_stay_separate_rows() -> None:
    page1 = _page(
        _line("Signature", 702, 55) + _line("/s/ Sandra Stewart", 702, 305),
        1,
        rules=_grid(COLS, [700, 745]),
    )
    page2 = _page(
        _line("Name", 52, 55) + _line("Sandra Stewart", 52, 305), 2, rules=_grid(COLS, [50, 65])
    )
    assert blocks_from_pages([page1, page2]) == (
        Table(
            (
                (Cell((Paragraph("Signature"),)), Cell((Paragraph("/s/ Sandra Stewart"),))),
                (Cell((Paragraph("Name"),)), Cell((Paragraph("Sandra Stewart"),))),
            )
        ),
    )


def test_repeated_header_row_dropped_and_heading_stops_merge() -> None:
    header = _line("Strengths", 52, 55) + _line("Priorities", 52, 305)
    page1 = _page(
        _line("Strengths", 702, 55) + _line("Priorities", 702, 305) + _line("A (R1).", 717, 55),
        1,
        rules=_grid(COLS, [700, 715, 745]),
    )
    page2 = _page(
        header
        + _line("B (R2).", 67, 55)
        + _line("Section 3", 100, bold=True)
        + _line("Strengths", 122, 55)
        + _line("C (R3).", 137, 55),
        2,
        rules=_grid(COLS, [50, 65, 95]) + _grid(COLS, [120, 135, 165]),
    )
    strengths = Cell((Paragraph("Strengths"),))
    priorities = Cell((Paragraph("Priorities"),))
    assert blocks_from_pages([page1, page2]) == (
        Table(
            (
                (strengths, priorities),
                (Cell((Paragraph("A (R1)."),)), Cell()),
                (Cell((Paragraph("B (R2)."),)), Cell()),
            )
        ),
        Paragraph("Section 3", heading=2, bold=True),
        Table(((strengths, Cell()), (Cell((Paragraph("C (R3)."),)), Cell()))),
    )


def test_free_paragraph_continued_across_page() -> None:
    page1 = _page(_lines([FULL, "and the text goes on"], 700), 1)
    page2 = _page(_lines(["to the next page.", "New paragraph."], 60), 2)
    assert blocks_from_pages([page1, page2]) == (
        Paragraph(f"{FULL} and the text goes on to the next page."),
        Paragraph("New paragraph."),
    )


def test_pixel_coordinates_give_the_same_blocks() -> None:
    rules = _grid([50, 200, 550], [100, 115, 145])
    words = (
        _line("Name", 102, 55)
        + _line("Fife", 102, 205)
        + _lines(["Joint teams (R4).", "Carers first (R2)."], 117, 205)
    )
    points = blocks_from_pages([_page(words, rules=rules)])
    pixels = blocks_from_pages([_page(words, rules=rules, scale=300 / 72)])
    assert pixels == points
    assert points[0] == Table(
        (
            (Cell((Paragraph("Name"),)), Cell((Paragraph("Fife"),))),
            (Cell(), Cell((Paragraph("Joint teams (R4)."), Paragraph("Carers first (R2).")))),
        )
    )


def test_pages_are_read_lazily_one_page_ahead() -> None:
    requested: list[int] = []

    def pages() -> Iterator[PageLayout]:
        for n in range(1, 6):
            requested.append(n)
            yield _page(
                _line(f"Text of page {n}.", 100)
                + _line("Second paragraph", 130)
                + _line("Third one.", 200),
                n,
            )

    blocks = iter_blocks(pages())
    assert next(blocks) == Paragraph("Text of page 1.")
    assert requested == [1, 2]
    assert len(list(blocks)) == 14


def _ocr(words: list[Word], sizes: dict[int, float]) -> PageLayout:
    """An OCR page: `sizes` maps a line's top to its measured (rounded) glyph height."""
    measured = [
        Word(w.text, w.x0, w.x1, w.top, w.bottom, sizes.get(int(w.top), w.size)) for w in words
    ]
    return PageLayout(1, W, H, tuple(measured), source="ocr")


def test_ocr_short_line_of_other_measured_height_stays_in_its_paragraph() -> None:
    # Most words share one rounded height, as OCR heights do: no exact font sizes.
    words = _lines([FULL, "due to report in spring", "2007.", "Next item on its own."], 100)
    sizes = {112: 11.0, 124: 7.5}
    assert blocks_from_pages([_ocr(words, sizes)]) == (
        Paragraph(f"{FULL} due to report in spring 2007."),
        Paragraph("Next item on its own."),
    )


def test_ocr_line_height_jitter_makes_no_style_break() -> None:
    words = _lines([FULL, FULL, "mental health teams now include support"], 100)
    sizes = {100: 10.0, 112: 11.4, 124: 9.8}
    assert blocks_from_pages([_ocr(words, sizes)]) == (
        Paragraph(f"{FULL} {FULL} mental health teams now include support"),
    )


def test_ocr_heading_of_taller_glyphs_is_split_from_the_line_below() -> None:
    words = _lines(["Section 2: Community care", "Relevant recommendations for reference"], 100)
    words += _lines([FULL, "more body text here."], 160)
    sizes = {100: 12.5, 112: 8.0}
    assert blocks_from_pages([_ocr(words, sizes)]) == (
        Paragraph("Section 2: Community care", heading=2),
        Paragraph("Relevant recommendations for reference"),
        Paragraph(f"{FULL} more body text here."),
    )


def test_item_without_full_stop_ends_at_a_short_line() -> None:
    words = _lines([FULL, "who would not approach us directly", "Young people plan services (R3)."], 100)
    assert blocks_from_pages([_page(words)]) == (
        Paragraph(f"{FULL} who would not approach us directly"),
        Paragraph("Young people plan services (R3)."),
    )


def test_short_line_before_a_capital_after_a_loose_end_stays_in_its_paragraph() -> None:
    words = _lines([FULL, "with the police, the", "Scottish Prison Service and housing (R2)."], 100)
    assert blocks_from_pages([_page(words)]) == (
        Paragraph(f"{FULL} with the police, the Scottish Prison Service and housing (R2)."),
    )


def test_address_and_date_lines_are_separate_paragraphs() -> None:
    texts = ["East Ayrshire Council", "3 Kirkgate, Ayr KA7 1XX", "10/07/2006"]
    words = _lines([*texts, "Report due in spring", "2007.", FULL], 100)
    assert blocks_from_pages([_page(words)]) == (
        *(Paragraph(t) for t in texts),
        Paragraph("Report due in spring 2007."),
        Paragraph(FULL),
    )


def test_line_ending_in_hyphen_after_a_digit_joins_without_space() -> None:
    words = _lines([FULL, "a 24-", "hour helpline (R1-", "R3)."], 100)
    assert blocks_from_pages([_page(words)]) == (
        Paragraph(f"{FULL} a 24-hour helpline (R1-R3)."),
    )


def test_number_closing_a_citation_at_line_start_is_a_wrap() -> None:
    words = _lines(
        [
            "Improve the service (Rec.",
            "4) for carers.",
            "7. Develop our capacity (Rec.",
            "4) with partners.",
            "8. Next item.",
        ],
        100,
    )
    assert blocks_from_pages([_page(words)]) == (
        Paragraph("Improve the service (Rec. 4) for carers."),
        Paragraph("7. Develop our capacity (Rec. 4) with partners.", list_item=True),
        Paragraph("8. Next item.", list_item=True),
    )


def test_same_marker_at_same_indent_starts_the_next_item_after_a_full_line() -> None:
    # The first item's lines fill the region, so "–" would not have fitted after them;
    # the continuation line hangs at the text indent.
    words = _line("– " + FULL, 100) + _line(FULL + " end", 112, LEFT + 10)
    words += _line("– " + FULL, 124) + _line("done (R3).", 136, LEFT + 10)
    item = f"{FULL} {FULL} end"
    assert blocks_from_pages([_page(words)]) == (
        Paragraph(f"– {item}", list_item=True),
        Paragraph(f"– {FULL} done (R3).", list_item=True),
    )


def test_two_column_tables_with_horizontal_rules_only_and_a_heading_between() -> None:
    # Two tables of the same width (rule above, below the header row, below the body),
    # with a section heading in larger type between them: no vertical rules.
    rules = tuple(Rule(50, y, 550, y) for y in (100, 115, 160, 200, 215, 245))
    words = _line("Strengths", 102, 56) + _line("Priorities", 102, 306)
    words += _lines(["Joint teams work", "well (R4)."], 117, 56) + _lines(["Carers first."], 117, 306)
    words += _line("Community care", 175, 50, size=14.0)
    words += _line("Key strengths", 202, 56) + _line("Areas for development", 202, 306)
    words += _lines(["Day services (R3)."], 217, 56)
    assert blocks_from_pages([_page(words, rules=rules)]) == (
        Table(
            (
                (Cell((Paragraph("Strengths"),)), Cell((Paragraph("Priorities"),))),
                (
                    Cell((Paragraph("Joint teams work well (R4)."),)),
                    Cell((Paragraph("Carers first."),)),
                ),
            )
        ),
        Paragraph("Community care", heading=1),
        Table(
            (
                (Cell((Paragraph("Key strengths"),)), Cell((Paragraph("Areas for development"),))),
                (Cell((Paragraph("Day services (R3)."),)), Cell(())),
            )
        ),
    )


def test_reportlab_two_column_table_with_horizontal_rules_only() -> None:
    import io

    from reportlab.lib import colors  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    from reportlab.platypus import Paragraph as RLParagraph  # type: ignore[import-untyped]
    from reportlab.platypus import SimpleDocTemplate, TableStyle
    from reportlab.platypus import Table as RLTable

    from extractors import ExtractContext, read

    style = ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11)
    left = [
        "- Our family centres offer drop-in sessions, parenting groups and outreach, and are "
        "well used by families (R1).",
        "- Kinship carers now receive an allowance at the same rate as foster carers.",
    ]
    right = ["- Implement the Getting it right for every child pathfinder recommendations."]
    table = RLTable(
        [
            [RLParagraph("<b>Key strengths</b>", style), RLParagraph("<b>Areas for development</b>", style)],
            [[RLParagraph(t, style) for t in left], [RLParagraph(t, style) for t in right]],
        ],
        colWidths=[232.0, 232.0],
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("LINEBELOW", (0, -1), (-1, -1), 1, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, invariant=1).build([table])
    doc = read(out.getvalue(), ExtractContext.build("table.pdf"))
    assert doc.blocks == (
        Table(
            (
                (
                    Cell((Paragraph("Key strengths", bold=True),)),
                    Cell((Paragraph("Areas for development", bold=True),)),
                ),
                (
                    Cell(tuple(Paragraph(t, list_item=True) for t in left)),
                    Cell(tuple(Paragraph(t, list_item=True) for t in right)),
                ),
            )
        ),
    )
