"""Fast helpers written in C."""

from ._speedups import add

__all__ = ["add"]
