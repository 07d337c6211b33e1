"""The official template printed by LibreOffice with its label tables drawn other ways.

Part A and the sign-off are two-column label | value tables. Organisations change
them: borders removed (sometimes only the label cells' grey shading is left), row
rules only, cells vertically centred or aligned to the bottom, and long values (an
organisation's full name, a combined post title) wrap over several lines. Every way
must give the same canonical fields: a value lost or joined to the next label turns
into a wrong check (`unsigned`, `wrong_signatory`).
"""

from __future__ import annotations

import itertools
import shutil

import pytest

from extractors import ExtractContext, extract
from schemas.canonical import BoxedSection
from tests.factories.pdf_forms import LONG_ORGANISATION, POSITIONS, VALIGNS, docx_to_pdf, template_return

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is part of the live stack"),
]

# Borders off (with and without the label shading) in every alignment and wrap; row
# rules and full borders, the drawings that already read well, as controls.
VARIANTS = [
    *itertools.product(["none"], [True, False], VALIGNS, sorted(POSITIONS)),
    *itertools.product(["hrules", "grid"], [False], VALIGNS, [3]),
]


def _name(variant: tuple[str, bool, str, int]) -> str:
    borders, shading, valign, wrap = variant
    return f"{borders}-{'shaded' if shading else 'plain'}-{valign.lower()}-{wrap}"


@pytest.fixture(scope="module")
def printed() -> dict[str, bytes]:
    docs = {_name(v): template_return(POSITIONS[v[3]], v[0], v[1], v[2]) for v in VARIANTS}
    return docx_to_pdf(docs)


@pytest.mark.parametrize("variant", VARIANTS, ids=_name)
def test_label_tables_read_the_same_however_drawn(
    printed: dict[str, bytes], variant: tuple[str, bool, str, int]
) -> None:
    got = extract(printed[_name(variant)], ExtractContext.build("return.pdf"))
    assert (got.organisation.name, got.organisation.type) == (LONG_ORGANISATION, "local_authority")
    assert got.services == ("children_families", "criminal_justice")
    assert (got.contact.name, got.contact.email, got.contact.phone) == (
        "Alex Person", "alex.person@fife.example", "01592 000000")
    assert (got.sign_off.signed, got.sign_off.name, got.sign_off.position, str(got.sign_off.date)) == (
        True, "J. Smith", POSITIONS[variant[3]], "2006-10-20")
    section = got.sections["children_families"]
    assert isinstance(section, BoxedSection)
    assert [i.text for i in section.strengths] == ["Joint assessment with health visitors is in place (R1, R3)."]
