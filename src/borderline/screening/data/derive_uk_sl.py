"""Rebuild ``uk_sl/UK-Sanctions-List.csv.gz`` from the normalised five-table derivation of the
FCDO UK Sanctions List (run by hand, never at run time):
``python derive_uk_sl.py /path/to/uk_sanctions_list_2026-04_derived``.

The official ``UK-Sanctions-List.csv`` of 29 April 2026 is not available to us; a third party's
normalisation of it is (covyr/uk-sanctions-list, see ``PROVENANCE.md``). This writes its values
back into the official CSV layout, so the shipped list and a user's official download go
through the same loader (``fcdo_csv``). Values are copied, never edited: names from
``name_1``..``name_6``, dates of birth re-written as the FCDO writes them (``dd/mm/1968`` when
only the year is known), countries by their raw text and column (birth, address, nationality),
identifiers by type. A designation gets one row per name; further values of other columns go on
extra rows that repeat its primary name, as the official file repeats rows. The derivation
carries no regime, measures, addresses beyond the country, or non-Latin names; those columns
stay empty.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).parent / "uk_sl" / "UK-Sanctions-List.csv.gz"
REPORT_DATE = "29-Apr-2026"  # the official file's banner, as the derivation's README quotes it
HEADER = [
    "Last Updated", "Unique ID", "OFSI Group ID", "UN Reference Number", "Name 6", "Name 1",
    "Name 2", "Name 3", "Name 4", "Name 5", "Name type", "Alias strength", "Title",
    "Name non-latin script", "Non-latin script type", "Non-latin script language", "Regime Name",
    "Designation Type", "Designation source", "Sanctions Imposed", "Other Information",
    "UK Statement of Reasons", "Address Line 1", "Address Line 2", "Address Line 3",
    "Address Line 4", "Address Line 5", "Address Line 6", "Address Postal Code",
    "Address Country", "Phone number", "Website", "Email address", "Date Designated", "D.O.B",
    "Nationality(/ies)", "National Identifier number", "National Identifier additional information",
    "Passport number", "Passport additional information", "Position", "Gender", "Town of birth",
    "Country of birth", "Type of entity", "Subsidiaries", "Parent company",
    "Business registration number (s)", "IMO number", "Current owner/operator (s)",
    "Previous owner/operator (s)", "Current believed flag of ship", "Previous flags",
    "Type of ship", "Tonnage of ship", "Length of ship", "Year Built",
    "Hull identification number (HIN)",
]  # fmt: skip
_NAME_TYPE = {
    "primary": "Primary Name",
    "primary_variation": "Primary Name Variation",
    "alias": "Alias",
}
_STRENGTH = {"good_quality_aka": "Good quality AKA", "low_quality_aka": "Low quality AKA"}
_KIND = {"individual": "Individual", "entity": "Entity", "ship": "Ship"}
_COUNTRY_COL = {
    "nationality": "Nationality(/ies)",
    "birth": "Country of birth",
    "address": "Address Country",
}
_ID_COL = {
    "passport": "Passport number",
    "national": "National Identifier number",
    "business_registration_numbers": "Business registration number (s)",
    "imo": "IMO number",
    "hull": "Hull identification number (HIN)",
}
_ID_INFO = {
    "passport": "Passport additional information",
    "national": "National Identifier additional information",
}


def _read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _dob(r: dict[str, str]) -> str:
    y, m, d = r["year"].strip(), r["month"].strip(), r["day"].strip()
    if not y:
        return ""
    return f"{d.zfill(2) if d else 'dd'}/{m.zfill(2) if m else 'mm'}/{y}"


def main(folder: Path) -> None:
    subjects = _read(folder, "subjects.csv")
    extra: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    def add(uid: str, col: str, value: str) -> None:
        value = value.strip()
        if value and value not in extra[uid][col]:
            extra[uid][col].append(value)

    for r in _read(folder, "subject_dobs.csv"):
        add(r["unique_id"], "D.O.B", _dob(r))
    for r in _read(folder, "subject_countries.csv"):
        add(r["unique_id"], _COUNTRY_COL[r["country_type"]], r["raw_value"])
    for r in _read(folder, "subject_identifiers.csv"):
        col = _ID_COL[r["identifier_type"]]
        add(r["unique_id"], col, r["raw_value"])
        if r["identifier_type"] in _ID_INFO and r["additional_info"].strip():
            # The note goes on the row of its number: one list, same order as the numbers.
            info = extra[r["unique_id"]][_ID_INFO[r["identifier_type"]]]
            while len(info) < len(extra[r["unique_id"]][col]) - 1:
                info.append("")
            if len(info) < len(extra[r["unique_id"]][col]):
                info.append(r["additional_info"].strip())
    names: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in _read(folder, "subject_names.csv"):
        names[r["unique_id"]].append(r)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"Report Date: {REPORT_DATE}"])
    w.writerow(HEADER)
    for s in subjects:
        uid = s["unique_id"]
        own = names.get(uid) or []
        primary = next((n for n in own if n["name_type"] == "primary"), own[0] if own else None)
        if primary is None:
            continue
        depth = max([len(own)] + [len(v) for v in extra[uid].values()])
        for i in range(depth):
            n = own[i] if i < len(own) else primary
            row = dict.fromkeys(HEADER, "")
            row.update(
                {
                    "Last Updated": s["last_updated"],
                    "Unique ID": uid,
                    "OFSI Group ID": s["ofsi_group_id"],
                    "UN Reference Number": s["un_reference_number"],
                    "Designation Type": _KIND[s["subject_type"]],
                    "Date Designated": s["date_designated"],
                    "Name type": _NAME_TYPE[n["name_type"]],
                    "Alias strength": _STRENGTH.get(n["alias_strength"], ""),
                    **{f"Name {k}": n[f"name_{k}"] for k in range(1, 7)},
                }
            )
            for col, values in extra[uid].items():
                if i < len(values):
                    row[col] = values[i]
            w.writerow([row[c] for c in HEADER])
    OUT.parent.mkdir(exist_ok=True)
    # mtime=0: the same input always gives the same bytes (and the same list fingerprint).
    OUT.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=9, mtime=0))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
