"""The conversation tests drive turns through a wired runtime (tests/runtime's fixtures)."""

from tests.runtime.conftest import interpreter, make_runtime

__all__ = ["interpreter", "make_runtime"]
