import gc

import pytest

from ewtp.core import gcpolicy


def test_a_batch_job_raises_the_threshold_and_puts_everything_back():
    before = gc.get_threshold()
    with gcpolicy.batch_job():
        assert gc.get_threshold() == gcpolicy.BATCH_THRESHOLDS
        assert gc.get_freeze_count() > 0  # what existed at the start is never scanned again
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_settings_come_back_when_the_job_fails():
    before = gc.get_threshold()
    try:
        with gcpolicy.batch_job():
            raise RuntimeError("a failed job")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_paused_restores_the_collector_as_it_was():
    assert gc.isenabled()
    with gcpolicy.paused():
        assert not gc.isenabled()
        with gcpolicy.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gcpolicy.paused():
        raise RuntimeError
    assert gc.isenabled()
