"""Every command runs with OpenBLAS on one thread: its worker threads would only spin between
anklet's small matrix products (docs/pipeline.md)."""

import argparse

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import anklet.cli


def _blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_commands_run_with_one_blas_thread_and_leave_it_as_it_was(monkeypatch):
    np.ones((2, 2)) @ np.ones((2, 2))  # numpy's BLAS is loaded
    seen = []

    def parser(command: str | None = None) -> argparse.ArgumentParser:
        built = argparse.ArgumentParser()
        built.set_defaults(handler=lambda args: seen.append(_blas_threads()) or 0)
        return built

    monkeypatch.setattr(anklet.cli, "build_parser", parser)
    with threadpool_limits(limits=2, user_api="blas"):  # as on a machine with more than one core
        before = _blas_threads()
        assert anklet.cli.main([]) == 0
        after = _blas_threads()
    assert 2 in before  # numpy's OpenBLAS at least (a single-threaded build, such as opensim's, stays at 1)
    assert seen == [[1] * len(before)]
    assert after == before
