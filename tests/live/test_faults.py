"""Faults caused for real (tests/fault_trials.py): after each, nothing received is lost,
nothing is recorded, acknowledged or chased twice, and the intake carries on by itself.

Fewer trials than bench/reliability.py (which prints the README's table); each trial
draws where the fault strikes from its own seed, so a failure names a reproducible case.
"""

from __future__ import annotations

import random
import secrets
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import make_url

from tests.fault_trials import FAULTS, database_down, kill_intake, two_workers
from tests.faults import Trial, can_mount

pytestmark = pytest.mark.live


def _clean(trial: Trial, struck: bool = True) -> None:
    """Nothing lost or doubled, everything finished; `struck`: the fault must have hit
    work in progress (where the trial can make sure of it)."""
    assert (trial.lost, trial.doubled, trial.replies_doubled) == (0, 0, 0), trial
    assert trial.recovered, trial
    assert trial.struck or not struck, f"the fault never hit a run: {trial}"


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_an_intake_killed_anywhere_loses_and_doubles_nothing(tmp_path: Path, seed: int) -> None:
    _clean(kill_intake(tmp_path, random.Random(seed), mid_batch=True))


@pytest.mark.parametrize("seed", [21, 22])
def test_a_chase_run_killed_anywhere_writes_to_no_organisation_twice(tmp_path: Path, seed: int) -> None:
    trial = FAULTS["kill_chase"](tmp_path, random.Random(seed))
    _clean(trial, struck=False)
    assert trial.unconfirmed <= 1, trial  # at most the one email in flight when it was killed


@pytest.mark.parametrize("fault", ["imap_stopped", "imap_cut"])
def test_the_mailbox_server_failing_mid_run(tmp_path: Path, fault: str) -> None:
    _clean(FAULTS[fault](tmp_path, random.Random(31)), struck=False)


@pytest.mark.parametrize("fault", ["smtp_refusing", "smtp_stalled"])
def test_replies_the_mail_server_did_not_take_are_sent_once_it_does(tmp_path: Path, fault: str) -> None:
    trial = FAULTS[fault](tmp_path, random.Random(41))
    _clean(trial)
    assert trial.unconfirmed == 0, trial  # never handed over: sent later, exactly once


def test_a_reply_handed_over_but_never_confirmed_is_not_sent_again(tmp_path: Path) -> None:
    trial = FAULTS["smtp_dropping"](tmp_path, random.Random(42))
    _clean(trial)
    assert trial.unconfirmed == 2, trial  # the server took both and cut the line: left for a person


def test_the_warehouse_going_away_and_coming_back(tmp_path: Path) -> None:
    _clean(database_down(tmp_path, random.Random(51), down_s=10.0, within_s=0.0))


def test_the_sqlite_warehouse_locked_by_another_process(tmp_path: Path) -> None:
    _clean(FAULTS["sqlite_busy"](tmp_path, random.Random(52)))


@pytest.mark.skipif(not can_mount(), reason="mounting a small tmpfs needs root (CAP_SYS_ADMIN)")
def test_the_raw_store_disk_full(tmp_path: Path) -> None:
    _clean(FAULTS["disk_full"](tmp_path, random.Random(61)))


def test_the_hostile_corpus_stops_nothing(tmp_path: Path) -> None:
    _clean(FAULTS["hostile"](tmp_path, random.Random(71)))


def test_two_workers_racing_record_each_file_once_and_number_versions_in_turn(tmp_path: Path,
                                                                                postgres_server: str) -> None:
    name = f"returns_race_{secrets.token_hex(4)}"  # a new, empty database: both workers migrate it at once
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(postgres_server).set(drivername="postgresql+psycopg", database=name)
    trial = two_workers(tmp_path, random.Random(81), url.render_as_string(hide_password=False))
    _clean(trial)
    assert trial.emails == 20
