"""Synthetic corpus of Changing Lives returns with ground truth, for benchmarking.

    python bench/corpus.py --out /tmp/corpus --n 150 --seed 1

Writes NAME.ext + NAME.expected.json pairs (the canonical JSON of RETURN-FORM.md section 4,
following the conventions of shared/samples/README.md) in every style the spec names, and a
few documents that are not returns (covering letters, blank forms) whose expected file is
{"expect": "not_a_return"}. The variants are written the way organisations write them, not
from the extractor's vocabulary, so the corpus measures how far the extractor generalises.
The same seed always gives the same documents (PDF bytes may differ in timestamps only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SPEC = REPO.parent / "shared" / "spec"
if not SPEC.exists():
    SPEC = Path("/work/shared/spec")

COLLECTION = "changing-lives-2006"
SERVICE_KEYS = ["children_families", "community_care", "criminal_justice"]
BOXED = [*SERVICE_KEYS, "whole_service"]
SECTION_KEYS = [*BOXED, "national_priorities"]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC_TYPE = "application/msword"
PDF_TYPE = "application/pdf"
PLACEHOLDER = object()  # leave the template's "Type here..." guidance untouched

# --------------------------------------------------------------------------------------
# Content pools: sentences in the register of real returns (none carries a citation).
# --------------------------------------------------------------------------------------

POOL: dict[tuple[str, str], list[str]] = {
    ("children_families", "strengths"): [
        (
            "Family group conferencing is available across the authority and is routinely "
            "offered before a child is referred to the Children's Reporter."
        ),
        ("Integrated assessment with health visitors and nursery staff is now routine in all three localities."),
        ("Our throughcare and aftercare team supports 85 care leavers, and every young person has a pathway plan."),
        (
            "A multi-agency child protection committee with an independent "
            "chair meets quarterly and publishes an annual report."
        ),
        (
            "The educational attainment of looked after children is a corporate "
            "priority, with a designated senior teacher in every school."
        ),
        (
            "Kinship carers now receive an allowance at the same rate as foster "
            "carers, and a support group meets monthly in each area."
        ),
        (
            "Young people who are looked after contribute directly to service "
            "planning through a Who Cares? Scotland advocacy group."
        ),
        (
            "Our family centres offer drop-in sessions, parenting groups and outreach, and are "
            "well used by families who would not approach social work directly"
        ),
        (
            "The Sure Start team works with 240 families with children under three, and "
            "referrals from health visitors have doubled since 2004."
        ),
        ("Residential units were all graded 'very good' or 'excellent' at their last Care Commission inspection."),
        (
            "Joint working with the Children's Reporter has reduced the time "
            "from referral to hearing to an average of 15 weeks."
        ),
        (
            "Our adoption and permanence team places most children within twelve "
            "months of the decision that they cannot return home."
        ),
    ],
    ("children_families", "priorities"): [
        (
            "Recruit and retain more foster carers, particularly for sibling "
            "groups, teenagers and children with disabilities."
        ),
        ("Reduce the number of looked after children placed outwith the authority by expanding local foster care."),
        "Improve transition planning for young disabled people moving to adult services.",
        ("Give young carers better access to assessment and support, working with schools to identify them earlier."),
        ("Develop earlier intervention for families where parental substance misuse or domestic abuse is identified"),
        (
            "Improve health assessment for looked after children, where the waiting "
            "time for a routine CAMHS appointment is up to nine months."
        ),
        "Extend aftercare support to age 21 for all eligible young people.",
        (
            "Implement the Getting it right for every child pathfinder "
            "recommendations across education, health and social work."
        ),
        ("Review the balance of spending between residential and community-based services for young people"),
        (
            "Develop a single shared assessment for children in need, "
            "building on the integrated assessment framework pilot."
        ),
    ],
    ("community_care", "strengths"): [
        (
            "Our home care service now offers re-ablement to everyone leaving hospital, and "
            "around a third of people need no ongoing service after six weeks."
        ),
        (
            "Joint Future arrangements with the NHS board are well established, "
            "with single shared assessment in all localities."
        ),
        ("Local Area Co-ordinators for people with learning disabilities are in place in every locality."),
        (
            "A rapid response team of nurses, occupational therapists and home "
            "carers prevents avoidable hospital admissions."
        ),
        (
            "Direct payments are taken up by 190 people, one of the highest "
            "rates in Scotland for an authority of our size."
        ),
        (
            "The carers' centre, run jointly with the voluntary sector, offers "
            "information, short breaks and a 24-hour helpline."
        ),
        (
            "Day services have been modernised, with most people now using "
            "community-based opportunities instead of a traditional day centre."
        ),
        ("Telecare equipment is installed within 48 hours of referral and supports over 1,200 people to stay at home"),
        "Delayed discharges from hospital have been reduced from 64 to 11 in the past two years.",
        (
            "Our supported living service has enabled 30 people with learning "
            "disabilities to move into their own tenancies."
        ),
        (
            "Free personal care is delivered within agreed timescales, and the "
            "waiting time for an assessment is under four weeks."
        ),
    ],
    ("community_care", "priorities"): [
        (
            "Develop services for younger people with dementia, who currently fall "
            "between older people's and mental health services."
        ),
        (
            "Reduce waiting times for occupational therapy assessment, which "
            "currently stand at over 20 weeks for non-urgent cases."
        ),
        (
            "Ensure that every carer who asks is offered a carer's "
            "assessment that leads to real changes in their support."
        ),
        ("Increase the uptake of direct payments among older people and people with mental health problems."),
        (
            "Prepare for the Adult Support and Protection (Scotland) Bill, "
            "including training for all community care staff."
        ),
        (
            "Modernise our remaining in-house residential homes or re-provide "
            "them in partnership with the independent sector"
        ),
        ("Shift the balance of care towards intensive home care, so that fewer older people move into care homes."),
        ("Improve the recording of outcomes in support plans so that we can show what has changed for each person."),
        "Work with commissioning councils to agree realistic rates for care at home.",
        (
            "Develop a joint equipment store with the NHS board to reduce "
            "delays in the delivery of aids and adaptations."
        ),
    ],
    ("criminal_justice", "strengths"): [
        "Social enquiry reports are submitted to court on time in over 95% of cases.",
        (
            "Throughcare begins well before release, and every long-term prisoner "
            "has a throughcare plan agreed before the release date."
        ),
        (
            "A Supervised Attendance Order scheme is available throughout the "
            "area as an alternative to custody for fine default."
        ),
        (
            "Preparation for MAPPA is well advanced, with a joint protocol agreed with the "
            "police, the Scottish Prison Service and housing providers."
        ),
        ("The Drug Treatment and Testing Order team has achieved completion rates above the national average."),
        (
            "Community service schemes consistently meet national standards, "
            "and 92% of orders are completed successfully"
        ),
        (
            "The youth justice team works with the Children's Hearing system to "
            "provide intensive support to persistent young offenders."
        ),
        (
            "Our women's service offers a one-stop shop for women on probation, "
            "with health, housing and addiction workers on site."
        ),
        ("Arrest referral workers based in police custody suites provide quick access to addiction services."),
    ],
    ("criminal_justice", "priorities"): [
        "Develop services for women offenders as a credible alternative to custody.",
        ("Reduce the time taken to start community service after sentence, which currently averages five weeks."),
        ("Extend voluntary throughcare support to short-term prisoners who are not subject to statutory supervision."),
        "Implement MAPPA for registered sex offenders from April 2007.",
        "Strengthen links between criminal justice social work and mental health services.",
        (
            "Improve the recording of outcomes for people on probation, so "
            "that we can show whether reoffending has reduced"
        ),
        ("Agree a joint risk assessment approach with the Community Justice Authority and partner agencies."),
        ("Develop intensive support and monitoring for young people at risk of secure care or custody."),
    ],
    ("whole_service", "strengths"): [
        (
            "All qualified social workers are registered with the SSSC, and "
            "post-registration training is recorded in individual development plans."
        ),
        (
            "Supervision policy and standards have been revised, and regular "
            "professional supervision is recorded for all front-line staff."
        ),
        (
            "Our trainee social worker scheme has supported 14 staff through the "
            "social work degree while they remain in employment."
        ),
        (
            "A performance management framework, with quarterly reports to "
            "the social work committee, is well established."
        ),
        ("We have achieved Investors in People accreditation, and every member of staff has an annual appraisal."),
        ("The Chief Social Work Officer has direct access to the chief executive and elected members."),
        "Sickness absence among social work staff has fallen for the second year running.",
        ("Our practice learning centre has increased the number of student placements we offer each year"),
        ("Our board and senior managers have a clear business plan and report outcomes regularly to funders."),
        "Staff turnover is low, and every new worker completes a 12-week induction programme.",
    ],
    ("whole_service", "priorities"): [
        ("Improve the quality and consistency of supervision, including training for all supervisors."),
        (
            "Address recruitment difficulties in rural areas, where some "
            "social work posts have been vacant for over a year."
        ),
        ("Develop a performance management framework that focuses on outcomes for people who use services."),
        "Achieve registration of all care staff with the SSSC by the required dates.",
        ("Make better use of the skills of unqualified staff through career pathways linked to the SVQ framework."),
        (
            "Establish a research and evaluation capacity, possibly in "
            "partnership with neighbouring authorities and universities."
        ),
        (
            "Reduce the time social workers spend on administrative tasks, which our "
            "time study showed accounts for over 40% of their week."
        ),
        (
            "Establish a change management programme to implement Changing Lives, "
            "with clear milestones reported to elected members"
        ),
        ("Develop leadership training for first-line managers, who have had little management development to date."),
    ],
    ("national_priorities", "items"): [
        ("A national research and development strategy, with a clearing house for evidence about what works."),
        (
            "National action to address shortages of qualified social "
            "workers, particularly in rural and island authorities."
        ),
        (
            "Streamlining of inspection and regulation so that it supports "
            "rather than duplicates local performance improvement."
        ),
        "A consistent national approach to the funding of kinship care.",
        (
            "Guidance on sharing information about risk between agencies "
            "that front-line staff can apply with confidence."
        ),
        (
            "Funding to support the transformational change programmes, as councils "
            "cannot meet the costs of change from existing budgets."
        ),
        (
            "National work on outcome measures, so that performance reporting "
            "reflects the difference services make to people's lives."
        ),
        ("Consolidation of social work legislation, in particular on the duty of local authorities to assess need"),
        (
            "Support for small voluntary organisations to take part in the "
            "change programmes, including funding for staff time."
        ),
        (
            "A national approach to commissioning specialist services for the "
            "small number of people with very complex needs."
        ),
    ],
}

# Extra sentences that follow an item sometimes (multi-sentence items).
TAILS = [
    "An evaluation is due to report in spring 2007.",
    "We would be happy to share this practice with other organisations.",
    "This was recognised in our most recent inspection report.",
    "Progress will be reported to committee every six months.",
    "We will need additional resources to achieve this.",
    "A project group has been set up to take this forward.",
    "This is reflected in our service plan for 2007/08.",
]

FIRST = [
    "Moira",
    "Fraser",
    "Eilidh",
    "Alasdair",
    "Catriona",
    "Gordon",
    "Fiona",
    "Euan",
    "Morag",
    "Iain",
    "Shona",
    "Douglas",
    "Kirsty",
    "Hamish",
    "Ailsa",
    "Graham",
    "Lorna",
    "Neil",
    "Margaret",
    "Ruaridh",
]
LAST = [
    "Robertson",
    "Nicolson",
    "Crawford",
    "MacLeod",
    "Stewart",
    "Gilchrist",
    "Lindsay",
    "Fraser",
    "Kennedy",
    "Henderson",
    "McIntyre",
    "Sinclair",
    "Ross",
    "Munro",
    "Paterson",
    "Buchanan",
    "Drummond",
    "Urquhart",
]
TITLES = ["", "", "", "Mr ", "Mrs ", "Ms ", "Dr "]

TYPE_WORDS = {
    "local_authority": [
        "Local Authority",
        "Local authority",
        "Council",
        "Local Authority (Council)",
        "local authority",
        "Scottish local authority",
        "LA",
    ],
    "voluntary": [
        "Voluntary Sector",
        "Voluntary",
        "Voluntary organisation",
        "Registered charity",
        "Charity",
        "Third sector",
        "Voluntary sector (registered charity SC031234)",
        "Not-for-profit",
        "Voluntary sector provider",
        "Charitable company limited by guarantee",
    ],
    "private": [
        "Private Sector",
        "Private company",
        "Private",
        "Independent sector",
        "Private limited company",
        "Independent provider",
        "Private sector provider",
    ],
}
TYPE_TICK_LABELS = {"local_authority": "Local authority", "voluntary": "Voluntary sector", "private": "Private sector"}

LA_POSITIONS = [
    "Chief Social Work Officer",
    "CSWO",
    "Chief Social Work Officer",
    "Director of Social Work (CSWO)",
    "Head of Social Work and Chief Social Work Officer",
]
PROVIDER_POSITIONS = [
    "Chief Executive",
    "Director",
    "Managing Director",
    "Director of Care",
    "Chief Officer",
    "Operations Director",
    "Chief Executive Officer",
]
WRONG_POSITIONS = {
    "local_authority": ["Head of Finance", "Director of Care", "Chief Executive", "Service Manager"],
    "voluntary": ["Head of Finance", "Office Manager", "Service Manager"],
    "private": ["Head of Finance", "Registered Manager", "Office Manager"],
}

EMPTY_FILLERS = ["N/A", "n/a", "None", "-", "Not applicable", "NA", "None at present", "Nil", PLACEHOLDER, ""]

SERVICE_NAMES = {
    "children_families": "Children and families",
    "community_care": "Community care",
    "criminal_justice": "Criminal justice",
}

# Freeform headings: what organisations write over each section.
SECTION_HEADINGS = {
    "children_families": [
        "1. Children & Families",
        "Section 1 - Children and Families",
        "CHILDREN AND FAMILIES",
        "Children and Families Services",
        "1. Children and families",
        "Section 1: Children & Families",
        "Services for Children and Families",
        "1 Children and Families",
        "Children, Young People and Families",
    ],
    "community_care": [
        "2. Community Care",
        "Section 2 - Community Care",
        "COMMUNITY CARE",
        "Community Care Services",
        "Section 2: Community care",
        "2 Community Care",
        "Community Care (Adult Services)",
        "Adult Services / Community Care",
    ],
    "criminal_justice": [
        "3. Criminal Justice",
        "Section 3 - Criminal Justice",
        "CRIMINAL JUSTICE",
        "Criminal Justice Social Work",
        "Section 3: Criminal justice services",
        "3 Criminal Justice",
        "Criminal Justice Social Work Services",
        "Justice Services",
    ],
    "whole_service": [
        "4. Social Work Services as a Whole",
        "Section 4 - Social work services as a whole",
        "SOCIAL WORK SERVICES AS A WHOLE",
        "4. The Service as a Whole",
        "Section 4: Whole service issues",
        "4. Social work services as a whole (workforce development, leadership)",
        "The Organisation as a Whole",
        "4. Workforce Development and Leadership",
    ],
    "national_priorities": [
        "5. Priority issues for the national change programmes",
        "Section 5 - Priority Issues for the National Change Programmes",
        "PRIORITY ISSUES FOR THE NATIONAL CHANGE PROGRAMMES",
        "5. National Priorities",
        "Issues for the national change programmes",
        "Section 5: Priority issues",
        "5. Issues we would like the national change programmes to address",
    ],
}
STRENGTH_HEADINGS = [
    "Key strengths",
    "Strengths",
    "Areas of strength",
    "Our strengths",
    "Strengths:",
    "Main strengths",
    "What we do well",
    "Key Strengths",
    "Current strengths",
    "Strengths identified",
]
PRIORITY_HEADINGS = [
    "Priorities for change",
    "Priorities for improvement",
    "Areas for development",
    "What we need to improve",
    "Key priorities for change",
    "Priorities",
    "Areas for improvement",
    "Priorities for Change:",
    "Improvement priorities",
    "Where we need to improve",
    "Development priorities",
    "Priorities for the coming year",
]

LETTER_OPENINGS = [
    ("Please find below our self assessment return for Changing Lives, set out under the headings of annex C."),
    ("I enclose our response to the Changing Lives self assessment, following the headings of the return."),
    "As requested in the Implementation Plan, our self assessment is set out below.",
]


# --------------------------------------------------------------------------------------
# The return being generated, and its expected canonical record
# --------------------------------------------------------------------------------------


@dataclass
class Item:
    raw: str  # as typed (may hold soft line breaks)
    recs: list[int]

    @property
    def text(self) -> str:
        return " ".join(self.raw.split())


@dataclass
class Spec:
    name: str
    style: str
    org_name: str
    org_type: str | None  # canonical, None when not stated
    type_written: str | None
    services: list[str]  # what the organisation provides (register)
    services_written: Any  # str, PLACEHOLDER (silent), or None (no such field)
    services_silent: bool
    contact: dict[str, str | None]
    boxes: dict[tuple[str, str], list[Item]]
    fillers: dict[tuple[str, str], Any]  # empty boxes: what is written in them
    signature: str  # typed | slash | image | blank
    sign_name: str | None
    position: str | None
    date_written: str | None
    date_iso: str | None
    letter_date: str | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def expected(self, filename: str, media_type: str, pages: int | None, ocr: bool) -> dict[str, Any]:
        sections: dict[str, Any] = {}
        for key in BOXED:
            sections[key] = {
                box: [_item_json(i) for i in self.boxes.get((key, box), [])] for box in ("strengths", "priorities")
            }
        sections["national_priorities"] = {
            "items": [_item_json(i) for i in self.boxes.get(("national_priorities", "items"), [])]
        }
        if self.services_silent:
            services = [k for k in SERVICE_KEYS if any(self.boxes.get((k, b)) for b in ("strengths", "priorities"))]
        else:
            services = [k for k in SERVICE_KEYS if k in self.services]
        signed = self.signature != "blank"
        return {
            "collection": COLLECTION,
            "organisation": {"name": self.org_name, "type": self.org_type},
            "contact": dict(self.contact),
            "services": services,
            "sections": sections,
            "sign_off": {"signed": signed, "name": self.sign_name, "position": self.position, "date": self.date_iso},
            "source": {"filename": filename, "media_type": media_type, "pages": pages, "ocr": ocr},
        }


def _item_json(item: Item) -> dict[str, Any]:
    return {"text": item.text, "recommendations": sorted(set(item.recs))}


def load_register() -> list[dict[str, Any]]:
    import csv

    with (SPEC / "register.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["aliases"] = [a for a in row["aliases"].split(";") if a]
        row["services"] = [s for s in row["services"].split(";") if s]
    return rows


# -- citations --------------------------------------------------------------------------


def cite(rng: random.Random, sentence: str, section: str) -> Item:
    """The sentence with (or without) a citation in one of the styles returns use."""
    if rng.random() < 0.4:
        return Item(sentence, [])
    pool = (
        list(range(1, 6))
        if section in SERVICE_KEYS
        else list(range(6, 13))
        if section == "whole_service"
        else [4, 9, 11, 12, 13]
    )
    if rng.random() < 0.1:
        pool = list(range(1, 14))
    n = rng.choice([1, 1, 1, 2, 2, 3])
    nums = sorted(rng.sample(pool, min(n, len(pool))))
    a = nums[0]
    body = sentence.rstrip(".")
    ends = sentence.endswith(".")
    dot = "." if ends else ""
    styles = [
        ("after", f"(R{a})"),
        ("after", f"R{a}"),
        ("after", f"Rec {a}"),
        ("after", f"(Recommendation {a})"),
        ("after", f"({a})"),
        ("after", f"[{a}]"),
        ("after", f"- R{a}"),
        ("after", f"(Rec. {a})"),
        ("before", f"(R{a})"),
        ("before", f"(recommendation {a})"),
        ("after", f"Relates to R{a}."),
        ("after", f"See Recommendation {a}."),
        ("before", f"(R {a})"),
    ]
    if len(nums) >= 2:
        b = nums[1]
        rs = ", ".join(f"R{x}" for x in nums)
        ns = ", ".join(map(str, nums))
        styles = [
            ("after", f"(Recs {ns})"),
            ("after", f"({rs})"),
            ("before", f"({rs})"),
            ("after", f"- {rs}"),
            ("after", f"[{ns}]"),
            ("after", f"Recs {ns}"),
        ]
        if len(nums) == 2:
            styles += [
                ("after", f"(R{a}/R{b})"),
                ("after", f"(Recommendations {a} and {b})"),
                ("before", f"(recommendations {a} and {b})"),
                ("after", f"Links to R{a} and R{b}."),
                ("after", f"(R{a}, R{b})"),
            ]
            if b - a >= 2 and rng.random() < 0.15:
                styles = [("after", f"(R{a}-R{b})")]
                nums = list(range(a, b + 1))
    where, c = rng.choice(styles)
    # A leading citation, as some writers do; only prefixed ones: a bare "(3)" at the start
    # of an item is list numbering.
    if c.startswith("(R") and rng.random() < 0.12:
        return Item(f"{c} {sentence}", nums)
    if where == "before" and ends:
        return Item(f"{body} {c}.", nums)
    return Item(f"{body}{dot} {c}".rstrip(), nums)


def make_item(rng: random.Random, section: str, box: str, used: set[str]) -> Item:
    choices = [s for s in POOL[(section, box)] if s not in used] or POOL[(section, box)]
    sentence = rng.choice(choices)
    used.add(sentence)
    if rng.random() < 0.2:
        sentence = (sentence if sentence.endswith(".") else sentence + ".") + " " + rng.choice(TAILS)
    return cite(rng, sentence, section)


def soft_break(rng: random.Random, item: Item) -> Item:
    """Insert a soft line break (Shift+Enter) at a word boundary inside the item."""
    spaces = [m.start() for m in re.finditer(" ", item.raw)]
    if len(spaces) < 6:
        return item
    at = rng.choice(spaces[2:-2])
    return Item(item.raw[:at] + "\n" + item.raw[at + 1 :], item.recs)


# -- one return -----------------------------------------------------------------------------


def person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    style = rng.random()
    if style < 0.6:
        return f"{first} {last}", f"{first.lower()}.{last.lower()}"
    if style < 0.8:
        return f"{first[0]}. {last}", f"{first[0].lower()}.{last.lower()}"
    return f"{rng.choice(TITLES[3:])}{first[0]} {last}", f"{first[0].lower()}{last.lower()}"


def phone(rng: random.Random) -> str:
    area = rng.choice(["01592", "0131", "01463", "01382", "0141", "01786", "01387"])
    a, b = rng.randint(200, 999), rng.randint(1000, 9999)
    return rng.choice(
        [
            f"{area} {a}{b % 1000:03d}" if len(area) == 5 else f"{area} {a} {b}",
            f"({area}) {a} {b}",
            f"{area}-{a}-{b}",
            f"{area} {a} {b} ext. {rng.randint(2000, 4999)}",
            f"+44 {area[1:]} {a} {b}",
            f"{area} {a}{b}",
        ]
    )


def date_written(rng: random.Random, d: dt.date) -> str:
    day = d.day
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return rng.choice(
        [
            d.strftime("%d/%m/%Y"),
            d.strftime("%d.%m.%y"),
            f"{day} {d.strftime('%B %Y')}",
            f"{day}{suffix} {d.strftime('%b %Y')}",
            d.isoformat(),
            f"{day}/{d.month}/{d.strftime('%y')}",
            d.strftime("%d-%m-%Y"),
            f"{d.strftime('%A')} {day} {d.strftime('%B %Y')}",
            f"{day}{suffix} {d.strftime('%B, %Y')}",
            f"{day} {d.strftime('%b')}. {d.year}",
            d.strftime("%d/%m/%y"),
        ]
    )


def services_text(rng: random.Random, provided: list[str]) -> str:
    mode = rng.choice(["glyph", "glyph", "brackets", "typed_x", "yes", "list", "all"])
    if mode == "all" and len(provided) < 3:
        mode = "list"
    names = SERVICE_NAMES
    if mode == "glyph":
        tick = rng.choice(["☒", "☑", "☒", "■"])
        return "   ".join(f"{tick if k in provided else '☐'} {names[k]}" for k in SERVICE_KEYS)
    if mode == "brackets":
        tick = rng.choice(["[x]", "[X]", "[✓]"])
        return "  ".join(f"{tick if k in provided else '[ ]'} {names[k]}" for k in SERVICE_KEYS)
    if mode == "typed_x":
        return "   ".join(f"{'X' if k in provided else '☐'} {names[k]}" for k in SERVICE_KEYS)
    if mode == "yes":
        sep = rng.choice(["\n", "; "])
        return sep.join(f"{names[k]}: {'Yes' if k in provided else 'No'}" for k in SERVICE_KEYS)
    if mode == "list":
        parts = [names[k] if i == 0 else names[k].lower() for i, k in enumerate(provided)]
        if len(parts) == 1:
            return parts[0]
        return rng.choice([", ".join(parts[:-1]) + " and " + parts[-1], "; ".join(parts), ", ".join(parts)])
    return rng.choice(["All three", "All of the above", "All three services", "All"])


def make_spec(rng: random.Random, register: list[dict[str, Any]], name: str, style: str) -> Spec:
    org = rng.choice(register)
    org_type = org["type"]
    org_name = org["name"] if rng.random() < 0.7 or not org["aliases"] else rng.choice(org["aliases"])
    provided = list(org["services"]) if org_type != "local_authority" else list(SERVICE_KEYS)
    notes: list[str] = []

    type_written: str | None
    if rng.random() < 0.15:
        labels = TYPE_TICK_LABELS
        tick = rng.choice(["☒", "X", "[x]"])
        blank = "☐" if tick != "[x]" else "[ ]"
        type_written = "  ".join(f"{tick if t == org_type else blank} {labels[t]}" for t in labels)
    else:
        type_written = rng.choice(TYPE_WORDS[org_type])
    type_canon: str | None = org_type

    silent = rng.random() < 0.15
    services_written: Any = PLACEHOLDER if silent else services_text(rng, provided)

    who, mail = person(rng)
    domain = org["contact_email"].split("@", 1)[1]
    contact: dict[str, str | None] = {"name": who, "email": f"{mail}@{domain}", "phone": phone(rng)}
    if rng.random() < 0.1:
        contact["phone"] = None
    if rng.random() < 0.05:
        contact["email"] = None

    defect = rng.choices(
        ["none", "unsigned", "wrong_signatory", "incomplete", "bad_date", "late", "no_position", "no_date"],
        [55, 8, 7, 8, 5, 7, 5, 5],
    )[0]
    notes.append(f"defect:{defect}")

    # items
    used: set[str] = set()
    boxes: dict[tuple[str, str], list[Item]] = {}
    fillers: dict[tuple[str, str], Any] = {}
    incomplete = rng.choice(provided) if defect == "incomplete" else None
    for key in BOXED:
        in_scope = key in provided or (key == "whole_service" and (org_type == "local_authority" or rng.random() < 0.7))
        for box in ("strengths", "priorities"):
            n = 0
            if in_scope and key != incomplete:
                n = rng.choice([1, 2, 2, 3, 3, 4]) if box == "strengths" else rng.choice([0, 1, 1, 2, 2, 3])
            if n:
                boxes[(key, box)] = [make_item(rng, key, box, used) for _ in range(n)]
            else:
                fillers[(key, box)] = rng.choice(EMPTY_FILLERS)
    if org_type == "local_authority" or rng.random() < 0.7:
        boxes[("national_priorities", "items")] = [
            make_item(rng, "national_priorities", "items", used) for _ in range(rng.choice([1, 2, 3, 4]))
        ]
    else:
        fillers[("national_priorities", "items")] = rng.choice(EMPTY_FILLERS)

    # sign-off
    signer, _ = person(rng)
    signature = rng.choice(["typed", "typed", "slash", "image"])
    position: str | None = rng.choice(LA_POSITIONS if org_type == "local_authority" else PROVIDER_POSITIONS)
    d = dt.date(2006, 7, 1) + dt.timedelta(days=rng.randint(0, 120))
    if defect == "unsigned":
        signature = "blank"
    elif defect == "wrong_signatory":
        position = rng.choice(WRONG_POSITIONS[org_type])
    elif defect == "bad_date":
        d = rng.choice([dt.date(2006, 5, 12), dt.date(2005, 10, 20), dt.date(2006, 12, 24)])
    elif defect == "late":
        d = dt.date(2006, 11, 1) + dt.timedelta(days=rng.randint(0, 20))
    elif defect == "no_position":
        position = None
    written: str | None = date_written(rng, d)
    iso: str | None = d.isoformat()
    if defect == "no_date":
        written, iso = None, None
    return Spec(
        name=name,
        style=style,
        org_name=org_name,
        org_type=type_canon,
        type_written=type_written,
        services=provided,
        services_written=services_written,
        services_silent=silent,
        contact=contact,
        boxes=boxes,
        fillers=fillers,
        signature=signature,
        sign_name=signer,
        position=position,
        date_written=written,
        date_iso=iso,
        notes=notes,
    )


# --------------------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------------------


def signature_png(rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (300, 90), "white")
    draw = ImageDraw.Draw(img)
    x, y = 10, 50
    points = []
    for _ in range(14):
        x += rng.randint(10, 25)
        y = max(10, min(80, y + rng.randint(-25, 25)))
        points.append((x, y))
    draw.line([(10, 50), *points], fill=(20, 20, 90), width=3)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _fill_cell(cell: Any, paras: list[tuple[str, str | None]]) -> None:
    """Replace a cell's paragraphs: (text, style) pairs; "\n" is a soft line break."""
    tc = cell._tc
    for p in list(tc.iterchildren("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p")):
        tc.remove(p)
    if not paras:
        cell.add_paragraph("")
    for text, style in paras:
        para = cell.add_paragraph(style=style) if style else cell.add_paragraph()
        lines = text.split("\n")
        for i, line in enumerate(lines):
            run = para.add_run(line)
            if i < len(lines) - 1:
                run.add_break()


TYPED_MARKERS = ["- ", "• ", "* ", "– ", "{n}. ", "{n}) ", "({a}) ", "{a}) ", "o "]


def item_paragraphs(rng: random.Random, items: list[Item], mode: str) -> list[tuple[str, str | None]]:
    """How one box's items are typed: plain paragraphs, list styles or typed markers."""
    out: list[tuple[str, str | None]] = []
    kinds = ["List Bullet", "List Number", "typed", "typed", "typed"]
    kind = "plain" if mode == "paragraphs" else rng.choice(kinds)
    marker = rng.choice(TYPED_MARKERS)
    gaps = mode != "paragraphs" and rng.random() < 0.35
    for i, item in enumerate(items):
        raw = item.raw
        if rng.random() < (0.3 if mode != "paragraphs" else 0.1):
            raw = soft_break(rng, item).raw
        if kind == "plain":
            out.append((raw, None))
        elif kind == "typed":
            out.append((marker.format(n=i + 1, a="abcdefgh"[i]) + raw, None))
        else:
            out.append((raw, kind))
        if gaps and i < len(items) - 1:
            out.append(("", None))
    return out


def filler_paragraphs(filler: Any) -> list[tuple[str, str | None]] | None:
    if filler is PLACEHOLDER:
        return None
    return [(filler, None)] if filler else []


def render_template_docx(rng: random.Random, spec: Spec, mode: str) -> bytes:
    from docx.shared import Inches

    from tests.factories.forms import FormFiller, block_sdt, dele, inline_sdt, ins, p_xml, r, replace_cell_xml

    form = FormFiller()
    t = form.tables
    part_a = [
        spec.org_name,
        spec.type_written,
        spec.services_written,
        spec.contact["name"],
        spec.contact["email"],
        spec.contact["phone"],
    ]
    for row, value in zip(t[0].rows, part_a, strict=True):
        if value is PLACEHOLDER:
            continue
        _fill_cell(row.cells[1], [(value, None)] if value else [])
    for key in SECTION_KEYS:
        table = t[5] if key == "national_priorities" else t[1 + BOXED.index(key)]
        for col, box in enumerate(("items",) if key == "national_priorities" else ("strengths", "priorities")):
            cell = table.rows[1].cells[col]
            items = spec.boxes.get((key, box))
            if items:
                _fill_cell(cell, item_paragraphs(rng, items, mode))
            else:
                paras = filler_paragraphs(spec.fillers.get((key, box), PLACEHOLDER))
                if paras is not None:
                    _fill_cell(cell, paras)
    sign = {"typed": spec.sign_name, "slash": f"/s/ {spec.sign_name}", "image": "", "blank": ""}[spec.signature]
    for row, value in zip(t[6].rows, [sign, spec.sign_name, spec.position, spec.date_written], strict=True):
        _fill_cell(row.cells[1], [(value, None)] if value else [])
    if spec.signature == "image":
        t[6].rows[0].cells[1].paragraphs[0].add_run().add_picture(io.BytesIO(signature_png(rng)), width=Inches(1.4))

    if mode == "controls":
        # content controls: the organisation name and a whole box as Word content controls
        replace_cell_xml(t[0].rows[0].cells[1], p_xml(inline_sdt(spec.org_name)))
        filled = [(k, b) for (k, b) in spec.boxes if k != "national_priorities"]
        if filled:
            k, b = rng.choice(filled)
            cell = t[1 + BOXED.index(k)].rows[1].cells[0 if b == "strengths" else 1]
            ps = ""
            for item in spec.boxes[(k, b)]:
                words = item.raw.split(" ")
                cut = len(words) // 2
                ps += p_xml(r(" ".join(words[:cut]) + " ") + inline_sdt(" ".join(words[cut:])))
            replace_cell_xml(cell, block_sdt(ps))
            spec.notes.append(f"sdt:{k}.{b}")
        # tracked changes in another box: an edited item and a deleted one
        others = [(k, b) for (k, b) in spec.boxes if k != "national_priorities" and (k, b) not in filled[:0]]
        k, b = rng.choice(others)
        cell = t[1 + BOXED.index(k)].rows[1].cells[0 if b == "strengths" else 1]
        ps = ""
        for item in spec.boxes[(k, b)]:
            words = item.raw.split(" ")
            if len(words) > 6:
                i = rng.randint(1, len(words) - 3)
                ps += p_xml(
                    r(" ".join(words[:i]) + " ")
                    + dele("previously ")
                    + ins(words[i] + " ")
                    + r(" ".join(words[i + 1 :]))
                )
            else:
                ps += p_xml(r(item.raw))
        ps += p_xml(dele("An item the author deleted before sending."))
        replace_cell_xml(cell, ps)
        spec.notes.append(f"tracked:{k}.{b}")
    return form.bytes()


def _heading(doc: Any, text: str, level: int, how: str) -> None:
    if how == "style":
        doc.add_paragraph(text, style=f"Heading {level}")
    elif how == "bold":
        doc.add_paragraph().add_run(text).bold = True
    elif how == "underline":
        doc.add_paragraph().add_run(text).underline = True
    else:
        doc.add_paragraph(text)


def _address(rng: random.Random) -> list[str]:
    street = rng.choice(
        [
            "Carseview House, Castle Business Park",
            "3 Kirkgate",
            "Council Buildings, High Street",
            "Unit 4, Riverside Business Centre",
            "Pitreavie Court",
        ]
    )
    town = rng.choice(["Perth PH1 5XX", "Dundee DD1 9XX", "Inverness IV1 1XX", "Stirling FK8 2XX", "Ayr KA7 1XX"])
    return [street, town]


def render_freeform_docx(rng: random.Random, spec: Spec) -> bytes:
    import docx
    from docx.shared import Inches

    doc = docx.Document()
    head_how = rng.choice(["style", "bold", "bold", "plain", "underline"])
    box_how = (
        rng.choice(["style", "bold", "plain", "underline"]) if head_how != "plain" else rng.choice(["bold", "style"])
    )
    letter_date = spec.letter_date or spec.date_written or "October 2006"
    # letterhead
    if rng.random() < 0.5:
        doc.add_paragraph(spec.org_name, style="Title")
    else:
        doc.add_paragraph().add_run(spec.org_name).bold = True
    p = doc.add_paragraph()
    lines = _address(rng)
    for i, line in enumerate(lines):
        run = p.add_run(line)
        if i < len(lines) - 1:
            run.add_break()
    doc.add_paragraph(letter_date)
    doc.add_paragraph(
        "Social Work Services Policy Division\nScottish Executive\nVictoria Quay\nEdinburgh EH6 6QQ".replace("\n", ", ")
    )
    doc.add_paragraph(rng.choice(["Dear Ms Hughes", "Dear Jane", "Dear Sir or Madam"]))
    doc.add_paragraph().add_run(
        rng.choice(
            [
                "Changing Lives - Self Assessment Return (Annex C)",
                "Changing Lives: self assessment return",
                "CHANGING LIVES SELF ASSESSMENT",
            ]
        )
    ).bold = True
    doc.add_paragraph(rng.choice(LETTER_OPENINGS))

    # Part A
    part_a = spec.extra.get("part_a", "lines")
    rows = []
    if part_a != "none":
        rows = [
            ("Name of organisation", spec.org_name),
            ("Type of organisation", spec.type_written),
            ("Services provided", spec.services_written if spec.services_written is not PLACEHOLDER else None),
            ("Contact name", spec.contact["name"]),
            ("Email", spec.contact["email"]),
            ("Telephone", spec.contact["phone"]),
        ]
        labels = {
            "Name of organisation": ["Organisation", "Name of organisation"],
            "Type of organisation": ["Type of organisation", "Sector", "Organisation type"],
            "Services provided": ["Services provided", "Services we provide"],
            "Contact name": ["Contact", "Contact name", "Contact officer"],
            "Email": ["Email", "E-mail", "Contact email"],
            "Telephone": ["Telephone", "Tel", "Phone", "Contact telephone"],
        }
        rows = [(rng.choice(labels[k]), v) for k, v in rows if v]
        if part_a == "table":
            table = doc.add_table(rows=0, cols=2)
            for k, v in rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = k, v
        else:
            if rng.random() < 0.5:
                _heading(doc, "Part A - About the organisation", 1, head_how)
            for k, v in rows:
                doc.add_paragraph(f"{k}: {v}".replace("\n", "; "))

    for key in SECTION_KEYS:
        has = any(spec.boxes.get((key, b)) for b in ("strengths", "priorities", "items"))
        if not has and ((key in SERVICE_KEYS and key not in spec.services) or rng.random() < 0.5):
            continue  # organisations leave out what they do not provide
        heading = rng.choice(SECTION_HEADINGS[key])
        _heading(doc, heading, 1, head_how)
        spec.notes.append(f"h:{heading}")
        boxes = ("items",) if key == "national_priorities" else ("strengths", "priorities")
        for box in boxes:
            items = spec.boxes.get((key, box), [])
            if box != "items":
                label = rng.choice(STRENGTH_HEADINGS if box == "strengths" else PRIORITY_HEADINGS)
                spec.notes.append(f"b:{label}")
                _heading(doc, label, 2, box_how)
            if not items:
                filler = spec.fillers.get((key, box))
                if filler and filler is not PLACEHOLDER:
                    doc.add_paragraph(filler)
                continue
            for text, style in item_paragraphs(rng, items, rng.choice(["paragraphs", "bullets"])):
                para = doc.add_paragraph(style=style) if style else doc.add_paragraph()
                parts = text.split("\n")
                for i, line in enumerate(parts):
                    run = para.add_run(line)
                    if i < len(parts) - 1:
                        run.add_break()

    sign_style = spec.extra.get("sign_style", "lines")
    sig = {"typed": spec.sign_name, "slash": f"/s/ {spec.sign_name}", "image": "", "blank": ""}[spec.signature]
    if sign_style == "sincerely":
        doc.add_paragraph(rng.choice(["Yours sincerely", "Yours faithfully"]))
        if spec.signature == "image":
            doc.add_paragraph().add_run().add_picture(io.BytesIO(signature_png(rng)), width=Inches(1.4))
        doc.add_paragraph(spec.sign_name or "")
        if spec.position:
            doc.add_paragraph(spec.position)
    else:
        doc.add_paragraph(rng.choice(["Signed on behalf of the organisation:", "Sign-off", "Declaration", ""]))
        labels = [
            rng.choice(["Signed", "Signature"]),
            rng.choice(["Name", "Print name", "Name"]),
            rng.choice(["Position", "Title", "Designation", "Job title"]),
            rng.choice(["Date", "Dated", "Date"]),
        ]
        values = [sig, spec.sign_name, spec.position, spec.date_written]
        for label, value in zip(labels, values, strict=True):
            para = doc.add_paragraph(f"{label}: {value or ''}".rstrip())
            if label in ("Signed", "Signature") and spec.signature == "image":
                para.add_run().add_picture(io.BytesIO(signature_png(rng)), width=Inches(1.4))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_reportlab(rng: random.Random, spec: Spec, variant: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    ss = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=ss["Normal"], fontName="Helvetica", fontSize=10, leading=13)
    h1 = ParagraphStyle("h1", parent=body, fontName="Helvetica-Bold", fontSize=13, leading=17, spaceBefore=10)
    h2 = ParagraphStyle("h2", parent=body, fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=6)

    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")

    # Helvetica has no ballot-box glyphs: another tool's PDF writes ticks as [x] / [ ].
    for attr in ("type_written", "services_written"):
        value = getattr(spec, attr)
        if isinstance(value, str):
            setattr(spec, attr, re.sub("[☒☑■]", "[x]", value).replace("☐", "[ ]"))
    story: list[Any] = [Paragraph(esc(spec.org_name), ss["Title"])]
    story.append(Paragraph(esc(", ".join(_address(rng))), body))
    story.append(Paragraph(esc(spec.letter_date or spec.date_written or "October 2006"), body))
    story.append(Spacer(1, 8))
    story.append(Paragraph("Changing Lives - Self Assessment Return", h1))
    for k, v in (
        ("Name of organisation", spec.org_name),
        ("Type of organisation", spec.type_written),
        ("Services provided", spec.services_written if spec.services_written is not PLACEHOLDER else None),
        ("Contact name", spec.contact["name"]),
        ("Email", spec.contact["email"]),
        ("Telephone", spec.contact["phone"]),
    ):
        if v:
            story.append(Paragraph(esc(f"{k}: {v}".replace("\n", "; ")), body))
    bullet = rng.choice(["•", "-", "–"])
    for key in SECTION_KEYS:
        has = any(spec.boxes.get((key, b)) for b in ("strengths", "priorities", "items"))
        if not has and key in SERVICE_KEYS and key not in spec.services:
            continue
        heading = rng.choice(SECTION_HEADINGS[key])
        spec.notes.append(f"h:{heading}")
        story.append(Paragraph(esc(heading), h1))
        if variant == "table" and key != "national_priorities":
            s_label, p_label = rng.choice(STRENGTH_HEADINGS[:3]), rng.choice(PRIORITY_HEADINGS[:3])
            cell_style = ParagraphStyle("cell", parent=body, fontSize=9, leading=11)
            s_items = spec.boxes.get((key, "strengths"), [])
            p_items = spec.boxes.get((key, "priorities"), [])
            col = [
                [Paragraph(esc(f"{bullet} {i.text}"), cell_style) for i in s_items]
                or [
                    Paragraph(
                        esc(spec.fillers.get((key, "strengths")) or "")
                        if isinstance(spec.fillers.get((key, "strengths")), str)
                        else "",
                        cell_style,
                    )
                ],
                [Paragraph(esc(f"{bullet} {i.text}"), cell_style) for i in p_items]
                or [
                    Paragraph(
                        esc(spec.fillers.get((key, "priorities")) or "")
                        if isinstance(spec.fillers.get((key, "priorities")), str)
                        else "",
                        cell_style,
                    )
                ],
            ]
            table = Table(
                [
                    [Paragraph(f"<b>{s_label}</b>", cell_style), Paragraph(f"<b>{p_label}</b>", cell_style)],
                    [col[0], col[1]],
                ],
                colWidths=[8.2 * cm, 8.2 * cm],
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
            story.append(table)
            continue
        for box in ("items",) if key == "national_priorities" else ("strengths", "priorities"):
            items = spec.boxes.get((key, box), [])
            if box != "items":
                label = rng.choice(STRENGTH_HEADINGS if box == "strengths" else PRIORITY_HEADINGS)
                spec.notes.append(f"b:{label}")
                story.append(Paragraph(esc(label), h2))
            if not items:
                filler = spec.fillers.get((key, box))
                if isinstance(filler, str) and filler:
                    story.append(Paragraph(esc(filler), body))
                continue
            story.append(
                ListFlowable(
                    [ListItem(Paragraph(esc(i.text), body), leftIndent=14) for i in items],
                    bulletType="bullet",
                    start=bullet,
                    leftIndent=14,
                )
            )
    story.append(Spacer(1, 14))
    sig = {"typed": spec.sign_name, "slash": f"/s/ {spec.sign_name}", "image": spec.sign_name, "blank": ""}[
        spec.signature
    ]
    for label, value in (
        ("Signed", sig),
        ("Name", spec.sign_name),
        ("Position", spec.position),
        ("Date", spec.date_written),
    ):
        story.append(Paragraph(esc(f"{label}: {value or ''}"), body))
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title="Self assessment",
        invariant=1,
    ).build(story)
    return out.getvalue()


def render_acroform(rng: random.Random, spec: Spec) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import BooleanObject, NameObject

    reader = PdfReader(str(SPEC / "annex-c-form.pdf"))
    writer = PdfWriter()
    writer.append(reader)
    values: dict[str, str] = {
        "org_name": spec.org_name,
        "org_type": spec.type_written or "",
        "contact_name": spec.contact["name"] or "",
        "contact_email": spec.contact["email"] or "",
        "contact_phone": spec.contact["phone"] or "",
    }
    for i, key in enumerate(SECTION_KEYS):
        for box, suffix in (
            (("items", "items"),)
            if key == "national_priorities"
            else (("strengths", "strengths"), ("priorities", "priorities"))
        ):
            items = spec.boxes.get((key, box))
            field_name = f"s{i + 1}_{suffix}"
            if items:
                marker = rng.choice(["", "", "- ", "• "])
                values[field_name] = "\n".join(marker + it.text for it in items)
            else:
                filler = spec.fillers.get((key, box))
                values[field_name] = filler if isinstance(filler, str) else ""
    sig = {"typed": spec.sign_name, "slash": f"/s/ {spec.sign_name}", "image": spec.sign_name, "blank": ""}[
        spec.signature
    ]
    values.update(
        sign_signature=sig or "",
        sign_name=spec.sign_name or "",
        sign_position=spec.position or "",
        sign_date=spec.date_written or "",
    )
    ticks = {
        f"services_{c}": "/Yes" if (k in spec.services and not spec.services_silent) else "/Off"
        for k, c in zip(SERVICE_KEYS, ("cf", "cc", "cj"), strict=True)
    }
    for page in writer.pages:
        writer.update_page_form_field_values(page, {k: v for k, v in values.items() if v}, auto_regenerate=False)
        for annot in page.get("/Annots", []) or []:
            a = annot.get_object()
            name = a.get("/T")
            if name in ticks:
                a[NameObject("/V")] = NameObject(ticks[name])
                a[NameObject("/AS")] = NameObject(ticks[name])
    writer._root_object["/AcroForm"][NameObject("/NeedAppearances")] = BooleanObject(True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scan_pdf(rng: random.Random, pdf: bytes) -> bytes:
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(pdf)
    dpi = rng.choice([150, 200])
    pages = []
    for page in doc:
        img = page.render(scale=dpi / 72).to_pil().convert("L")
        img = img.rotate(
            rng.choice([-1, 1]) * rng.uniform(0.5, 2.0), resample=Image.BICUBIC, expand=False, fillcolor=255
        )
        arr = np.asarray(img).astype(np.int16)
        nrng = np.random.default_rng(rng.randint(0, 2**31))
        arr = arr + nrng.normal(0, 12, arr.shape).astype(np.int16)
        speckle = nrng.random(arr.shape) < 0.0015
        arr[speckle] = 0
        pages.append(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)))
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return out.getvalue()


def soffice_convert(paths: list[Path], target: str, outdir: Path) -> None:
    if not paths:
        return
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                *map(str, paths),
            ],
            check=True,
            capture_output=True,
            timeout=900,
        )


def pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


# -- not returns ------------------------------------------------------------------------------


def covering_letter(rng: random.Random, register: list[dict[str, Any]]) -> bytes:
    import docx

    org = rng.choice(register)
    who, _ = person(rng)
    doc = docx.Document()
    doc.add_paragraph().add_run(org["name"]).bold = True
    doc.add_paragraph(", ".join(_address(rng)))
    doc.add_paragraph(date_written(rng, dt.date(2006, 10, rng.randint(1, 30))))
    doc.add_paragraph(rng.choice(["Dear Ms Hughes", "Dear Jane", "Dear Sir or Madam"]))
    doc.add_paragraph().add_run("Changing Lives - Self Assessment Return (Annex C)").bold = True
    doc.add_paragraph(
        "Please find attached our self assessment return. Our community care and criminal justice "
        "teams and our workforce development section all contributed to the strengths and "
        "priorities for change it sets out."
    )
    doc.add_paragraph("If you have any questions about the return please contact me on the number above.")
    doc.add_paragraph("Yours sincerely")
    doc.add_paragraph(who)
    doc.add_paragraph(rng.choice(LA_POSITIONS + PROVIDER_POSITIONS))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------

STYLE_WEIGHTS = [
    ("template-docx", 25),
    ("template-docx-bullets", 25),
    ("template-pdf", 20),
    ("freeform-docx", 25),
    ("freeform-pdf", 8),
    ("freeform-pdf-table", 7),
    ("acroform-pdf", 12),
    ("scanned-pdf", 6),
    ("legacy-doc", 6),
    ("docx-controls", 10),
    ("not-a-return", 6),
]


def plan(n: int) -> list[str]:
    total = sum(w for _, w in STYLE_WEIGHTS)
    styles: list[str] = []
    for style, w in STYLE_WEIGHTS:
        styles += [style] * max(1, round(n * w / total))
    return styles[:n] if len(styles) >= n else styles + ["template-docx"] * (n - len(styles))


def generate(out: Path, n: int, seed: int, styles: Sequence[str] | None = None) -> list[str]:
    """Write `n` documents and their ground truth to `out`.

    `styles` (names of STYLE_WEIGHTS) makes a corpus of those styles only, taken in
    turn (e.g. a scan-heavy set); by default the styles are mixed by their weights.
    """
    known = {style for style, _ in STYLE_WEIGHTS}
    unknown = sorted(set(styles or ()) - known)
    if unknown:
        raise ValueError(f"unknown style(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    register = load_register()
    written: list[str] = []
    to_pdf: list[tuple[Path, Spec, bool]] = []  # (docx path in work dir, spec, scan it)
    to_doc: list[tuple[Path, Spec]] = []
    work = Path(tempfile.mkdtemp(prefix="corpus-work-"))
    try:
        chosen = [styles[i % len(styles)] for i in range(n)] if styles else plan(n)
        for i, style in enumerate(chosen):
            r = random.Random(rng.getrandbits(64))
            name = f"g{seed:02d}-{i:03d}-{style}"
            if style == "not-a-return":
                kind = [
                    "covering-letter",
                    "blank-form-docx",
                    "blank-form-pdf",
                    "blank-acroform",
                    "covering-letter",
                    "blank-form-docx",
                ][i % 6]
                if kind == "covering-letter":
                    data, ext = covering_letter(r, register), "docx"
                elif kind == "blank-form-docx":
                    data, ext = (REPO / "core" / "data" / "annex-c-template.docx").read_bytes(), "docx"
                elif kind == "blank-form-pdf":
                    data, ext = (SPEC / "annex-c-template.pdf").read_bytes(), "pdf"
                else:
                    data, ext = (SPEC / "annex-c-form.pdf").read_bytes(), "pdf"
                name = f"{name}-{kind}"
                (out / f"{name}.{ext}").write_bytes(data)
                _write_expected(out, name, {"expect": "not_a_return", "kind": kind})
                written.append(name)
                continue
            spec = make_spec(r, register, name, style)
            if style == "template-docx":
                data = render_template_docx(r, spec, "paragraphs")
                _emit(out, spec, "docx", data, DOCX_TYPE, None, False)
            elif style == "template-docx-bullets":
                data = render_template_docx(r, spec, "bullets")
                _emit(out, spec, "docx", data, DOCX_TYPE, None, False)
            elif style == "docx-controls":
                data = render_template_docx(r, spec, "controls")
                _emit(out, spec, "docx", data, DOCX_TYPE, None, False)
            elif style in ("template-pdf", "scanned-pdf"):
                if style == "scanned-pdf":
                    spec.signature = "typed" if spec.signature == "image" else spec.signature
                path = work / f"{name}.docx"
                path.write_bytes(render_template_docx(r, spec, r.choice(["paragraphs", "bullets"])))
                to_pdf.append((path, spec, style == "scanned-pdf"))
                spec.extra["rng"] = r
            elif style == "legacy-doc":
                path = work / f"{name}.docx"
                path.write_bytes(render_template_docx(r, spec, r.choice(["paragraphs", "bullets"])))
                to_doc.append((path, spec))
            elif style == "freeform-docx":
                spec.extra["part_a"] = r.choice(["none", "lines", "lines", "table"])
                spec.extra["sign_style"] = r.choice(["lines", "lines", "sincerely"])
                _freeform_adjust(spec)
                data = render_freeform_docx(r, spec)
                _emit(out, spec, "docx", data, DOCX_TYPE, None, False)
            elif style in ("freeform-pdf", "freeform-pdf-table"):
                spec.signature = "typed" if spec.signature == "image" else spec.signature
                data = render_reportlab(r, spec, "table" if style.endswith("table") else "letter")
                _emit(out, spec, "pdf", data, PDF_TYPE, pdf_pages(data), False)
            elif style == "acroform-pdf":
                spec.signature = "typed" if spec.signature == "image" else spec.signature
                data = render_acroform(r, spec)
                _emit(out, spec, "pdf", data, PDF_TYPE, pdf_pages(data), False)
            written.append(name)

        # LibreOffice batches: docx -> pdf; docx -> odt -> doc
        soffice_convert([p for p, _, _ in to_pdf], "pdf", work)
        for path, spec, scan in to_pdf:
            pdf = path.with_suffix(".pdf").read_bytes()
            if scan:
                data = scan_pdf(spec.extra["rng"], pdf)
                _emit(out, spec, "pdf", data, PDF_TYPE, pdf_pages(data), True)
            else:
                _emit(out, spec, "pdf", pdf, PDF_TYPE, pdf_pages(pdf), False)
        soffice_convert([p for p, _ in to_doc], "odt", work)
        soffice_convert([p.with_suffix(".odt") for p, _ in to_doc], "doc:MS Word 97", work)
        for path, spec in to_doc:
            _emit(out, spec, "doc", path.with_suffix(".doc").read_bytes(), DOC_TYPE, None, False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return written


def _freeform_adjust(spec: Spec) -> None:
    """What a letter without Part A, or signed under 'Yours sincerely', can be expected to give."""
    if spec.extra["part_a"] == "none":
        spec.org_type = None
        spec.type_written = None
        spec.contact = {"name": None, "email": None, "phone": None}
        spec.services_silent = True
        spec.services_written = PLACEHOLDER
    if spec.extra["sign_style"] == "sincerely":
        # The letter's date (at its head) is the date it was signed.
        spec.letter_date = spec.date_written
        if spec.signature == "blank":
            spec.signature = "typed"
        if spec.signature == "slash":
            spec.signature = "typed"
        if spec.position is None:
            spec.position = "Director"


def _emit(out: Path, spec: Spec, ext: str, data: bytes, media_type: str, pages: int | None, ocr: bool) -> None:
    filename = f"{spec.name}.{ext}"
    (out / filename).write_bytes(data)
    expected = spec.expected(filename, media_type, pages, ocr)
    expected["_meta"] = {"style": spec.style, "notes": spec.notes}
    _write_expected(out, spec.name, expected)


def _write_expected(out: Path, name: str, record: dict[str, Any]) -> None:
    (out / f"{name}.expected.json").write_text(
        json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--styles",
        help="comma-separated styles to make only (e.g. scanned-pdf); default: all, by weight",
    )
    args = ap.parse_args(argv)
    styles = [s.strip() for s in args.styles.split(",") if s.strip()] if args.styles else None
    try:
        names = generate(args.out, args.n, args.seed, styles)
    except ValueError as err:
        ap.error(str(err))
    print(f"wrote {len(names)} documents to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["generate", "main"]
