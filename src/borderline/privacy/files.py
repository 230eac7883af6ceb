"""Scanning and redacting whole files, streamed: memory stays flat however large the file.

Formats by suffix: ``.jsonl``/``.ndjson`` (one record per line, field names are evidence),
``.csv`` (the header names each column), anything else is text read in blocks of lines (so a
two-line passport MRZ inside a block is still one span). Binary files and text that is not
UTF-8 are refused with the byte offset. Redaction writes to a temporary file beside the
output and renames it only when the whole input has been processed: a failed run leaves no
half-written output behind.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from borderline.errors import InvalidInput
from borderline.files import existing_file
from borderline.privacy.analyzer import Analyzer
from borderline.privacy.anonymise import Keyring, anonymise, anonymise_value
from borderline.privacy.entities import Entity

Progress = Callable[[int], None]  # called with the number of bytes just consumed
TEXT_BLOCK_LINES = 50
MAX_LINE_BYTES = 8_000_000


@dataclass
class ScanReport:
    """What a scan or redaction saw. Counts only: a report never quotes personal data."""

    path: str
    format: str
    units: int = 0  # lines, records or rows
    bytes: int = 0
    characters: int = 0
    seconds: float = 0.0
    by_type: Counter[str] = field(default_factory=Counter)
    by_field: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, entities: list[Entity]) -> None:
        for e in entities:
            self.by_type[e.type] += 1
            if e.path is not None:
                self.by_field.setdefault(e.path, Counter())[e.type] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "units": self.units,
            "bytes": self.bytes,
            "characters": self.characters,
            "seconds": round(self.seconds, 3),
            "chars_per_second": round(self.characters / self.seconds) if self.seconds else None,
            "entities": sum(self.by_type.values()),
            "by_type": dict(self.by_type.most_common()),
            "by_field": {k: dict(v.most_common()) for k, v in sorted(self.by_field.items())},
        }


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    return "text"


def check_text_file(path: Path) -> None:
    """Refuse missing, binary and non-UTF-8 files before any work starts."""
    with existing_file(path).open("rb") as fh:
        head = fh.read(64 * 1024)
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InvalidInput(
            f"binary file (NUL byte at offset {nul}); give a UTF-8 text, CSV or JSONL file",
            where=str(path),
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut at the boundary is fine
            raise InvalidInput(
                f"not UTF-8 text (byte {exc.start}); convert it, e.g. iconv -t UTF-8",
                where=str(path),
            ) from None


def _lines(fh: BinaryIO, path: Path, progress: Progress | None) -> Iterator[tuple[int, str]]:
    # Decode line by line ourselves: a text-mode reader decodes in chunks, so its error would
    # point thousands of lines before the bad byte. Lines are read with a cap so a huge file
    # without newlines cannot be pulled into memory whole.
    lineno = 0
    while raw := fh.readline(MAX_LINE_BYTES + 1):
        lineno += 1
        if len(raw) > MAX_LINE_BYTES:
            raise InvalidInput(
                f"line longer than {MAX_LINE_BYTES // 1_000_000} MB; is this a text file?",
                where=f"{path}:{lineno}",
            )
        if progress:
            progress(len(raw))
        try:
            yield lineno, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"not UTF-8 text (byte {exc.start} of the line)", where=f"{path}:{lineno}"
            ) from None


def redact_record(
    obj: Any, entities: list[Entity], method: str, ring: Keyring | None, path: str = ""
) -> Any:
    if isinstance(obj, dict):
        return {
            k: redact_record(v, entities, method, ring, f"{path}.{k}" if path else str(k))
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [redact_record(v, entities, method, ring, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, str | int) and not isinstance(obj, bool):
        mine = [e for e in entities if e.path == path]
        if mine:
            return anonymise(str(obj), mine, method, ring)
    return obj


def process(
    path: Path,
    analyzer: Analyzer,
    *,
    out: TextIO | None = None,
    method: str = "replace",
    ring: Keyring | None = None,
    country: str | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan ``path``; when ``out`` is given also write the redacted copy to it."""
    check_text_file(path)
    fmt = file_format(path)
    report = ScanReport(str(path), fmt, bytes=path.stat().st_size)
    started = time.perf_counter()
    with path.open("rb") as fh:
        if fmt == "jsonl":
            for lineno, line in _lines(fh, path, progress):
                if not line.strip():
                    if out:
                        out.write(line)
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidInput(
                        f"invalid JSON: {exc.msg}", where=f"{path}:{lineno}"
                    ) from None
                if not isinstance(obj, dict):
                    raise InvalidInput("each line must be a JSON object", where=f"{path}:{lineno}")
                found = analyzer.analyze_record(obj, country=country)
                report.units += 1
                report.characters += len(line)
                report.add(found)
                if out:
                    out.write(
                        json.dumps(redact_record(obj, found, method, ring), ensure_ascii=False)
                    )
                    out.write("\n")
        elif fmt == "csv":
            reader = csv.reader(line for _, line in _lines(fh, path, progress))
            writer = csv.writer(out) if out else None
            header = next(reader, None)
            if header is None:
                return report
            if writer:
                writer.writerow(header)
            for rowno, row in enumerate(reader, 2):
                if len(row) != len(header):
                    raise InvalidInput(
                        f"{len(row)} cells but the header has {len(header)}",
                        where=f"{path}:{rowno}",
                    )
                report.units += 1
                new_row = []
                for col, cell in zip(header, row, strict=True):
                    found = analyzer.analyze_field(col, cell, country=country, path=col)
                    report.characters += len(cell)
                    report.add(found)
                    new_row.append(anonymise(cell, found, method, ring) if found else cell)
                if writer:
                    writer.writerow(new_row)
        else:
            block: list[str] = []

            def flush() -> None:
                text = "".join(block)
                found = analyzer.analyze(text, country=country)
                report.characters += len(text)
                report.add(found)
                if out:
                    out.write(anonymise(text, found, method, ring))
                block.clear()

            for _, line in _lines(fh, path, progress):
                block.append(line)
                report.units += 1
                if len(block) >= TEXT_BLOCK_LINES:
                    flush()
            if block:
                flush()
    report.seconds = time.perf_counter() - started
    return report


def redact_file(
    path: Path,
    output: Path,
    analyzer: Analyzer,
    *,
    method: str = "replace",
    ring: Keyring | None = None,
    country: str | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Redact ``path`` into ``output`` atomically (temporary file + rename)."""
    anonymise_value("x", "PERSON", method, ring)  # reject a bad method before reading anything
    if output.resolve() == path.resolve():
        raise InvalidInput("output must differ from the input file", where=str(output))
    check_text_file(path)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            report = process(
                path, analyzer, out=fh, method=method, ring=ring, country=country, progress=progress
            )
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return report
