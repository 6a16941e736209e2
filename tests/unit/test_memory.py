"""core.memory.collector_paused: the cyclic collector is off while any pause is under way, back
(as it was) when the last one ends, even across overlapping requests and errors."""

import gc

import pytest

from inventory.core import memory


def test_pauses_nest_and_overlap_and_restore_the_collector():
    assert gc.isenabled()
    first, second = memory.collector_paused(), memory.collector_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)  # the first request ends while the second goes on
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()
    with pytest.raises(ValueError), memory.collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_collector_turned_off_by_someone_else_stays_off():
    gc.disable()
    try:
        with memory.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
