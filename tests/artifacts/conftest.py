"""Fixtures of the artifact tests: the SDK's backends (tests/sdk/conftest.py)."""

from __future__ import annotations

from tests.sdk.conftest import backend

__all__ = ["backend"]
