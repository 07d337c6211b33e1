"""Run the checks with Great Expectations 1.x: one validation per batch of returns.

    suite.toml ──load_suite(collection)──► ExpectationSuite (each expectation's meta
                                           names the checks it serves)
    rows ──DataFrame──► ValidationDefinition.run(result_format=COMPLETE,
                        unexpected_index_column_names=["return_id"])
         ──► return_id -> failed checks   (from each result's unexpected_index_list)

GX is imported only here, and only when checks run: `returns extract` never pays for
it. With a `docs_dir` the context is a file context and each validation runs through a
checkpoint whose UpdateDataDocsAction renders that validation's page of the Data Docs
(HTML validation history) and the index; without one it is ephemeral (tests, benchmarks).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError
from core.private import make_private_dirs
from pipeline.checks.rows import SIGN_OFF_FIELDS
from pipeline.checks.rules import signatory_regex
from schemas import Collection
from schemas.checks import CheckName

SUITE_FILE = Path(__file__).with_name("suite.toml")
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["return_id"]}
DOCS_INDEX_LIMIT = 500  # validations listed on the Data Docs index page (all are kept)


@cache
def suite_data() -> dict[str, Any]:
    return tomllib.loads(SUITE_FILE.read_text(encoding="utf-8"))


def suite_version() -> str:
    return str(suite_data()["version"])


def expectation_specs(collection: Collection) -> list[dict[str, Any]]:
    """The suite's expectations with placeholders filled for `collection` (plain dicts)."""
    values = {"$published": collection.published, "$deadline": collection.deadline,
              "$max_recommendation": max(collection.recommendation_numbers)}
    out: list[dict[str, Any]] = []
    for raw in suite_data()["expectation"]:
        spec = {k: v for k, v in raw.items() if k != "for_each"}
        if raw.get("for_each") == "service_section":
            variants = [{"section": k} for k in collection.service_keys]
        elif raw.get("for_each") == "sign_off_rule":
            variants = [{"org_type": r.org_type, "regex": signatory_regex(r.positions)} for r in collection.sign_off]
        elif raw.get("for_each") == "sign_off_field":
            variants = [{"field": f} for f in SIGN_OFF_FIELDS]
        else:
            variants = [{}]
        for names in variants:
            filled = {}
            for key, value in spec.items():
                if isinstance(value, str) and value in values:
                    value = values[value]
                elif isinstance(value, str) and names and key not in ("check", "type"):
                    value = value.format_map(names)  # the templates hold no other braces
                filled[key] = value
            out.append(filled)
    return out


def _gx_value(value: Any) -> Any:
    """Dates as pandas Timestamps: GX compares them with the datetime64 columns."""
    if isinstance(value, dt.date):
        import pandas as pd

        return pd.Timestamp(value)
    return value


def _raise_if_broken(res: Any) -> None:
    """GX records an expectation that could not run as a plain failure with no rows;
    a broken rule must never pass (or fail) in silence."""
    info = res.exception_info or {}
    broken = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    if info.get("raised_exception"):
        broken.append(info)
    if broken:
        config = res.expectation_config
        what = config.type if config is not None else "an expectation"
        raise ConfigurationError(f"check suite: {what} could not run: {broken[0].get('exception_message')}")


class GxChecker:
    """A Great Expectations context with the suite for one collection, built once."""

    def __init__(self, collection: Collection, docs_dir: Path | None = None) -> None:
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.collection = collection
        self.context: Any
        if docs_dir is not None:
            make_private_dirs(docs_dir)  # its data docs show what the returns say
            self.context = gx.get_context(mode="file", project_root_dir=str(docs_dir))
        else:
            self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        name = f"{collection.id}-checks"
        source = self._get_or_add(self.context.data_sources, "returns",
                                  lambda: self.context.data_sources.add_pandas("returns"))
        asset = self._get_or_add(source, "return_versions", lambda: source.add_dataframe_asset("return_versions"),
                                 getter="get_asset")
        batch = self._get_or_add(asset, "batch", lambda: asset.add_batch_definition_whole_dataframe("batch"),
                                 getter="get_batch_definition")
        suite = gx.ExpectationSuite(name=name, meta={"version": suite_version()})
        # One expectation may serve several checks (a missing date fails `signed` and
        # `date_sane`); GX keeps one of two identical expectations, so merge them here.
        merged: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for spec in expectation_specs(collection):
            kwargs = {k: v for k, v in spec.items() if k not in ("check", "type")}
            ident = spec["type"] + repr(sorted(kwargs.items(), key=lambda kv: kv[0]))
            merged.setdefault(ident, ({"type": spec["type"], **kwargs}, []))[1].append(spec["check"])
        for spec, checks in merged.values():
            cls = getattr(gxe, "".join(p.capitalize() for p in spec["type"].split("_")))
            kwargs = {k: _gx_value(v) for k, v in spec.items() if k != "type"}
            if "row_condition" in kwargs:
                kwargs["condition_parser"] = "pandas"
            suite.add_expectation(cls(**kwargs, meta={"checks": checks}))
        with contextlib.suppress(Exception):
            self.context.suites.delete(name)
        suite = self.context.suites.add(suite)
        vd_name = f"{collection.id}-validation"
        with contextlib.suppress(Exception):
            self.context.validation_definitions.delete(vd_name)
        self.validation = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=vd_name, data=batch, suite=suite))
        self.docs_dir = docs_dir
        self.checkpoint: Any = None
        if docs_dir is not None:
            self.checkpoint = self._docs_checkpoint(gx, f"{collection.id}-checkpoint")

    def _docs_checkpoint(self, gx: Any, name: str) -> Any:
        """A checkpoint whose action renders this validation's Data Docs page and the
        index: GX's own incremental build, so a run's cost does not grow with history."""
        from great_expectations.checkpoint.actions import UpdateDataDocsAction

        sites = self.context.variables.data_docs_sites or {}
        for site in sites.values():  # the index lists the latest validations only
            site.setdefault("site_index_builder", {"class_name": "DefaultSiteIndexBuilder"})
            site["site_index_builder"]["validation_results_limit"] = DOCS_INDEX_LIMIT
        self.context.variables.data_docs_sites = sites
        self.context.variables.save()
        with contextlib.suppress(Exception):
            self.context.checkpoints.delete(name)
        return self.context.checkpoints.add(gx.Checkpoint(
            name=name, validation_definitions=[self.validation], result_format=RESULT_FORMAT,
            actions=[UpdateDataDocsAction(name="data-docs")]))

    @staticmethod
    def _get_or_add(parent: Any, name: str, add: Any, getter: str = "get") -> Any:
        try:
            return getattr(parent, getter)(name)
        except Exception:
            return add()

    def failures(self, rows: list[dict[str, Any]]) -> dict[int, set[CheckName]]:
        """return_id -> the checks its row failed, from one validation of all rows."""
        import pandas as pd

        if not rows:
            return {}
        frame = pd.DataFrame(rows)
        for col in ("sign_date", "received_date"):
            frame[col] = pd.to_datetime(frame[col])
        for col in ("cite_min", "cite_max"):
            frame[col] = pd.to_numeric(frame[col])
        for col in ("sign_name", "position", "signature"):
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
        if self.checkpoint is not None:
            run = self.checkpoint.run(batch_parameters={"dataframe": frame})
            result = next(iter(run.run_results.values()))
        else:
            result = self.validation.run(batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT)
        failed: dict[int, set[CheckName]] = {int(r["return_id"]): set() for r in rows}
        for res in result.results:
            _raise_if_broken(res)
            config = res.expectation_config
            if config is None or not config.meta:
                continue
            checks = [CheckName(c) for c in config.meta["checks"]]
            for hit in res.result.get("unexpected_index_list") or []:
                failed[int(hit["return_id"])].update(checks)
        return failed

    def docs_index(self) -> Path | None:
        """The Data Docs index page (HTML), when this is a file context."""
        if self.docs_dir is None:
            return None
        found = sorted(self.docs_dir.rglob("data_docs/local_site/index.html"))
        return found[0] if found else None
