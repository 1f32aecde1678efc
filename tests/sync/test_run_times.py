"""One value for a run's times: scores use the scoring moment (LEADSCORE_AS_OF), the run history,
checkpoint and the adapter's window the wall clock at the start."""

from datetime import UTC, datetime, timedelta

import pytest

from connector.errors import UserError
from connector.settings import Settings
from connector.crm.text import format_time
from connector.sync.service import open_store, sync_once
from tests.sync.fakes import FakeCrm
from tests.sync.hubspot_helpers import MODEL

AS_OF = datetime(2025, 6, 1, 9, tzinfo=UTC)


def settings(tmp_path, **extra) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, model_path=MODEL, portal="acme",
                    full_rescore_hours=0, **extra)


def test_with_as_of_set_the_run_history_records_the_real_start(tmp_path):
    cfg = settings(tmp_path, as_of=AS_OF)
    before = datetime.now(UTC)
    sync_once(cfg, full=True, adapter=FakeCrm(3))
    with open_store(cfg) as store:
        [run] = store.runs("acme")
    assert before <= run.started_at <= datetime.now(UTC)
    assert run.finished_at >= run.started_at


def test_with_as_of_set_scores_are_computed_and_stamped_as_of_it(tmp_path):
    crm = FakeCrm(3)
    sync_once(settings(tmp_path, as_of=AS_OF), full=True, adapter=crm)
    [times] = crm.passes
    assert times.scoring == AS_OF and times.started - AS_OF > timedelta(days=1)
    assert {values["scored_at"] for _, values in crm.writes} == {format_time(AS_OF)}


def test_without_as_of_both_moments_are_the_start(tmp_path):
    crm = FakeCrm(2)
    sync_once(settings(tmp_path), full=True, adapter=crm)
    [times] = crm.passes
    assert times.scoring == times.started


def test_an_as_of_without_a_time_zone_is_refused(tmp_path):
    with pytest.raises(UserError, match="LEADSCORE_AS_OF needs a time zone"):
        sync_once(settings(tmp_path), as_of=datetime(2025, 6, 1), adapter=FakeCrm(1))
