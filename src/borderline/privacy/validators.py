"""Checksum and shape validators that recognizer YAML files name by string.

``stdnum:<cc>.<module>`` calls python-stdnum's ``is_valid``: we never hand-write a checksum that
python-stdnum has. The ``builtin:`` ones below cover numbers python-stdnum 2.2 does not ship
(Hong Kong HKID, Taiwan national ID, Singapore NRIC/FIN, UK NINO, Russian SNILS) and the ICAO
9303 machine-readable zone; each is tested against the published examples in tests/privacy.
"""

from __future__ import annotations

import importlib
import ipaddress
import re
from collections.abc import Callable
from datetime import date
from functools import cache

from stdnum import iban as _iban
from stdnum import luhn as _luhn

from borderline.errors import DataFileError

Validator = Callable[[str], bool]


def _alnum(value: str) -> str:
    return re.sub(r"[\s\-./()]", "", value).upper()


# --- Hong Kong Identity Card (HKID): letters A-Z = 10..35, a blank leading letter = 36,
# weights 9..2, check = 11 - sum mod 11 with 10 written "A" (Immigration Department scheme).
def hkid(value: str) -> bool:
    v = _alnum(value)
    m = re.fullmatch(r"([A-Z]{1,2})(\d{6})([0-9A])", v)
    if not m:
        return False
    letters, digits, check = m.groups()
    letters = letters.rjust(2, " ")
    vals = [36 if c == " " else ord(c) - 55 for c in letters] + [int(d) for d in digits]
    total = sum(v * w for v, w in zip(vals, range(9, 1, -1), strict=True))
    expected = (11 - total % 11) % 11
    return check == ("A" if expected == 10 else str(expected))


# --- Taiwan national ID / new-style ARC: the letter maps to a two-digit area code.
_TW_CODES = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))


def tw_id(value: str) -> bool:
    v = _alnum(value)
    if not re.fullmatch(r"[A-Z][1289]\d{8}", v):
        return False
    code = _TW_CODES[v[0]]
    digits = [code // 10, code % 10] + [int(c) for c in v[1:]]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


# --- Singapore NRIC / FIN (S, T, F, G prefixes; weights 2765432, offset 4 for T and G).
_SG_TABLES = {"ST": "JZIHGFEDCBA", "FG": "XWUTRQPNMLK"}


def sg_nric(value: str) -> bool:
    v = _alnum(value)
    m = re.fullmatch(r"([STFG])(\d{7})([A-Z])", v)
    if not m:
        return False
    prefix, digits, check = m.groups()
    total = sum(int(d) * w for d, w in zip(digits, (2, 7, 6, 5, 4, 3, 2), strict=True))
    if prefix in "TG":
        total += 4
    table = _SG_TABLES["ST" if prefix in "ST" else "FG"]
    return table[total % 11] == check


# --- UK National Insurance number: no checksum, but HMRC's allocation rules exclude letters
# and prefixes, which removes most look-alikes.
_NINO = re.compile(r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")


def gb_nino(value: str) -> bool:
    return bool(_NINO.fullmatch(_alnum(value)))


# --- Russian SNILS: weights 9..1 over the first nine digits, mod 101, 100 and 101 -> 00.
def ru_snils(value: str) -> bool:
    v = re.sub(r"\D", "", value)
    if len(v) != 11:
        return False
    body, check = v[:9], int(v[9:])
    if int(body) <= 1001998:  # numbers up to 001-001-998 carry no check digits
        return True
    total = sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    return (0 if total in (100, 101) else total) == check


# --- ICAO Doc 9303 part 3 check digit: weights 7, 3, 1; '<' = 0, A-Z = 10..35.
def mrz_check_digit(field: str) -> int:
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            val = int(ch)
        elif "A" <= ch <= "Z":
            val = ord(ch) - 55
        else:
            val = 0
        total += val * (7, 3, 1)[i % 3]
    return total % 10


def mrz_td3_line2(line: str) -> bool:
    """Validate the second line of a passport (TD3) MRZ: four field checks and the composite."""
    if not re.fullmatch(r"[A-Z0-9<]{44}", line):
        return False
    checks = [(line[0:9], line[9]), (line[13:19], line[19]), (line[21:27], line[27])]
    for field, digit in checks:
        if not digit.isdigit() or mrz_check_digit(field) != int(digit):
            return False
    # The optional-data check digit may be '<' when the personal-number field is empty.
    has_optional = line[42] != "<" or bool(line[28:42].strip("<"))
    if has_optional and (not line[42].isdigit() or mrz_check_digit(line[28:42]) != int(line[42])):
        return False
    composite = line[0:10] + line[13:20] + line[21:43]
    return line[43].isdigit() and mrz_check_digit(composite) == int(line[43])


def mrz_td3(value: str) -> bool:
    lines = [ln.strip() for ln in value.strip().splitlines() if ln.strip()]
    return len(lines) == 2 and lines[0].startswith("P") and mrz_td3_line2(lines[1])


def luhn(value: str) -> bool:
    digits = re.sub(r"[\s\-]", "", value)
    return digits.isdigit() and 12 <= len(digits) <= 19 and _luhn.is_valid(digits)


def iban(value: str) -> bool:
    return bool(_iban.is_valid(value))


def ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january", "janvier", "januar", "enero"),
            ("feb", "february", "février", "februar", "febrero"),
            ("mar", "march", "mars", "märz", "marzo"),
            ("apr", "april", "avril", "abril"),
            ("may", "mai", "mayo"),
            ("jun", "june", "juin", "juni", "junio"),
            ("jul", "july", "juillet", "juli", "julio"),
            ("aug", "august", "août", "agosto"),
            ("sep", "sept", "september", "septembre", "septiembre"),
            ("oct", "october", "octobre", "oktober", "octubre"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "décembre", "dezember", "diciembre"),
        ],
        1,
    )
    for m in names
}


def calendar_date(value: str) -> bool:
    """True when the text names a real calendar date (ISO, D/M/Y, M/D/Y, words, 年月日)."""
    v = value.strip().lower().rstrip(".")
    nums = [int(n) for n in re.findall(r"\d+", v)]
    month_word = next((m for w in re.findall(r"[a-zéûä]+", v) if (m := _MONTHS.get(w))), None)
    candidates: list[tuple[int, int, int]] = []
    if month_word and len(nums) == 1:  # "March 3rd": a day of that month in a leap year
        candidates.append((2000, month_word, nums[0]))
    elif month_word and len(nums) == 2:
        day, year = (nums[0], nums[1]) if nums[1] > 31 else (nums[1], nums[0])
        candidates.append((year, month_word, day))
    elif len(nums) == 3:
        a, b, c = nums
        if a > 31:  # year first: ISO and 年月日
            candidates.append((a, b, c))
        else:  # D/M/Y or M/D/Y: accept if either reading is a date
            candidates += [(c, b, a), (c, a, b)]
    for y, m, d in candidates:
        if y < 100:
            y += 1900 if y > 30 else 2000
        if not 1900 <= y <= 2100:
            continue
        try:
            date(y, m, d)
        except ValueError:
            continue
        return True
    return False


BUILTINS: dict[str, Validator] = {
    "hkid": hkid,
    "tw_id": tw_id,
    "sg_nric": sg_nric,
    "gb_nino": gb_nino,
    "ru_snils": ru_snils,
    "mrz_td3": mrz_td3,
    "luhn": luhn,
    "iban": iban,
    "ip": ip,
    "date": calendar_date,
}


@cache
def resolve(spec: str, where: str = "validator") -> Validator:
    """Turn ``stdnum:br.cpf`` or ``builtin:hkid`` into a callable; unknown names are errors."""
    scheme, _, name = spec.partition(":")
    if scheme == "builtin" and name in BUILTINS:
        return BUILTINS[name]
    if scheme == "stdnum" and re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", name):
        try:
            module = importlib.import_module(f"stdnum.{name}")
        except ImportError:
            raise DataFileError(f"python-stdnum has no module {name!r}", where=where) from None
        fn = module.is_valid

        def _stdnum(value: str) -> bool:
            return bool(fn(value))

        return _stdnum
    raise DataFileError(
        f"unknown validator {spec!r}; use stdnum:<cc>.<module> or builtin:{'|'.join(BUILTINS)}",
        where=where,
    )
