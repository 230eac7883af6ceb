"""The HS 2022 nomenclature: chapters, headings, subheadings, and declared-code validation.

Loaded once from the shipped copy of the UN Comtrade rendering (``data/harmonized-system.csv``);
``Nomenclature.load(path)`` reads a user's newer file in the same format.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from borderline.errors import DataFileError, InvalidInput

EDITION = "HS 2022"
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True, slots=True)
class HSEntry:
    code: str  # 2, 4 or 6 digits
    description: str
    parent: str | None
    level: int
    section: str


@dataclass(frozen=True, slots=True)
class Correlation:
    hs2017: str
    targets: tuple[str, ...]
    relation: str  # one_to_one | split
    note: str


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """What a declared code turned out to be. ``hs6`` is the HS 2022 code to use, if any."""

    declared: str
    status: str  # valid | mapped_from_2017 | split_in_2022 | unknown | malformed
    hs6: str | None
    message: str
    candidates: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "declared": self.declared,
            "status": self.status,
            "hs6": self.hs6,
            "message": self.message,
            "candidates": list(self.candidates),
        }


@dataclass
class Nomenclature:
    entries: dict[str, HSEntry]
    sections: dict[str, str]
    correlations: dict[str, Correlation] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        path: Path | str,
        sections_path: Path | str | None = None,
        correlations_path: Path | str | None = None,
    ) -> Nomenclature:
        entries: dict[str, HSEntry] = {}
        p = Path(path)
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            need = {"section", "hscode", "description", "parent", "level"}
            if not need <= set(reader.fieldnames or ()):
                raise DataFileError(f"needs columns {sorted(need)}", where=f"{p}:1")
            for lineno, row in enumerate(reader, 2):
                code = (row["hscode"] or "").strip()
                # Chapter 99 ("commodities not specified", section TOTAL) is a UN Comtrade
                # statistical code, not a WCO HS subheading: a declaration cannot use it.
                if code == "TOTAL" or row["level"] == "5" or row["section"] == "TOTAL":
                    continue
                level = row["level"].strip()
                if (
                    not _DIGITS.match(code)
                    or level not in ("2", "4", "6")
                    or len(code) != int(level)
                ):
                    raise DataFileError(
                        f"bad hscode {code!r} / level {level!r}", where=f"{p}:{lineno}"
                    )
                parent = (row["parent"] or "").strip()
                entries[code] = HSEntry(
                    code=code,
                    description=(row["description"] or "").strip(),
                    parent=None if parent in ("", "TOTAL") else parent,
                    level=int(level),
                    section=row["section"].strip(),
                )
        sections: dict[str, str] = {}
        if sections_path is not None:
            with Path(sections_path).open(encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    sections[row["section"].strip()] = row["name"].strip()
        correlations: dict[str, Correlation] = {}
        if correlations_path is not None:
            with Path(correlations_path).open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    targets = tuple(t for t in row["hs2022"].split(";") if t)
                    correlations[row["hs2017"]] = Correlation(
                        row["hs2017"], targets, row["relation"], row["note"]
                    )
        return cls(entries, sections, correlations)

    def get(self, code: str) -> HSEntry | None:
        return self.entries.get(code)

    def subheadings(self) -> list[HSEntry]:
        return [e for e in self.entries.values() if e.level == 6]

    def children(self, code: str) -> list[HSEntry]:
        return [e for e in self.entries.values() if e.parent == code]

    def path_text(self, hs6: str) -> str:
        """Chapter; heading; subheading descriptions joined: the retrieval document of a code."""
        parts = [self.entries[c].description for c in (hs6[:2], hs6[:4], hs6) if c in self.entries]
        return " ; ".join(parts)

    def check(self, declared: str) -> CodeCheck:
        """Is a declared code an HS 2022 subheading? National 8-10 digit codes are cut to 6."""
        raw = declared.strip().replace(".", "").replace(" ", "")
        if not _DIGITS.match(raw) or len(raw) < 6 or len(raw) > 10:
            return CodeCheck(declared, "malformed", None, "an HS code is 6 to 10 digits")
        hs6 = raw[:6]
        if hs6 in self.entries:
            return CodeCheck(declared, "valid", hs6, f"{EDITION} subheading {hs6}")
        corr = self.correlations.get(hs6)
        if corr is not None and corr.relation == "one_to_one":
            return CodeCheck(
                declared,
                "mapped_from_2017",
                corr.targets[0],
                f"HS 2017 {hs6} is {EDITION} {corr.targets[0]}: {corr.note}",
                corr.targets,
            )
        if corr is not None:
            return CodeCheck(
                declared,
                "split_in_2022",
                None,
                f"HS 2017 {hs6} was split in {EDITION} into {', '.join(corr.targets)}; "
                f"not one-to-one, choose one: {corr.note}",
                corr.targets,
            )
        heading = hs6[:4]
        msg = f"{hs6} is not an {EDITION} subheading"
        if heading in self.entries:
            msg += f" (heading {heading} exists: {self.entries[heading].description[:80]})"
        return CodeCheck(declared, "unknown", None, msg)

    def require(self, declared: str, where: str) -> str:
        """The HS 2022 six-digit code for ``declared`` or an ``InvalidInput`` naming ``where``."""
        c = self.check(declared)
        if c.hs6 is None:
            raise InvalidInput(c.message, where=where)
        return c.hs6


def _data(name: str) -> Path:
    return Path(str(resources.files("borderline.trade") / "data" / name))


@cache
def nomenclature() -> Nomenclature:
    """The shipped HS 2022 nomenclature (cached)."""
    return Nomenclature.load(
        _data("harmonized-system.csv"), _data("sections.csv"), _data("hs2017-to-2022.csv")
    )


def data_path(name: str) -> Path:
    return _data(name)
