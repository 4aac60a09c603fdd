"""`working()`: the switch interval is lowered while Runyard's threads work and restored
by the last of them, keeping a value the script set meanwhile."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator

import pytest

from runyard.sdk.switch_interval import WORKING_SWITCH_INTERVAL, working


@pytest.fixture(autouse=True)
def _default_interval() -> Iterator[None]:
    saved = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    yield
    sys.setswitchinterval(saved)


def test_lowered_inside_and_restored_after() -> None:
    with working():
        assert sys.getswitchinterval() == pytest.approx(WORKING_SWITCH_INTERVAL)
    assert sys.getswitchinterval() == pytest.approx(0.005)


def test_the_last_of_several_threads_restores_it() -> None:
    entered = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with working():
            entered.set()
            leave.wait(60)

    thread = threading.Thread(target=other)
    thread.start()
    assert entered.wait(60)
    with working():
        pass
    # The other thread is still working: the interval stays low.
    assert sys.getswitchinterval() == pytest.approx(WORKING_SWITCH_INTERVAL)
    leave.set()
    thread.join(60)
    assert sys.getswitchinterval() == pytest.approx(0.005)


def test_a_value_the_script_sets_meanwhile_is_kept() -> None:
    with working():
        sys.setswitchinterval(0.02)
    assert sys.getswitchinterval() == pytest.approx(0.02)


def test_a_script_interval_already_lower_is_left_alone() -> None:
    sys.setswitchinterval(0.0001)
    with working():
        assert sys.getswitchinterval() == pytest.approx(0.0001)
    assert sys.getswitchinterval() == pytest.approx(0.0001)


def test_restored_when_the_block_raises() -> None:
    with pytest.raises(KeyError), working():
        raise KeyError("x")
    assert sys.getswitchinterval() == pytest.approx(0.005)


def test_a_child_forked_while_working_gets_the_script_interval_back() -> None:
    """A DataLoader worker forked while a writer works has no such thread to restore it."""
    read, write = os.pipe()
    with working():
        pid = os.fork()
        if pid == 0:  # the child
            os.write(write, repr(sys.getswitchinterval()).encode())
            with working():
                pass
            os.write(write, b" " + repr(sys.getswitchinterval()).encode())
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        seen = [float(v) for v in pipe.read().split()]
    assert seen == [pytest.approx(0.005), pytest.approx(0.005)]
    assert sys.getswitchinterval() == pytest.approx(0.005)
