"""Import errors that say what is wrong and where (row/line, field, reason)."""

from __future__ import annotations

from dataclasses import dataclass, field


class FieldError(ValueError):
    """One field of one record is unusable; the importer adds the row number."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class BadRow:
    row: int  # 1-based line (CSV/TSV/JSONL), record index (JSON) or <item> index (XML)
    field: str
    reason: str
    record_id: str = ""

    def __str__(self) -> str:
        rid = f" (id {self.record_id})" if self.record_id else ""
        return f"row {self.row}{rid}: {self.field}: {self.reason}"


@dataclass
class ImportReport:
    kind: str
    source: str
    total: int = 0
    inserted: int = 0
    updated: int = 0
    removed: int = 0  # products missing from a full export (import --sync)
    bad_rows: list[BadRow] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.bad_rows

    def summary(self) -> str:
        lines = [
            f"{self.source}: {self.total} {self.kind} read, {self.inserted} new, {self.updated} updated, "
            + (f"{self.removed} removed, " if self.removed else "")
            + f"{len(self.bad_rows)} bad"
            + ("" if self.committed else " - nothing was imported")
        ]
        lines += [f"  {b}" for b in self.bad_rows]
        return "\n".join(lines)


class CatalogImportError(Exception):
    """Raised when an all-or-nothing import finds bad rows; the store is unchanged."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.summary())
        self.report = report
