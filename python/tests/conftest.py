"""Shared pytest set-up for the spirapi tests."""

import signal

import pytest


@pytest.fixture(autouse=True)
def sigint_handled():
    """Every test runs with Python's own SIGINT handler, so that the tests of
    Ctrl-C (which use _thread.interrupt_main()) work also where a shell
    started the run as a background job with SIGINT ignored."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)
