"""One exception root for every error a user can cause, with specific subclasses."""


class CmmikitError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero."""


class ModelError(CmmikitError):
    """A model folder or questionnaire file is missing or malformed."""

    def __init__(self, file: str, entry: str, field: str, problem: str):
        self.file, self.entry, self.field, self.problem = file, entry, field, problem
        where = ", ".join(p for p in (entry and f"entry {entry}", field and f"field {field!r}") if p)
        super().__init__(f"{file}: {where + ': ' if where else ''}{problem}")


class StoreError(CmmikitError):
    """An appraisal file cannot be opened, created or changed."""


class NotAnAppraisal(StoreError):
    """The file exists but is not a cmmikit appraisal; it was left untouched."""


class SchemaTooNew(StoreError):
    """The appraisal was written by a newer cmmikit; it was left untouched."""


class StoreBusy(StoreError):
    """Another session held the appraisal longer than the bounded wait; nothing was changed."""


class StoreUnavailable(StoreError):
    """The appraisal server cannot be reached; nothing was changed."""


class ReadOnlyAppraisal(StoreError):
    """The appraisal file (or its folder) cannot be written."""


class FrozenAppraisal(StoreError):
    """The appraisal record is frozen (``cmmikit freeze``): the database refuses every change."""


FROZEN_MARKER = "cmmikit: the appraisal is frozen"   # how the database's own refusal begins


class ConflictError(StoreError):
    """Someone else changed the row since it was read; the change was not saved.

    ``changed_by``, ``changed_at`` and ``current`` (the row as stored now, or None if it was removed)
    tell the user what happened so they can keep theirs or take the other.
    """

    def __init__(self, message: str, *, entity: str = "", key: str = "", changed_by: str = "",
                 changed_at: str = "", current: object = None):
        self.entity, self.key, self.changed_by, self.changed_at, self.current = (
            entity, key, changed_by, changed_at, current)
        super().__init__(message)


class UnknownEntry(StoreError):
    """A PA, practice, instance, finding or action that the appraisal does not have."""


class ReadOnlyError(CmmikitError):
    """A file or folder to write is read-only (the message starts with "read-only:"); nothing was written."""


class InvalidValue(CmmikitError):
    """A value outside what the field allows (e.g. a characterization 'XI')."""


def quoted(value: object, limit: int = 40) -> str:
    """A user's value quoted for an error message, cut to ``limit`` characters so the line stays short."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def cut(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters (a last guard that keeps error lines short)."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


class ImportProblem(CmmikitError):
    """An import (JSON or questionnaire workbook) was refused; nothing was changed."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        shown = [cut(problems[0], 200)]  # the first, then as many as fit: the line stays short
        for problem in problems[1:]:
            if sum(map(len, shown)) + len(problem) > 200:
                break
            shown.append(problem)
        more = f" (and {len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
        super().__init__(f"{source}: {len(problems)} problem(s), nothing imported: {'; '.join(shown)}{more}")


class NotPermitted(StoreError):
    """The session's role (lead, assessor of some PAs, reader) does not allow this change; nothing was changed."""
