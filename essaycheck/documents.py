"""What the readers hand to the pipeline: raw documents and read errors."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One essay as read from a file or a table row, before any normalisation.

    ``id`` is the file name without extension (or the table's id column); ``source`` is the
    path as the user knows it, through archives (``batch.zip/to1/a.docx``); ``meta`` holds what a
    table row states about the writer (``author``, ``unit``, ``role``, ``cell``).
    """

    id: str
    source: str
    text: str
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadError:
    """An input that could not be read; ``message`` is Vietnamese and says what to do."""

    source: str
    code: str
    message: str
