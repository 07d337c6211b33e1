"""Label | value form tables that rules do not fully draw (extractors.layout.forms).

Two kinds of test:

* hand-built page layouts -> exact blocks. Words are laid out as in
  `test_layout.py`: each character half the font size wide, a space a quarter.
* typed returns built with reportlab (`tests.factories.pdf_forms`) in every way of
  drawing the Part A and sign-off tables (all borders, row rules only, shaded label
  cells, nothing at all), cells aligned top, middle or bottom, with a position that
  wraps over one, two or three lines -> the canonical fields `extract` gives.
"""

from __future__ import annotations

import pytest

from extractors import ExtractContext, extract
from extractors.document import Cell, Figure, Paragraph, Table
from extractors.layout.engine import blocks_from_pages
from extractors.layout.types import Box, PageLayout, Rule, Word
from tests.factories.pdf_forms import (
    BORDERS,
    LONG_ORGANISATION,
    PART_A,
    POSITIONS,
    VALIGNS,
    form_return_pdf,
    sign_off_rows,
)

W, H = 600.0, 800.0
LABEL_X, VALUE_X = 60.0, 200.0  # label column 55-190, value column 195-545
PITCH = 12.0


def _line(text: str, top: float, x0: float, size: float = 10.0, bold: bool = False) -> list[Word]:
    out: list[Word] = []
    x = x0
    for token in text.split():
        width = len(token) * size * 0.5
        out.append(Word(token, x, x + width, top, top + size, size, bold))
        x += width + size * 0.25
    return out


def _value(lines: list[str], top: float) -> list[Word]:
    return [w for i, t in enumerate(lines) for w in _line(t, top + i * PITCH, VALUE_X)]


def _label(text: str, top: float) -> list[Word]:
    return _line(text, top, LABEL_X, bold=True)


def _page(words: list[Word], rules: tuple[Rule, ...] = (), images: tuple[Box, ...] = ()) -> PageLayout:
    return PageLayout(1, W, H, tuple(words), rules, images)


def _para(text: str, bold: bool = False) -> Paragraph:
    return Paragraph(text, bold=bold)


def _row(label: str, *values: str) -> tuple[Cell, Cell]:
    return (Cell((_para(label, bold=True),)), Cell(tuple(_para(v) for v in values)))


# Values a row can hold: one, two or three lines. Each wrapped line ends in a word that
# carries on (the next word would not have fitted in the 350-wide value column).
WRAPS = {
    1: ["Chief Social Work Officer"],
    2: ["Director of Social Work Services and Chief Social Work Officer of", "Fife Council"],
    3: [
        "Director of Social Work Services and Chief Social Work Officer of",
        "Fife Council and of its partners in health, housing and education in",
        "the whole of the Kingdom of Fife",
    ],
}


def _sign_off(wrap: int, align: str, gap: float = 6.0) -> tuple[list[Word], list[tuple[float, float]]]:
    """Signature, Name, Position (value of `wrap` lines), Date; label aligned `align`.

    Returns the words and each row's (top, bottom) band: cell padding `gap / 2`.
    """
    words: list[Word] = []
    bands: list[tuple[float, float]] = []
    top = 100.0
    for label, value in [("Signature", ["/s/ J. Smith"]), ("Name", ["J. Smith"]), ("Position", WRAPS[wrap]),
                         ("Date", ["20/10/2006"])]:
        height = len(value) * PITCH - 2.0
        words += _value(value, top)
        offset = {"top": 0.0, "centre": (height - 10.0) / 2, "bottom": height - 10.0}[align]
        words += _label(label, top + offset)
        bands.append((top - gap / 2, top + height + gap / 2))
        top += height + gap
    return words, bands


def _expected(wrap: int) -> Table:
    return Table((
        _row("Signature", "/s/ J. Smith"),
        _row("Name", "J. Smith"),
        _row("Position", " ".join(WRAPS[wrap])),
        _row("Date", "20/10/2006"),
    ))


@pytest.mark.parametrize("wrap", [1, 2, 3])
@pytest.mark.parametrize("align", ["top", "centre", "bottom"])
def test_form_without_rules_keeps_each_value_in_its_labels_row(wrap: int, align: str) -> None:
    words, _ = _sign_off(wrap, align)
    assert blocks_from_pages([_page(words)]) == (_expected(wrap),)


@pytest.mark.parametrize("align", ["top", "centre", "bottom"])
def test_form_without_rules_or_padding_is_read_by_its_wrapped_value(align: str) -> None:
    # Rows touch: "J. Smith" / "Director ... of" / "Fife Council" are equally spaced, so
    # only the wrap (the value carries on) says where the Position row begins.
    words, _ = _sign_off(2, align, gap=2.0)
    assert blocks_from_pages([_page(words)]) == (_expected(2),)


@pytest.mark.parametrize("wrap", [1, 2, 3])
@pytest.mark.parametrize("align", ["top", "centre", "bottom"])
def test_shaded_label_cells_take_the_values_beside_them(wrap: int, align: str) -> None:
    words, bands = _sign_off(wrap, align)
    shading = tuple(Rule(55.0, top, 190.0, bottom) for top, bottom in bands)  # filled rectangles
    assert blocks_from_pages([_page(words, shading)]) == (_expected(wrap),)


@pytest.mark.parametrize("align", ["top", "centre", "bottom"])
def test_one_shaded_rectangle_behind_the_label_column_gives_a_row_per_label(align: str) -> None:
    words, bands = _sign_off(3, align)
    shading = (Rule(55.0, bands[0][0], 190.0, bands[-1][1]),)
    assert blocks_from_pages([_page(words, shading)]) == (_expected(3),)


def test_wrapped_label_stays_one_label() -> None:
    words = (
        _label("Name of organisation", 100)
        + _value(["Fife Council"], 100)
        + _label("Services provided (tick", 118)
        + _label("all that apply)", 130)
        + _value(["[X] Children and families"], 124)
        + _label("Contact name", 148)
        + _value(["Alex Person"], 148)
    )
    assert blocks_from_pages([_page(words)]) == (
        Table((
            _row("Name of organisation", "Fife Council"),
            _row("Services provided (tick all that apply)", "[X] Children and families"),
            _row("Contact name", "Alex Person"),
        )),
    )


def test_value_of_several_paragraphs_beside_a_centred_label() -> None:
    # The page's text reaches x = 530, so each option would have fitted after the one before.
    intro = _line("Please complete Part A and the sections for the services you provide.", 60, LABEL_X)
    words = intro + (
        _label("Name of organisation", 100)
        + _value(["Fife Council"], 100)
        + _value(["☒ Children and families", "☐ Community care", "☒ Criminal justice"], 118)
        + _label("Services provided", 130)
        + _label("Contact name", 160)
        + _value(["Alex Person"], 160)
    )
    assert blocks_from_pages([_page(words)]) == (
        _para("Please complete Part A and the sections for the services you provide."),
        Table((
            _row("Name of organisation", "Fife Council"),
            _row("Services provided", "☒ Children and families", "☐ Community care", "☒ Criminal justice"),
            _row("Contact name", "Alex Person"),
        )),
    )


def test_signature_image_beside_its_label_is_a_figure_in_the_value_cell() -> None:
    words = _label("Signature", 115) + _label("Name", 150) + _value(["J. Smith"], 150)
    words += _label("Position", 168) + _value(["Director"], 168)
    image = Box(VALUE_X, 100.0, VALUE_X + 120.0, 140.0)
    assert blocks_from_pages([_page(words, images=(image,))]) == (
        Table((
            (Cell((_para("Signature", bold=True),)), Cell((Figure(),))),
            _row("Name", "J. Smith"),
            _row("Position", "Director"),
        )),
    )


def test_text_around_a_form_stays_outside_it() -> None:
    intro = _line("Sign-off: for local authorities the Chief Social Work Officer signs this return.", 60, LABEL_X)
    footer = _line("Return to the Policy Division by 31 October 2006.", 700, LABEL_X)
    words, _ = _sign_off(2, "centre")
    assert blocks_from_pages([_page(intro + words + footer)]) == (
        _para("Sign-off: for local authorities the Chief Social Work Officer signs this return."),
        _expected(2),
        _para("Return to the Policy Division by 31 October 2006."),
    )


def test_hanging_indent_numbered_list_is_not_a_form() -> None:
    words = _line("1.", 100, LABEL_X) + _line("Joint assessment with health visitors is in place", 100, 90)
    words += _line("across the authority (R1).", 112, 90)
    words += _line("2.", 124, LABEL_X) + _line("Reduce waiting times for assessment (R3).", 124, 90)
    blocks = blocks_from_pages([_page(words)])
    assert not any(isinstance(b, Table) for b in blocks)


def test_address_with_a_date_on_the_right_is_not_a_form() -> None:
    words = _line("Fife Council", 100, LABEL_X) + _line("20 October 2006", 100, 400)
    words += _line("Kirkcaldy", 112, LABEL_X) + _line("KY1 1XX", 124, LABEL_X)
    blocks = blocks_from_pages([_page(words)])
    assert not any(isinstance(b, Table) for b in blocks)


def test_tick_box_square_is_not_widened_into_a_table() -> None:
    box = Rule(60.0, 100.0, 70.0, 110.0)
    words = _line("Children and families", 100, 76) + _line("Community care", 112, 76)
    blocks = blocks_from_pages([_page(words, (box,))])
    assert blocks[-1] == _para("Children and families Community care")
    assert all(cell.text == "" for b in blocks if isinstance(b, Table) for row in b.rows for cell in row)


# --- whole returns, drawn every way (reportlab) -----------------------------------------


@pytest.mark.parametrize("wrap", sorted(POSITIONS))
@pytest.mark.parametrize("valign", VALIGNS)
@pytest.mark.parametrize("borders", BORDERS)
def test_typed_return_fields_whatever_the_table_drawing(borders: str, valign: str, wrap: int) -> None:
    data = form_return_pdf(PART_A, sign_off_rows(POSITIONS[wrap]), borders, valign)
    got = extract(data, ExtractContext.build("return.pdf"))
    assert (got.organisation.name, got.organisation.type) == (LONG_ORGANISATION, "local_authority")
    assert got.services == ("children_families", "criminal_justice")
    assert (got.contact.name, got.contact.email, got.contact.phone) == (
        "Alex Person", "alex.person@fife.example", "01592 000000")
    assert (got.sign_off.signed, got.sign_off.name, got.sign_off.position, str(got.sign_off.date)) == (
        True, "J. Smith", POSITIONS[wrap], "2006-10-20")


@pytest.mark.parametrize("valign", VALIGNS)
def test_typed_return_with_touching_rows_and_no_rules(valign: str) -> None:
    data = form_return_pdf(PART_A, sign_off_rows(POSITIONS[2]), "none", valign, padding=0.0)
    got = extract(data, ExtractContext.build("return.pdf"))
    assert (got.organisation.name, got.sign_off.position, str(got.sign_off.date)) == (
        LONG_ORGANISATION, POSITIONS[2], "2006-10-20")
