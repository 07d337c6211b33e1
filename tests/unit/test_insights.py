"""What the returns say: counts, networks, themes and national issues from the items of
current returns; the markdown artifact; `returns report` on a warehouse filled by the
intake (only current returns count)."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.reports import register_report_commands
from core.settings import Settings
from pipeline.insights import counts, national, networks, report_markdown, themes
from pipeline.runtime import runtime
from schemas import load_collection
from tests.factories.emails import MessageBuilder
from tests.factories.forms import FormFiller
from tests.intake_fixtures import DOCX, run_plain, with_received
from warehouse import session_scope
from warehouse.insights import ItemRow, current_items

COLLECTION = load_collection()
NAMES = {"fife": ("Fife Council", "local_authority"), "angus": ("Angus Council", "local_authority"),
         "tay": ("Tay Care Partnership Ltd", "private"), "clyde": ("Clyde Carers Alliance", "voluntary"),
         "highland": ("The Highland Council", "local_authority")}


def item(org: str, text: str, box: str = "priorities", *recs: int, section: str = "community_care",
         position: int = 1) -> ItemRow:
    name, org_type = NAMES[org]
    return ItemRow(org, name, org_type, section, box, position, text, tuple(recs))


BATCH = [
    item("fife", "Early intervention with families", "priorities", 3, section="children_families"),
    item("fife", "Reduce waiting times for assessment", "priorities", 1, 3, position=2),
    item("angus", "Preventative services for older people", "priorities", 3),
    item("tay", "Person-centred care planning", "strengths", 1),
    item("clyde", "Carers' centre early support", "strengths", 3),
    item("clyde", "Workforce development", "priorities", 8, section="whole_service"),
    item("highland", "Bad citation", "priorities", 15),
    item("angus", "Nothing cited here", "strengths"),
]


def test_counts_items_by_recommendation_section_and_organisation_type() -> None:
    rows = counts(BATCH, COLLECTION)
    by_key = {(r["recommendation"], r["section"]): r for r in rows}
    assert [r["recommendation"] for r in rows if r["section"] == "all sections"] == [*range(1, 14), 15, None]
    r3 = by_key[(3, "all sections")]
    assert r3["theme"] == "prevention and earlier intervention"
    assert (r3["strengths"], r3["priorities"], r3["organisations"]) == (1, 3, 3)
    assert (r3["local authority priorities"], r3["voluntary strengths"], r3["private strengths"]) == (3, 1, 0)
    assert (by_key[(3, "1. Children and families")]["priorities"], by_key[(3, "2. Community care")]["priorities"]) \
        == (1, 2)
    assert (3, "4. Social work services as a whole") not in by_key
    assert by_key[(2, "all sections")]["organisations"] == 0  # every recommendation is listed
    assert by_key[(15, "all sections")]["theme"] == "(not a recommendation of this collection)"
    assert by_key[(None, "all sections")]["strengths"] == 1


def test_networks_name_priority_and_strength_organisations_per_recommendation() -> None:
    rows = networks(BATCH, COLLECTION)
    assert [r["recommendation"] for r in rows] == [1, 3, 8, 15]
    r3 = rows[1]
    assert r3 == {"recommendation": 3, "theme": "prevention and earlier intervention",
                  "priority organisations": ["Angus Council", "Fife Council"],
                  "strength organisations": ["Clyde Carers Alliance"], "n priority": 2, "n strength": 1}
    assert (rows[0]["priority organisations"], rows[0]["strength organisations"]) == (
        ["Fife Council"], ["Tay Care Partnership Ltd"])
    per_section = networks(BATCH, COLLECTION, by_section=True)
    assert [(r["section"], r["recommendation"]) for r in per_section] == [
        ("1. Children and families", 3), ("2. Community care", 1), ("2. Community care", 3),
        ("2. Community care", 15), ("4. Social work services as a whole", 8)]
    assert per_section[0]["priority organisations"] == ["Fife Council"]
    assert per_section[2]["priority organisations"] == ["Angus Council", "Fife Council"]


THEMED = [
    item("fife", "Reduce waiting times for occupational therapy assessments"),
    item("angus", "Waiting times for assessment are too long and must be reduced"),
    item("tay", "Shorter waiting times for community care assessment"),
    item("fife", "Recruitment and retention of qualified social workers", position=2),
    item("highland", "Difficulty recruiting social workers in rural areas"),
    item("angus", "Better information sharing with health partners", position=2),
    item("highland", "Sharing information with NHS colleagues", position=2),
    item("clyde", "Transport to day centres in the islands"),
    item("fife", "Strong partnership with carers' organisations", "strengths"),
    item("clyde", "Carers' centre partnership working", "strengths"),
    item("tay", "Staff training programme", "strengths"),
    item("angus", "Waiting times for assessment (R3)", "priorities", 3, position=3),  # cited: not a theme
]


def _groups(rows: list[dict[str, object]]) -> dict[str, list[str]]:
    return {str(r["group"]): list(r["organisations"]) for r in rows}  # type: ignore[call-overload]


def test_themes_group_similar_uncited_items_and_keep_different_ones_apart() -> None:
    rows = themes(THEMED, COLLECTION)
    assert [(r["box"], r["group"]) for r in rows] == [
        ("strengths", "S1"), ("strengths", "S-other"),
        ("priorities", "P1"), ("priorities", "P2"), ("priorities", "P3"), ("priorities", "P-other")]
    waiting = rows[2]
    assert waiting["organisations"] == ["Angus Council", "Fife Council", "Tay Care Partnership Ltd"]
    assert str(waiting["theme"]).split(", ")[:3] == ["assessment", "time", "waiting"]
    assert "Angus Council (2. Community care): Waiting times for assessment are too long and must be reduced" \
        in waiting["items"]
    assert len(waiting["items"]) == 3  # the item citing R3 is not among them
    assert {tuple(r["organisations"]) for r in rows[3:5]} == {("Fife Council", "The Highland Council"),
                                                            ("Angus Council", "The Highland Council")}
    assert rows[5]["items"] == ["Clyde Carers Alliance (2. Community care): Transport to day centres in the islands"]
    assert rows[0]["organisations"] == ["Clyde Carers Alliance", "Fife Council"]
    assert rows[1]["organisations"] == ["Tay Care Partnership Ltd"]


def test_themes_are_the_same_whatever_order_the_rows_come_in() -> None:
    expected = themes(THEMED, COLLECTION)
    for seed in range(5):
        shuffled = list(THEMED)
        random.Random(seed).shuffle(shuffled)
        assert themes(shuffled, COLLECTION) == expected


def test_themes_of_nothing_one_item_or_no_words() -> None:
    assert themes([], COLLECTION) == []
    one = themes([item("fife", "Waiting times")], COLLECTION)
    assert [(r["group"], r["organisations"]) for r in one] == [("P-other", ["Fife Council"])]
    wordless = themes([item("fife", "1."), item("angus", "Yes and no")], COLLECTION)
    assert [(r["group"], r["n organisations"]) for r in wordless] == [("P-other", 2)]


def test_national_issues_grouped_with_organisations_per_group() -> None:
    def issue(org: str, text: str, *recs: int) -> ItemRow:
        return item(org, text, "items", *recs, section="national_priorities")

    rows = national([issue("fife", "A national workforce strategy for social care"),
                     issue("clyde", "National workforce planning and strategy", 8),
                     issue("tay", "Workforce strategy covering the private sector"),
                     issue("angus", "Legislation to consolidate community care law", 13),
                     issue("highland", "Consolidate the legislation on community care", 13),
                     issue("fife", "Funding for rural transport", ),
                     item("fife", "National workforce strategy", "priorities")], COLLECTION)
    assert [r["group"] for r in rows] == ["N1", "N2", "N-other"]
    workforce, law, other = rows
    assert workforce["organisations"] == ["Clyde Carers Alliance", "Fife Council", "Tay Care Partnership Ltd"]
    assert (workforce["n organisations"], workforce["local authority"], workforce["voluntary"],
            workforce["private"], workforce["recommendations cited"]) == (3, 1, 1, 1, [8])
    assert "strategy" in str(workforce["theme"]) and "workforce" in str(workforce["theme"])
    assert (law["organisations"], law["recommendations cited"]) == (["Angus Council", "The Highland Council"], [13])
    assert other["items"] == ["Fife Council: Funding for rural transport"]


def test_report_markdown_is_a_compact_table_outside_text_cannot_break() -> None:
    rows = [{"group": "N1", "items": ["Fife: a | b\nc <script>x</script> [link](http://x)"], "n": 2},
            {"group": "N2", "items": [], "n": 1}]
    text = report_markdown("national", rows, top=1)
    lines = text.splitlines()
    assert lines[0] == "### Issues for the national change programmes"
    assert lines[2:4] == ["| group | items | n |", "| --- | --- | --- |"]
    assert lines[4] == r"| N1 | Fife: a \| b c &lt;script&gt;x&lt;/script&gt; \[link\](http://x) | 2 |"
    assert lines[-1] == "Showing 1 of 2 rows; all of them: `returns report national`."
    assert "Nothing to show yet" in report_markdown("themes", [])


# --- from the intake to `returns report` ----------------------------------------------------------

def _return(name: str, org_type: str, position: str, strengths: list[str], priorities: list[str],
            issues: tuple[str, ...] = ()) -> bytes:
    return (FormFiller()
            .part_a(name, org_type, "☐ Children and families   ☒ Community care   ☐ Criminal justice",
                    "A Person", "a.person@example.org", "01234 567890")
            .strengths("community_care", strengths).priorities("community_care", priorities)
            .national(list(issues) or [""])
            .sign("A Person", "A Person", position, "20/10/2006").bytes())


def _send(deliver: Callable[[bytes], None], key: str, when: str, docx: bytes) -> None:
    raw = (MessageBuilder(sender=f"director@{key}.example", subject="Return", message_id=f"<{key}@x>")
           .attach(f"{key}.docx", docx, DOCX).build())
    deliver(with_received(raw, when))


def _seed(settings: Settings, deliver: Callable[[bytes], None]) -> None:
    _send(deliver, "fife-1", "Mon, 16 Oct 2006 10:00:00 +0000",
          _return("Fife Council", "Local authority", "Chief Social Work Officer",
                  ["Home care reablement (R5)"], ["Managing risk in the community (R5)"]))
    _send(deliver, "fife-2", "Mon, 23 Oct 2006 10:00:00 +0000",
          _return("Fife Council", "Local authority", "Chief Social Work Officer",
                  ["Home care reablement (R2)"], ["Earlier intervention for older people (R3)"],
                  ("A national workforce strategy",)))
    _send(deliver, "tay", "Tue, 24 Oct 2006 10:00:00 +0000",
          _return("Tay Care Partnership Ltd", "Private sector", "Managing Director",
                  ["Falls prevention service (R3)"], ["Staff training in risk assessment (R5)"]))
    _send(deliver, "fv", "Wed, 25 Oct 2006 10:00:00 +0000",
          _return("Forth Valley Advocacy Network", "Voluntary sector", "Director",
                  ["Carers' centre (R2)"], ["Preventative advocacy for carers (R3)"]))
    run_plain(settings)


def test_current_items_and_networks_csv_from_a_warehouse_filled_by_the_intake(
        maildir_settings: Settings, deliver: Callable[[bytes], None], tmp_path: Path) -> None:
    _seed(maildir_settings, deliver)
    with session_scope(runtime(maildir_settings).engine) as session:
        items = current_items(session, COLLECTION.id)
    fife = [(i.section, i.box, i.position, i.text, i.recommendations) for i in items if i.org_id == "fife"]
    assert [f[:3] + f[4:] for f in fife] == [("community_care", "priorities", 1, (3,)),
                                             ("community_care", "strengths", 1, (2,)),
                                             ("national_priorities", "items", 1, ())]  # version 2 only
    assert {i.org_type for i in items} == {"local_authority", "private", "voluntary"}

    app = typer.Typer()
    app.callback()(lambda: None)
    register_report_commands(app)
    home = str(maildir_settings.home)
    result = CliRunner().invoke(app, ["report", "networks", "--format", "csv", "--home", home],
                                env={"RETURNS_CHECK_ENGINE": "plain"})
    assert result.exit_code == 0, result.output
    rows = {int(r["recommendation"]): r for r in csv.DictReader(io.StringIO(result.output))}
    assert sorted(rows) == [2, 3, 5]
    assert rows[3]["priority organisations"] == "Fife Council; Forth Valley Advocacy Network"
    assert rows[3]["strength organisations"] == "Tay Care Partnership Ltd"
    assert (rows[5]["priority organisations"], rows[5]["strength organisations"]) == ("Tay Care Partnership Ltd", "")
    assert rows[2]["strength organisations"] == "Fife Council; Forth Valley Advocacy Network"
    assert (rows[3]["n priority"], rows[3]["n strength"]) == ("2", "1")

    result = CliRunner().invoke(app, ["report", "national", "--format", "json", "--home", home])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["organisations"] for line in result.output.splitlines()] == [["Fife Council"]]

    target = tmp_path / "counts.xlsx"
    result = CliRunner().invoke(app, ["report", "counts", "--format", "xlsx", "--out", str(target), "--home", home])
    assert (result.exit_code, result.output.strip()) == (0, f"report counts: 16 rows written to {target}")

    result = CliRunner().invoke(app, ["report", "nets", "--home", home])
    assert (result.exit_code, result.output.strip()) == (
        1, "report: KIND must be one of networks, themes, national, counts (not 'nets')")


def test_report_refuses_a_mistyped_home_instead_of_making_an_empty_warehouse(tmp_path: Path) -> None:
    app = typer.Typer()
    app.callback()(lambda: None)
    register_report_commands(app)
    result = CliRunner().invoke(app, ["report", "themes", "--home", str(tmp_path / "typo")])
    assert result.exit_code == 1
    assert result.output.strip() == f"no warehouse at {tmp_path / 'typo' / 'returns.db'}: check --database or --home"
    assert not (tmp_path / "typo" / "returns.db").exists()
