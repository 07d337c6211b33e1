"""What the returns say, read for analysts (reads only): the items of current returns.

    current_items(session, collection) -> [ItemRow]
        returns (is_current, org_id set, collection) ─► items ─► item_recommendations
                      └─► organisations (name and type from the register)

Only each organisation's current return version counts: a superseded version says
what the organisation used to think. Unmatched returns have no organisation and are
never current. Two queries (items, then their citations), so the cost does not grow
with the number of items; plain frozen rows out, no ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.models import Item, ItemRecommendation, Organisation, ReturnVersion


@dataclass(frozen=True)
class ItemRow:
    """One strength, priority or national issue of an organisation's current return."""

    org_id: str
    organisation: str  # the register's name
    org_type: str  # local_authority | voluntary | private (the register's)
    section: str  # section key, e.g. "community_care", "national_priorities"
    box: str  # strengths | priorities | items (section 5)
    position: int  # 1-based, in the order written
    text: str
    recommendations: tuple[int, ...]  # cited, sorted; empty when none


def current_items(session: Session, collection: str) -> list[ItemRow]:
    """Every item of every current return of `collection` (a collection id), with the
    recommendations it cites, ordered by organisation, section, box and position."""
    current = (ReturnVersion.is_current.is_(True), ReturnVersion.org_id.is_not(None),
               ReturnVersion.collection == collection)
    stmt = (select(Item.id, Organisation.org_id, Organisation.name, Organisation.type,
                   Item.section, Item.box, Item.position, Item.text)
            .join(ReturnVersion, ReturnVersion.id == Item.return_id)
            .join(Organisation, Organisation.org_id == ReturnVersion.org_id)
            .where(*current)
            .order_by(Organisation.org_id, Item.section, Item.box, Item.position))
    cited: dict[int, list[int]] = {}
    for item_id, number in session.execute(
            select(ItemRecommendation.item_id, ItemRecommendation.recommendation)
            .join(Item, Item.id == ItemRecommendation.item_id)
            .join(ReturnVersion, ReturnVersion.id == Item.return_id)
            .where(*current)):
        cited.setdefault(item_id, []).append(number)
    return [ItemRow(org_id=org_id, organisation=name, org_type=org_type, section=section, box=box,
                    position=position, text=text, recommendations=tuple(sorted(cited.get(item_id, ()))))
            for item_id, org_id, name, org_type, section, box, position, text in session.execute(stmt)]
