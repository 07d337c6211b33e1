"""What the returns say (RETURN-FORM.md section 1: networks, good practice, national
priorities), computed from the items of current returns (`warehouse.insights.ItemRow`).

    counts(rows, collection)    strengths and priorities citing each recommendation: all
                                sections, then each section that cites it; items by
                                organisation type, and the organisations citing it
    networks(rows, collection)  per recommendation (by_section: per section and
                                recommendation): who names it a priority (the natural
                                members of a network) and who names it a strength (who
                                could share good practice); organisations by name
    themes(rows, collection)    strengths and priorities citing no recommendation,
                                grouped by what they say (strengths and priorities apart)
    national(rows, collection)  section 5 issues for the national change programmes, grouped
    report_markdown(kind, rows) a short markdown table (a Prefect artifact)

Pure: plain rows in, plain dicts out (`cli.export.write_rows` prints them). Grouping:
    1. items are sorted by text, organisation, section and position before anything
       else, so the groups do not depend on the order the rows came in;
    2. TF-IDF (sublinear term frequency) over words: letters only (numbers and "R3"
       go), lower case, plurals folded ("assessments", "carers'" -> "assessment",
       "carer"), English stop words and "rec", "recommendation" dropped. Single words
       only: on items a line long, word pairs rarely recur and only dilute the likeness;
    3. average-linkage agglomerative clustering on cosine distance, cut at `threshold`
       (0.8: on average a group's items are at least 0.2 alike);
    4. a group is labelled by its 4 heaviest words (summed TF-IDF, ties alphabetical);
       groups run by organisations, items, label; ids (S1, P1, N1...) follow that order.
Groups naming fewer than `min_organisations` organisations (2), and items with no word
left, are pooled into one "other" group per box, last: nothing is dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from pipeline.markdown import md
from schemas import Collection
from schemas.vocab import OrgType
from warehouse.insights import ItemRow

BOXES = ("strengths", "priorities")
ORG_TYPES = tuple(t.value for t in OrgType)
THRESHOLD = 0.8
LABEL_TERMS = 4
DOMAIN_STOP_WORDS = frozenset({"rec", "recs", "recommendation", "recommendations", "ref", "see"})
_WORD = re.compile(r"[^\W\d_]{2,}")
KINDS = {"counts": "Strengths and priorities by recommendation",
         "networks": "Networks: who names each recommendation",
         "themes": "Themes of items that cite no recommendation",
         "national": "Issues for the national change programmes"}


def _section(collection: Collection, key: str) -> str:
    try:
        s = collection.section(key)
    except KeyError:
        return key
    return f"{s.number}. {s.title}"


def _order(collection: Collection) -> dict[str, int]:
    return {s.key: i for i, s in enumerate(collection.sections)}


def _theme(collection: Collection, number: int) -> str:
    themes = {r.number: r.theme for r in collection.recommendations}
    return themes.get(number, "(not a recommendation of this collection)")


def counts(rows: Iterable[ItemRow], collection: Collection) -> list[dict[str, Any]]:
    """One row per recommendation for all sections (every recommendation of the
    collection, cited or not), each followed by a row per section citing it; a number
    outside the collection, and items citing nothing, get rows of their own at the end.
    Counts are items (an item citing R1 and R3 counts for both); `organisations` is how
    many organisations cite it in either box."""
    order = _order(collection)
    items: dict[tuple[int | None, str], list[ItemRow]] = defaultdict(list)
    for item in rows:
        if item.box in BOXES:
            for n in item.recommendations or (None,):
                items[(n, "")].append(item)
                items[(n, item.section)].append(item)
    known = [r.number for r in collection.recommendations]
    extra = sorted({n for n, _ in items if n is not None and n not in known})
    numbers: list[int | None] = [*known, *extra, *([None] if (None, "") in items else [])]
    out = []
    for n in numbers:
        sections = sorted((s for m, s in items if m == n and s), key=lambda s: (order.get(s, 99), s))
        for section in ["", *sections]:
            found = items.get((n, section), [])
            row: dict[str, Any] = {
                "recommendation": n, "theme": _theme(collection, n) if n is not None else "(none cited)",
                "section": _section(collection, section) if section else "all sections",
                "strengths": sum(r.box == "strengths" for r in found),
                "priorities": sum(r.box == "priorities" for r in found),
                "organisations": len({r.org_id for r in found})}
            for t in ORG_TYPES:
                for box in BOXES:
                    row[f"{t.replace('_', ' ')} {box}"] = sum(r.box == box and r.org_type == t for r in found)
            out.append(row)
    return out


def networks(rows: Iterable[ItemRow], collection: Collection, *, by_section: bool = False) -> list[dict[str, Any]]:
    """One row per recommendation anyone cites as a strength or a priority (by_section:
    per section and recommendation, in the form's order): the organisations naming it a
    priority and those naming it a strength, each sorted by name."""
    order = _order(collection)
    named: dict[tuple[str, int], dict[str, set[str]]] = defaultdict(lambda: {b: set() for b in BOXES})
    for row in rows:
        if row.box in BOXES:
            for n in row.recommendations:
                named[(row.section if by_section else "", n)][row.box].add(row.organisation)
    out = []
    for section, n in sorted(named, key=lambda k: (order.get(k[0], 99), k[0], k[1])):
        who = named[(section, n)]
        head: dict[str, Any] = {"section": _section(collection, section)} if by_section else {}
        out.append({**head, "recommendation": n, "theme": _theme(collection, n),
                    "priority organisations": sorted(who["priorities"]),
                    "strength organisations": sorted(who["strengths"]),
                    "n priority": len(who["priorities"]), "n strength": len(who["strengths"])})
    return out


def _canonical(row: ItemRow) -> tuple[str, str, str, str, str, int]:
    return (row.text.casefold(), row.text, row.org_id, row.section, row.box, row.position)


def _fold(word: str) -> str:
    """A plural as its singular, crudely ("communities" -> "community", "times" -> "time")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # type: ignore[import-untyped]

    return frozenset(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS


def _words(text: str) -> list[str]:
    """The words TF-IDF weighs (module docstring, step 2)."""
    stop = _stop_words()
    return [w for w in (_fold(w) for w in _WORD.findall(text.lower().replace("'", "").replace("’", "")))
            if w not in stop]


def _cluster(items: Sequence[ItemRow], threshold: float, min_organisations: int
             ) -> tuple[list[tuple[str, list[ItemRow]]], list[ItemRow]]:
    """(label, items) groups in report order, and the pooled rest (see module docstring)."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances  # type: ignore[import-untyped]

    items = sorted(items, key=_canonical)
    vectorizer = TfidfVectorizer(analyzer=_words, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([r.text for r in items])
    except ValueError:  # not one word left in any item
        return [], list(items)
    terms = vectorizer.get_feature_names_out()
    worded = [int(i) for i in np.flatnonzero(matrix.getnnz(axis=1))]
    other = [r for i, r in enumerate(items) if i not in set(worded)]
    labels = [0] * len(worded)
    if len(worded) > 1:
        labels = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, metric="precomputed",
                                         linkage="average").fit_predict(cosine_distances(matrix[worded])).tolist()
    clusters: dict[int, list[int]] = defaultdict(list)
    for i, label in zip(worded, labels, strict=True):
        clusters[label].append(i)
    groups = []
    for members in clusters.values():
        found = [items[i] for i in members]
        if len({r.org_id for r in found}) < min_organisations:
            other.extend(found)
            continue
        weights = np.asarray(matrix[members].sum(axis=0)).ravel()
        top = sorted(np.flatnonzero(weights).tolist(), key=lambda t: (-float(weights[t]), str(terms[t])))
        groups.append((", ".join(str(terms[t]) for t in top[:LABEL_TERMS]), found))
    groups.sort(key=lambda g: (-len({r.org_id for r in g[1]}), -len(g[1]), g[0], _canonical(g[1][0])))
    return groups, sorted(other, key=_canonical)


def _grouped(items: Sequence[ItemRow], collection: Collection, prefix: str, box: str, threshold: float,
             min_organisations: int) -> list[dict[str, Any]]:
    groups, other = _cluster(items, threshold, min_organisations)
    named = [(f"{prefix}{i}", label, found) for i, (label, found) in enumerate(groups, start=1)]
    if other:
        named.append((f"{prefix}-other", f"(other: each said by fewer than {min_organisations} organisations)", other))
    out = []
    for group, label, found in named:
        orgs = {r.org_id: r for r in found}
        row: dict[str, Any] = {} if box == "items" else {"box": box}
        row |= {"group": group, "theme": label, "n organisations": len(orgs)}
        if box == "items":
            for t in ORG_TYPES:
                row[t.replace("_", " ")] = sum(r.org_type == t for r in orgs.values())
            row["recommendations cited"] = sorted({n for r in found for n in r.recommendations})
        row["organisations"] = sorted(r.organisation for r in orgs.values())
        row["items"] = [f"{r.organisation} ({_section(collection, r.section)}): {r.text}" if box != "items"
                        else f"{r.organisation}: {r.text}" for r in found]
        out.append(row)
    return out


def themes(rows: Iterable[ItemRow], collection: Collection, *, threshold: float = THRESHOLD,
           min_organisations: int = 2) -> list[dict[str, Any]]:
    """Strengths, then priorities, of sections 1-4 that cite no recommendation, grouped
    by their text (module docstring): per group its label, its organisations, and the
    items themselves ("Organisation (section): text"), so a reader sees why they met."""
    uncited = [r for r in rows if r.box in BOXES and not r.recommendations]
    return [row for box in BOXES
            for row in _grouped([r for r in uncited if r.box == box], collection, box[0].upper(), box,
                                 threshold, min_organisations)]


def national(rows: Iterable[ItemRow], collection: Collection, *, threshold: float = THRESHOLD,
             min_organisations: int = 2) -> list[dict[str, Any]]:
    """Section 5's issues for the national change programmes (cited or not), grouped the
    same way; per group how many organisations raise it, by type, and what they cite."""
    issues = [r for r in rows if r.section == "national_priorities"]
    return _grouped(issues, collection, "N", "items", threshold, min_organisations)


def report_markdown(kind: str, rows: Sequence[Mapping[str, Any]], top: int = 20, width: int = 200) -> str:
    """A markdown table of the first `top` rows of report `kind` (cells cut at `width`)."""
    lines = [f"### {md(KINDS.get(kind, kind), 120)}", ""]
    if not rows:
        return "\n".join([*lines, "Nothing to show yet: no current return has such items.", ""])
    columns = list(rows[0])
    lines.append("| " + " | ".join(md(c, width) for c in columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in columns) + "|")
    lines += ["| " + " | ".join(md(row.get(c), width) for c in columns) + " |" for row in rows[:top]]
    if len(rows) > top:
        where = f": `returns report {kind}`" if kind in KINDS else ""
        lines += ["", f"Showing {top} of {len(rows)} rows; all of them{where}."]
    return "\n".join([*lines, ""])
