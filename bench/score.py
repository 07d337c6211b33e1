"""Score the extractor on a folder of NAME.ext + NAME.expected.json pairs.

    python bench/score.py /tmp/corpus [--show-failures] [--report report.json] [--jobs 2]
    python bench/score.py /work/shared/samples

Per style (the expected file's `_meta.style`, else the samples README's style from the
file name, else the extension): field accuracy over organisation.name/type, contact.*,
services, sign_off.*, source.*; and item precision/recall/F1, where an item matches when
its section, box, whitespace-normalised text and recommendations are all equal. Documents
whose expected file is {"expect": "not_a_return"} must be refused with NotAReturn.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

FIELDS = [
    "organisation.name",
    "organisation.type",
    "contact.name",
    "contact.email",
    "contact.phone",
    "services",
    "sign_off.signed",
    "sign_off.name",
    "sign_off.position",
    "sign_off.date",
    "source.filename",
    "source.media_type",
    "source.pages",
    "source.ocr",
]
_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def get(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, list):
        return list(value)
    return value


def items(record: dict[str, Any]) -> Counter[tuple[str, str, str, tuple[int, ...]]]:
    out: Counter[tuple[str, str, str, tuple[int, ...]]] = Counter()
    for section, boxes in (record.get("sections") or {}).items():
        for box, listed in boxes.items():
            for item in listed:
                out[(section, box, norm(item["text"]), tuple(sorted(item.get("recommendations", []))))] += 1
    return out


def style_of(path: Path, expected: dict[str, Any]) -> str:
    meta = expected.get("_meta") or {}
    if meta.get("style"):
        return str(meta["style"])
    if expected.get("expect") == "not_a_return":
        return "not-a-return"
    m = re.match(r"s\d+-(.+)$", path.stem)
    return m.group(1) if m else path.suffix.lstrip(".")


def score_one(path_str: str) -> dict[str, Any]:
    """Extract one document and compare it with its expected record."""
    from core.errors import NotAReturn
    from extractors import ExtractContext, extract

    path = Path(path_str)
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    style = style_of(path, expected)
    result: dict[str, Any] = {"file": path.name, "style": style}
    t0 = time.perf_counter()
    try:
        got = extract(path.read_bytes(), ExtractContext.build(path.name)).model_dump(mode="json")
        error = None
    except NotAReturn as err:
        got, error = None, f"NotAReturn: {err}"
    except Exception as err:
        got, error = None, f"{type(err).__name__}: {err}"
        result["traceback"] = traceback.format_exc(limit=4)
    result["seconds"] = round(time.perf_counter() - t0, 2)
    if expected.get("expect") == "not_a_return":
        result["refusal_expected"] = True
        result["refused"] = bool(error and error.startswith("NotAReturn"))
        result["error"] = error
        return result
    result["error"] = error
    got = got or {}
    result["fields"] = {}
    for f in FIELDS:
        want, have = get(expected, f), get(got, f)
        result["fields"][f] = {"ok": want == have, "want": want, "got": have}
    want_items, got_items = items(expected), items(got)
    common = want_items & got_items
    result["items"] = {
        "want": sum(want_items.values()),
        "got": sum(got_items.values()),
        "match": sum(common.values()),
        "missing": [list(k) for k in (want_items - got_items).elements()],
        "extra": [list(k) for k in (got_items - want_items).elements()],
    }
    return result


def run(folder: Path, jobs: int) -> list[dict[str, Any]]:
    docs = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.endswith(".json") and p.with_name(p.stem + ".expected.json").exists()
    )
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(score_one, map(str, docs)))
    return [score_one(str(p)) for p in docs]


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    by_style: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_style[r["style"]].append(r)
    summary: dict[str, Any] = {}
    for style, rs in [*sorted(by_style.items()), ("ALL", results)]:
        returns = [r for r in rs if not r.get("refusal_expected")]
        refusals = [r for r in rs if r.get("refusal_expected")]
        s: dict[str, Any] = {"docs": len(rs)}
        if returns:
            checks = [v["ok"] for r in returns for v in r["fields"].values()]
            per_field = {f: sum(r["fields"][f]["ok"] for r in returns) / len(returns) for f in FIELDS}
            want = sum(r["items"]["want"] for r in returns)
            got = sum(r["items"]["got"] for r in returns)
            match = sum(r["items"]["match"] for r in returns)
            p = match / got if got else 1.0
            rc = match / want if want else 1.0
            s.update(
                returns=len(returns),
                field_accuracy=sum(checks) / len(checks),
                per_field=per_field,
                items_want=want,
                items_got=got,
                items_match=match,
                precision=p,
                recall=rc,
                f1=2 * p * rc / (p + rc) if p + rc else 0.0,
                perfect=sum(
                    1
                    for r in returns
                    if all(v["ok"] for v in r["fields"].values())
                    and not r["items"]["missing"]
                    and not r["items"]["extra"]
                ),
                errors=sum(1 for r in returns if r["error"]),
                seconds=sum(r["seconds"] for r in returns),
            )
        if refusals:
            s.update(refusals_expected=len(refusals), refused=sum(r["refused"] for r in refusals))
        summary[style] = s
    return summary


def print_table(summary: dict[str, Any]) -> None:
    head = f"{'style':<24}{'docs':>5}{'fields':>8}{'P':>7}{'R':>7}{'F1':>7}{'items':>9}{'perfect':>9}"
    head += f"{'err':>5}{'refused':>9}"
    print(head)
    print("-" * len(head))
    for style, s in summary.items():
        if "returns" in s:
            line = (
                f"{style:<24}{s['docs']:>5}{s['field_accuracy']:>8.3f}{s['precision']:>7.3f}{s['recall']:>7.3f}"
                f"{s['f1']:>7.3f}{s['items_match']:>4}/{s['items_want']:<4}{s['perfect']:>4}/{s['returns']:<4}"
                f"{s['errors']:>5}"
            )
        else:
            line = f"{style:<24}{s['docs']:>5}{'':>8}{'':>7}{'':>7}{'':>7}{'':>9}{'':>9}{'':>5}"
        if "refusals_expected" in s:
            line += f"{s['refused']:>5}/{s['refusals_expected']}"
        print(line)
    all_ = summary.get("ALL", {})
    if "per_field" in all_:
        print("\nper-field accuracy (all styles):")
        for f, v in all_["per_field"].items():
            print(f"  {f:<20}{v:.3f}")


def print_failures(results: list[dict[str, Any]]) -> None:
    for r in results:
        if r.get("refusal_expected"):
            if not r["refused"]:
                print(
                    f"\n== {r['file']} [{r['style']}]: should be refused (NotAReturn); got {r['error'] or 'a record'}"
                )
            continue
        bad = {f: v for f, v in r["fields"].items() if not v["ok"]}
        if not bad and not r["items"]["missing"] and not r["items"]["extra"] and not r["error"]:
            continue
        print(f"\n== {r['file']} [{r['style']}]")
        if r["error"]:
            print(f"  ERROR {r['error']}")
        for f, v in bad.items():
            print(f"  {f}: got {v['got']!r} want {v['want']!r}")
        for k in r["items"]["missing"]:
            print(f"  - missing {k[0]}.{k[1]} {k[3]} {k[2]!r}")
        for k in r["items"]["extra"]:
            print(f"  + extra   {k[0]}.{k[1]} {k[3]} {k[2]!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--show-failures", action="store_true")
    ap.add_argument("--report", type=Path, help="JSON report (default $TMPDIR/score-FOLDERNAME.json)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    results = run(args.folder, args.jobs)
    if not results:
        print(f"no NAME.ext + NAME.expected.json pairs in {args.folder}", file=sys.stderr)
        return 2
    summary = summarise(results)
    if args.show_failures:
        print_failures(results)
        print()
    print_table(summary)
    report = args.report or Path(tempfile.gettempdir()) / f"score-{args.folder.resolve().name}.json"
    try:
        report.write_text(
            json.dumps({"summary": summary, "results": results}, indent=1, default=str) + "\n", encoding="utf-8"
        )
        print(f"\nreport: {report}")
    except OSError as err:
        print(f"\ncould not write report {report}: {err}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
