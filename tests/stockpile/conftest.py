"""Fixtures shared with the scenario tests (the tiny two-zone market)."""

from tests.scenarios.conftest import tiny_dir, write  # noqa: F401
