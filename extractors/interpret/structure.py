"""Is this document the return at all? Judged from the form's structure, never its content.

A document is read as a return only when it carries the form's structure: the
collection's section headings, named by their words, backed by Part A or sign-off
labels, a Strengths | Priorities table or the form's own name. A heading that merely
carries a number ("2. Budget 2019") or a box word ("Priorities") is something every
report and set of minutes has, so it counts for nothing here.

    sections named     Part A / sign-off / box table / form's name    verdict
    3 or more          -                                              a return
    1 or 2             at least one of them                           a return
    1 or 2             none                                           not a return
    0                  -                                              not a return

Measured on the 12 samples and a 150-document synthetic corpus (seed 5): every return
names at least 2 sections (144 of 156 name all 5) and names the form; the one that
names only 2 also has Part A and a sign-off. The covering letters name no section.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import NotAReturn
from extractors.interpret.walker import Collected
from schemas import Collection

SECTIONS_ALONE = 3  # sections named that make a return with nothing else
# Part A: the organisation's name, type or services (a letter's "Tel:" and "Email:"
# lines are no Part A).
PART_A_LABELS = frozenset({"organisation_name", "organisation_type", "services"})
# A sign-off after the sections: "Signature" and one more label, or three of them
# ("Name", "Position", "Date"); a document's "Title:" and "Date:" lines are no sign-off.
SIGN_OFF_LABELS = frozenset({"signature", "sign_name", "position", "date"})


@dataclass(frozen=True)
class Structure:
    """The evidence that a document is the form."""

    sections: tuple[str, ...]  # section keys headed by name, in the collection's order
    part_a: bool
    sign_off: bool
    box_table: bool
    form_named: bool

    @property
    def backed(self) -> bool:
        return self.part_a or self.sign_off or self.box_table or self.form_named

    @property
    def is_form(self) -> bool:
        return len(self.sections) >= SECTIONS_ALONE or (bool(self.sections) and self.backed)


def structure(found: Collected, collection: Collection) -> Structure:
    labels = found.labels_seen
    sign_off = labels & SIGN_OFF_LABELS
    return Structure(
        sections=tuple(s.key for s in collection.sections if s.key in found.sections_named),
        part_a=bool(found.service_ticks or labels & PART_A_LABELS),
        sign_off=len(sign_off) >= 3 or ("signature" in sign_off and len(sign_off) >= 2),
        box_table=found.form_tables > 0,
        form_named=found.form_named,
    )


def refuse_non_returns(found: Collected, collection: Collection, item_count: int) -> None:
    """Raise NotAReturn, with the reason in words, unless the document is a return."""
    shape = structure(found, collection)
    what = ("this is a letter (a covering letter?), not a self assessment return" if found.salutation
            else "not a self assessment return")
    if not shape.is_form:
        titles = ", ".join(s.title for s in collection.sections)
        reason = f"{what}: it does not have the return's sections ({titles})"
        if shape.sections:
            only = " and ".join(collection.section(k).title for k in shape.sections)
            reason += (f"; the only headings like them are for {only}, "
                       "with no Part A, sign-off or table of strengths and priorities")
        raise NotAReturn(reason)
    if item_count:
        return
    filled = [n for n in ("organisation_name", "contact_name", "sign_name", "signature") if n in found.fields]
    if not filled and not found.signature_figure:
        raise NotAReturn("a blank return form: no organisation, no strengths or priorities and no sign-off")
