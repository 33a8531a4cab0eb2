import gc

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
