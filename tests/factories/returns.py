"""Canonical `Return` records built in code (for warehouse and check tests)."""

from __future__ import annotations

import datetime as dt

from schemas import BoxedSection, Item, ItemsSection, Organisation, Return, SignOff, Source


def canonical_return(
    name: str = "Fife Council",
    *,
    signed_on: dt.date | None = dt.date(2006, 10, 20),
    strength: str = "Integrated assessment with health visitors",
    filename: str = "fife-return.docx",
) -> Return:
    return Return(
        collection="changing-lives-2006",
        organisation=Organisation(name=name, type="local_authority"),
        services=("children_families",),
        sections={
            "children_families": BoxedSection(
                strengths=(Item(text=strength, recommendations=(1, 3)),)
            ),
            "community_care": BoxedSection(),
            "criminal_justice": BoxedSection(),
            "whole_service": BoxedSection(),
            "national_priorities": ItemsSection(),
        },
        sign_off=SignOff(
            signed=signed_on is not None,
            name="J. Smith",
            position="Chief Social Work Officer",
            date=signed_on,
        ),
        source=Source(
            filename=filename,
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    )
