"""Builtin checksums against published examples, and properties that must hold for any input."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn as stdnum_luhn

from borderline.errors import DataFileError
from borderline.privacy import validators as V

# ICAO Doc 9303 part 4, appendix A: the specimen passport of Anna Maria Eriksson.
ICAO_LINE1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
ICAO_LINE2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"


@pytest.mark.parametrize(
    ("fn", "value", "ok"),
    [
        (V.hkid, "A123456(3)", True),  # Immigration Department worked example
        (V.hkid, "A123456(4)", False),
        (V.hkid, "AB987654(3)", True),
        (V.tw_id, "A123456789", True),  # the canonical Taiwan example
        (V.tw_id, "A123456788", False),
        (V.sg_nric, "S1234567D", True),
        (V.sg_nric, "S1234567A", False),
        (V.gb_nino, "AB 12 34 56 C", True),
        (V.gb_nino, "QQ123456C", False),  # Q is never a first letter
        (V.gb_nino, "GB123456A", False),  # GB is a reserved prefix
        (V.ru_snils, "112-233-445 95", True),  # the example in Pension Fund guidance
        (V.ru_snils, "112-233-445 96", False),
        (V.luhn, "4111 1111 1111 1111", True),
        (V.luhn, "4111 1111 1111 1112", False),
        (V.iban, "DE89 3704 0044 0532 0130 00", True),
        (V.iban, "DE89 3704 0044 0532 0130 01", False),
        (V.ip, "2001:db8::1", True),
        (V.ip, "256.1.1.1", False),
        (V.calendar_date, "1985-02-29", False),
        (V.calendar_date, "29.02.1984", True),
        (V.calendar_date, "1991年3月5日", True),
        (V.calendar_date, "March 5, 1991", True),
    ],
)
def test_builtin_validators(fn, value, ok):
    assert fn(value) is ok


def test_icao_specimen_mrz_validates_and_each_field_check_matters():
    assert V.mrz_td3(f"{ICAO_LINE1}\n{ICAO_LINE2}")
    assert [V.mrz_check_digit(f) for f in ("L898902C3", "740812", "120415")] == [6, 2, 9]
    for pos in (9, 19, 27, 43):  # each check digit, changed, breaks validation
        bad = ICAO_LINE2[:pos] + str((int(ICAO_LINE2[pos]) + 1) % 10) + ICAO_LINE2[pos + 1 :]
        assert not V.mrz_td3_line2(bad)


@given(
    st.text(alphabet=string.digits + string.ascii_uppercase, min_size=1, max_size=20),
    st.integers(min_value=0, max_value=19),
    st.sampled_from(string.digits),
)
def test_mrz_check_digit_catches_any_single_digit_change(field, pos, new):
    # Weights 7, 3, 1 are coprime with 10, so changing one digit always changes the check.
    pos %= len(field)
    if not field[pos].isdigit() or field[pos] == new:
        return
    changed = field[:pos] + new + field[pos + 1 :]
    assert V.mrz_check_digit(changed) != V.mrz_check_digit(field)


@given(st.sampled_from(string.ascii_uppercase), st.text(string.digits, min_size=6, max_size=6))
def test_exactly_one_hkid_check_character_is_valid(letter, digits):
    valid = [c for c in "0123456789A" if V.hkid(f"{letter}{digits}({c})")]
    assert len(valid) == 1


@given(st.text(string.digits, min_size=11, max_size=18))
def test_luhn_agrees_with_python_stdnum(body):
    full = body + stdnum_luhn.calc_check_digit(body)
    assert V.luhn(full)
    wrong = full[:-1] + str((int(full[-1]) + 1) % 10)
    assert not V.luhn(wrong)


def test_unknown_validator_is_a_clear_error():
    with pytest.raises(DataFileError, match="unknown validator"):
        V.resolve("builtin:nope")
    with pytest.raises(DataFileError, match="no module"):
        V.resolve("stdnum:xx.nothing")
