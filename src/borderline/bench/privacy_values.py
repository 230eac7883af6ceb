# ruff: noqa: E501  -- generator tables: one choice list per line reads better than wrapped
"""Values for the generated PII evaluation set (``privacy_evalset``): names, addresses, phones,
identifiers with valid check digits, dates, and the hard negatives beside them, drawn from a
seeded random generator. ``privacy_evalset`` puts them into sentences and records.

Honesty note: 30 % of Latin-script names and all Chinese given names come from held-out lists
below that are *not* in the hand-written gazetteers, so the set measures more than list lookup
(the larger census name lists added later do hold some of them: see docs/benchmarks/privacy.md).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from datetime import date, timedelta

import phonenumbers
from stdnum import iban as _iban

from borderline.privacy import (
    check_hkid,
    check_iban,
    check_luhn,
    check_sg_nric,
    mrz_check_digit,
    mrz_td3_line2,
    read_gazetteer,
    resolve_validator,
)

DEV_SEED = 7
TEST_SEED = 2026

HELDOUT_GIVEN = (
    "Declan Imogen Rhys Saoirse Ciarán Torsten Wiebke Mareike Gaspard Apolline Anaïs Íñigo "
    "Ainhoa Leire Gianmarco Ludovica Raffaele Gonçalo Inês Joost Femke Wojciech Zofia Bartosz "
    "Anatoly Yaroslav Burak Elif Tejas Ishaan Kavya Thandiwe Kwame Ngozi Farhan Zainab Hamish "
    "Eilidh Ottilie Caspian Linnea Soren"
).split()
HELDOUT_SURNAMES = (
    "Fairweather Thistlewood Ashcombe Pendleton Whitlock Drummond Krausenberg Obermaier "
    "Vautrin Delacroix Beaumarchais Echeverría Zubizarreta Castellanos Bellandi Guicciardini "
    "Vasconcelos Brandão Verhoeven Dijkstra Grabowski Zieliński Lebedev Gorbunov Aksoy "
    "Karaca Venkataraman Raghunathan Okonkwo Adeyemi Mahlangu Nakagawa Hashimoto Seong Hwang "
    "Quigley Abernathy Blackwood Lindqvist Sorensen"
).split()
ZH_GIVEN = "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 子涵 梓萱 浩然 宇轩 欣怡 一诺 思远".split()
ZH_SURNAMES = "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 欧阳".split()

PRODUCTS = [
    "Apple iPhone 15 Pro Max",
    "Samsung Galaxy S24 Ultra",
    "Nike Air Zoom Pegasus",
    "LEGO Star Wars Set",
    "Sony WH-1000XM5 Headphones",
    "Dyson V15 Detect",
    "Kindle Paperwhite",
    "Instant Pot Duo",
    "Logitech MX Master 3S",
    "North Face Nuptse Jacket",
    "Green Tea Gift Box",
    "Silk Scarf Large",
]


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.given = read_gazetteer("given_names.txt")
        self.surnames = read_gazetteer("surnames.txt")
        self.cities = {
            "US": ["New York", "Chicago", "Seattle", "Austin", "Denver", "Boston"],
            "GB": ["London", "Manchester", "Leeds", "Bristol", "Glasgow"],
            "DE": ["Berlin", "Hamburg", "München", "Köln", "Leipzig"],
            "FR": ["Paris", "Lyon", "Marseille", "Toulouse", "Nantes"],
            "ES": ["Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao"],
            "IT": ["Roma", "Milano", "Torino", "Bologna", "Firenze"],
            "NL": ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"],
            "CN": ["上海", "北京", "深圳", "杭州", "广州"],
            "HK": ["Hong Kong", "Kowloon"],
            "SG": ["Singapore"],
            "IN": ["Mumbai", "Bengaluru", "Chennai", "Pune"],
            "BR": ["São Paulo", "Rio de Janeiro", "Curitiba"],
            "MX": ["Guadalajara", "Monterrey", "Tijuana"],
            "CA": ["Toronto", "Vancouver", "Calgary", "Ottawa"],
            "JP": ["Tokyo", "Osaka", "Nagoya"],
            "KR": ["Seoul", "Busan", "Incheon"],
        }
        self.country_names = {
            "US": "United States",
            "GB": "United Kingdom",
            "DE": "Germany",
            "FR": "France",
            "ES": "Spain",
            "IT": "Italy",
            "NL": "Netherlands",
            "CN": "China",
            "HK": "Hong Kong",
            "SG": "Singapore",
            "IN": "India",
            "BR": "Brazil",
            "MX": "Mexico",
            "CA": "Canada",
            "JP": "Japan",
            "KR": "South Korea",
        }

    # -- helpers
    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def upper(self, n: int) -> str:
        return "".join(self.r.choice(string.ascii_uppercase) for _ in range(n))

    def with_check(self, body: Callable[[], str], alphabet: str, ok: Callable[[str], bool]) -> str:
        for _ in range(500):
            b = body()
            for c in alphabet:
                if ok(b + c):
                    return b + c
        raise RuntimeError("could not build a valid identifier")

    def birth(self) -> date:
        return date(1950, 1, 1) + timedelta(days=self.r.randrange(0, 365 * 55))

    # -- names
    def person(self) -> str:
        if self.r.random() < 0.3:
            return f"{self.r.choice(HELDOUT_GIVEN)} {self.r.choice(HELDOUT_SURNAMES)}"
        return f"{self.r.choice(self.given)} {self.r.choice(self.surnames)}"

    def zh_person(self) -> str:
        return self.r.choice(ZH_SURNAMES) + self.r.choice(ZH_GIVEN)

    def org(self, cc: str) -> str:
        stem = self.r.choice(
            [
                "Acme",
                "Northwind",
                "Blue Harbor",
                "Sunrise",
                "Pacific Rim",
                "Golden Bridge",
                "Alpine",
                "Redwood",
                "Silverline",
                "Orion",
            ]
        )
        kind = self.r.choice(["Trading", "Logistics", "Imports", "Electronics", "Retail"])
        suffix = {
            "DE": "GmbH",
            "FR": "SAS",
            "ES": "S.L.",
            "IT": "S.r.l.",
            "NL": "B.V.",
            "GB": "Ltd",
            "US": "Inc.",
            "SG": "Pte Ltd",
            "HK": "Limited",
            "BR": "Ltda",
            "MX": "S.A. de C.V.",
        }.get(cc, "Ltd")
        return f"{stem} {kind} {suffix}"

    def zh_org(self) -> str:
        return (
            self.r.choice(["深圳市", "杭州", "义乌市", "广州"])
            + self.r.choice(["华强电子", "顺达物流", "金桥贸易", "星海科技"])
            + self.r.choice(["有限公司", "股份有限公司"])
        )

    # -- contact
    def email(self, name: str | None = None) -> str:
        base = (name or self.person()).lower()
        base = "".join(c for c in base.replace(" ", self.r.choice([".", "_", ""])) if c.isascii())
        base = base.strip("._") or "buyer"
        return f"{base}{self.r.randrange(1, 99)}@{self.r.choice(['gmail.com', 'outlook.com', 'qq.com', 'yahoo.co.uk', 'web.de', 'orange.fr', 'example.org'])}"

    def phone(self, cc: str, intl: bool | None = None) -> str:
        ex = phonenumbers.example_number_for_type(cc, phonenumbers.PhoneNumberType.MOBILE)
        assert ex is not None, cc  # every region we generate has a mobile example
        nat = str(ex.national_number)
        for _ in range(100):
            cand = nat[: max(3, len(nat) - 5)] + self.digits(len(nat) - max(3, len(nat) - 5))
            num = phonenumbers.parse(f"+{ex.country_code}{cand}")
            if phonenumbers.is_valid_number(num):
                break
        use_intl = self.r.random() < 0.5 if intl is None else intl
        fmt = (
            phonenumbers.PhoneNumberFormat.INTERNATIONAL
            if use_intl
            else phonenumbers.PhoneNumberFormat.NATIONAL
        )
        return phonenumbers.format_number(num, fmt)

    def ip(self) -> str:
        if self.r.random() < 0.15:
            return f"2001:db8:{self.r.randrange(0, 65535):x}::{self.r.randrange(1, 65535):x}"
        return f"{self.r.randrange(11, 223)}.{self.r.randrange(0, 255)}.{self.r.randrange(0, 255)}.{self.r.randrange(1, 254)}"

    def url(self) -> str:
        host = self.r.choice(
            ["shop-example.com", "www.mystore.co.uk", "orders.example.net", "www.tianmao-demo.cn"]
        )
        return (
            f"https://{host}/{self.r.choice(['account', 'orders', 'track', 'u'])}/{self.digits(6)}"
        )

    # -- money
    def card(self) -> str:
        prefix = self.r.choice(["4", "51", "55", "37", "6011"])
        length = 15 if prefix == "37" else 16
        num = self.with_check(
            lambda: prefix + self.digits(length - len(prefix) - 1), string.digits, check_luhn
        )
        if length == 15:
            return f"{num[:4]} {num[4:10]} {num[10:]}"
        return self.r.choice(
            [
                num,
                " ".join(num[i : i + 4] for i in range(0, 16, 4)),
                "-".join(num[i : i + 4] for i in range(0, 16, 4)),
            ]
        )

    def bad_card(self) -> str:
        """Sixteen digits that fail Luhn: a tracking or loyalty number, not a card."""
        while True:
            num = "4" + self.digits(15)
            if not check_luhn(num):
                return num

    def iban(self, cc: str) -> str:
        lengths = {"DE": 18, "FR": 23, "GB": 18, "ES": 20, "NL": 14, "IT": 23}
        cc = cc if cc in lengths else self.r.choice(list(lengths))
        for _ in range(5000):  # national check digits (FR RIB, ES, IT CIN) are hit by retrying
            if cc == "GB":
                bban = self.upper(4) + self.digits(14)
            elif cc == "NL":
                bban = self.upper(4) + self.digits(10)
            elif cc == "IT":
                bban = self.upper(1) + self.digits(22)
            else:
                bban = self.digits(lengths[cc])
            compact = cc + _iban.calc_check_digits(cc + "00" + bban) + bban
            if check_iban(compact):
                break
        else:
            raise RuntimeError(f"could not build a valid {cc} IBAN")
        return (
            " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
            if self.r.random() < 0.6
            else compact
        )

    # -- identifiers: (value, type, context word)
    def national_id(self, cc: str) -> tuple[str, str, str]:
        r = self.r
        b = self.birth()
        if cc == "CN":
            v = self.with_check(
                lambda: (
                    r.choice(["110105", "360426", "440305", "330106", "420102"])
                    + self.birth().strftime("%Y%m%d")
                    + self.digits(3)
                ),
                "0123456789X",
                resolve_validator("stdnum:cn.ric"),
            )
            return v, "NATIONAL_ID", r.choice(["身份证号", "身份证", "ID"])
        if cc == "HK":
            v = self.with_check(lambda: self.upper(1) + self.digits(6), "0123456789A", check_hkid)
            return f"{v[:-1]}({v[-1]})", "NATIONAL_ID", "HKID"
        if cc == "SG":
            v = self.with_check(
                lambda: r.choice("ST") + self.digits(7), string.ascii_uppercase, check_sg_nric
            )
            return v, "NATIONAL_ID", "NRIC"
        if cc == "IN":
            if r.random() < 0.5:
                v = self.with_check(
                    lambda: r.choice("23456789") + self.digits(10),
                    string.digits,
                    resolve_validator("stdnum:in_.aadhaar"),
                )
                return f"{v[:4]} {v[4:8]} {v[8:]}", "NATIONAL_ID", "Aadhaar"
            v = self.upper(3) + "P" + self.upper(1) + self.digits(4) + self.upper(1)
            return v, "TAX_ID", "PAN"
        if cc == "BR":
            v = self.with_check(
                lambda: self.digits(9) + r.choice(string.digits),
                string.digits,
                resolve_validator("stdnum:br.cpf"),
            )
            return f"{v[:3]}.{v[3:6]}.{v[6:9]}-{v[9:]}", "TAX_ID", "CPF"
        if cc == "MX":

            def body() -> str:
                return (
                    self.upper(1)
                    + r.choice("AEIOU")
                    + self.upper(2)
                    + b.strftime("%y%m%d")
                    + r.choice("HM")
                    + r.choice(["DF", "JC", "NL", "BC", "PL"])
                    + "".join(r.choice("BCDFGHJKLMNPRSTVZ") for _ in range(3))
                    + r.choice("0A")
                )

            v = self.with_check(body, string.digits, resolve_validator("stdnum:mx.curp"))
            return v, "NATIONAL_ID", "CURP"
        if cc == "US":
            v = f"{r.randrange(1, 665):03d}-{r.randrange(1, 99):02d}-{r.randrange(1, 9999):04d}"
            if not resolve_validator("stdnum:us.ssn")(v):
                return self.national_id("US")
            return v, "NATIONAL_ID", r.choice(["SSN", "Social Security number"])
        if cc == "CA":
            v = self.with_check(
                lambda: r.choice("1234567") + self.digits(7),
                string.digits,
                resolve_validator("stdnum:ca.sin"),
            )
            return f"{v[:3]} {v[3:6]} {v[6:]}", "NATIONAL_ID", "SIN"
        if cc == "GB":
            v = r.choice(["AB", "CE", "JG", "PR", "TW"]) + self.digits(6) + r.choice("ABCD")
            return (
                f"{v[:2]} {v[2:4]} {v[4:6]} {v[6:8]} {v[8]}",
                "NATIONAL_ID",
                "National Insurance number",
            )
        if cc == "FR":
            dept = f"{r.randrange(1, 95):02d}"
            v = self.with_check(
                lambda: r.choice("12") + b.strftime("%y%m") + dept + self.digits(6),
                [f"{i:02d}" for i in range(1, 98)],  # type: ignore[arg-type]
                resolve_validator("stdnum:fr.nir"),
            )
            return (
                f"{v[0]} {v[1:3]} {v[3:5]} {v[5:7]} {v[7:10]} {v[10:13]} {v[13:]}",
                "NATIONAL_ID",
                "NIR",
            )
        if cc == "DE":

            def idnr_body() -> str:
                ds = r.sample(string.digits, 9)
                while ds[0] == "0":
                    r.shuffle(ds)
                ds.append(r.choice(ds[1:]))
                rest = ds[1:]
                r.shuffle(rest)
                return ds[0] + "".join(rest)

            v = self.with_check(idnr_body, string.digits, resolve_validator("stdnum:de.idnr"))
            return f"{v[:2]} {v[2:5]} {v[5:8]} {v[8:]}", "TAX_ID", "Steuer-ID"
        if cc == "ES":
            n = r.randrange(10_000_000, 99_999_999)
            return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}", "NATIONAL_ID", "DNI"
        if cc == "IT":
            v = self.with_check(
                lambda: (
                    self.upper(6)
                    + b.strftime("%y")
                    + r.choice("ABCDEHLMPRST")
                    + f"{r.randrange(1, 71):02d}"
                    + r.choice("ABFHLZ")
                    + self.digits(3)
                ),
                string.ascii_uppercase,
                resolve_validator("stdnum:it.codicefiscale"),
            )
            return v, "TAX_ID", "codice fiscale"
        if cc == "NL":
            v = self.with_check(
                lambda: r.choice("123456789") + self.digits(7),
                string.digits,
                resolve_validator("stdnum:nl.bsn"),
            )
            return v, "NATIONAL_ID", "BSN"
        if cc == "KR":
            v = self.with_check(
                lambda: (
                    b.strftime("%y%m%d")
                    + r.choice("1234" if b.year < 2000 else "34")
                    + self.digits(5)
                ),
                string.digits,
                resolve_validator("stdnum:kr.rrn"),
            )
            return f"{v[:6]}-{v[6:]}", "NATIONAL_ID", "주민등록번호"
        if cc == "JP":
            v = self.with_check(
                lambda: self.digits(11), string.digits, resolve_validator("stdnum:jp.in_")
            )
            return f"{v[:4]} {v[4:8]} {v[8:]}", "NATIONAL_ID", "マイナンバー"
        raise ValueError(cc)

    def passport(self, cc: str) -> str:
        r = self.r
        return {
            "CN": r.choice("EG") + self.digits(8),
            "US": self.digits(9),
            "GB": self.digits(9),
            "DE": "C" + "".join(r.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8)),
            "FR": self.digits(2) + self.upper(2) + self.digits(5),
            "IN": self.upper(1) + self.digits(7),
        }.get(cc, self.upper(2) + self.digits(7))

    def mrz(self, cc3: str) -> tuple[str, str]:
        surname, given = (
            self.r.choice(HELDOUT_SURNAMES).upper(),
            self.r.choice(HELDOUT_GIVEN).upper(),
        )
        surname = "".join(c for c in surname if "A" <= c <= "Z")
        given = "".join(c for c in given if "A" <= c <= "Z")
        line1 = f"P<{cc3}{surname}<<{given}".ljust(44, "<")[:44]
        number = self.upper(1) + self.digits(8)
        dob = self.birth().strftime("%y%m%d")
        exp = (
            f"{self.r.randrange(27, 35)}{self.r.randrange(1, 12):02d}{self.r.randrange(1, 28):02d}"
        )
        pn = "<" * 14
        parts = [
            number,
            str(mrz_check_digit(number)),
            cc3,
            dob,
            str(mrz_check_digit(dob)),
            self.r.choice("MF"),
            exp,
            str(mrz_check_digit(exp)),
            pn,
            "<",
        ]
        line2 = "".join(parts)
        line2 += str(mrz_check_digit(line2[0:10] + line2[13:20] + line2[21:43]))
        assert mrz_td3_line2(line2), line2
        return line1, line2

    def dob_text(self, lang: str) -> str:
        b = self.birth()
        months_en = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
        if lang == "zh":
            return f"{b.year}年{b.month}月{b.day}日"
        if lang == "en":
            return self.r.choice(
                [
                    b.isoformat(),
                    f"{b.day} {months_en[b.month - 1]} {b.year}",
                    f"{months_en[b.month - 1]} {b.day}, {b.year}",
                    b.strftime("%m/%d/%Y"),
                ]
            )
        return self.r.choice([b.strftime("%d.%m.%Y"), b.strftime("%d/%m/%Y"), b.isoformat()])

    def street(self, cc: str) -> str:
        r = self.r
        if cc == "DE":
            return f"{r.choice(['Haupt', 'Bahnhof', 'Linden', 'Schiller', 'Garten'])}{r.choice(['straße', 'weg', 'allee'])} {r.randrange(1, 150)}"
        if cc == "NL":
            return f"{r.choice(['Kerk', 'Molen', 'Dorps', 'Stations'])}{r.choice(['straat', 'weg', 'laan'])} {r.randrange(1, 150)}"
        if cc == "FR":
            return f"{r.randrange(1, 120)} {r.choice(['rue', 'avenue', 'boulevard'])} {r.choice(['de la Paix', 'Victor Hugo', 'du Général Leclerc', 'des Lilas', 'Jean Jaurès'])}"
        if cc in ("ES", "MX"):
            return f"{r.choice(['Calle', 'Avenida', 'Paseo'])} {r.choice(['Mayor', 'de Alcalá', 'del Prado', 'Reforma', 'Juárez'])} {r.randrange(1, 200)}"
        if cc == "IT":
            return f"{r.choice(['Via', 'Corso', 'Viale'])} {r.choice(['Roma', 'Garibaldi', 'Mazzini', 'Cavour', 'Dante'])} {r.randrange(1, 200)}"
        if cc == "BR":
            return (
                f"Rua {r.choice(['Augusta', 'Oscar Freire', 'das Flores'])}, {r.randrange(1, 2000)}"
            )
        return f"{r.randrange(1, 9999)} {r.choice(['Baker', 'Maple', 'Oak', 'Harbour', 'Queen', 'King', 'Elm', 'Victoria'])} {r.choice(['Street', 'Road', 'Avenue', 'Lane', 'Drive'])}"

    def zh_address(self) -> str:
        r = self.r
        return (
            r.choice(
                [
                    "广东省深圳市南山区",
                    "上海市浦东新区",
                    "浙江省杭州市西湖区",
                    "北京市朝阳区",
                    "江苏省苏州市工业园区",
                ]
            )
            + r.choice(["科技园路", "世纪大道", "文三路", "建国路", "星湖街"])
            + f"{r.randrange(1, 999)}号"
            + r.choice(["", f"{r.randrange(1, 30)}栋{r.randrange(101, 2505)}室"])
        )

    def postal(self, cc: str) -> str:
        r = self.r
        if cc == "GB":
            return f"{r.choice(['SW1A', 'EC1A', 'M1', 'LS1', 'BS8', 'G2'])} {r.randrange(1, 9)}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        if cc == "US":
            return f"{r.randrange(10000, 99999)}"
        if cc == "CA":
            return f"{r.choice('KLMNTV')}{r.randrange(1, 9)}{r.choice('ABCEGH')} {r.randrange(1, 9)}{r.choice('ABCEGH')}{r.randrange(1, 9)}"
        if cc == "NL":
            return f"{r.randrange(1000, 9999)} {r.choice(['AB', 'CD', 'GH', 'KL', 'XZ'])}"
        if cc == "JP":
            return f"〒{r.randrange(100, 999)}-{r.randrange(1000, 9999)}"
        if cc == "BR":
            return f"{r.randrange(10000, 99999)}-{r.randrange(100, 999)}"
        if cc in ("CN", "IN"):
            return f"{r.randrange(100000, 999999)}"
        return f"{r.randrange(10000, 99999)}"

    def negatives(self) -> str:
        r = self.r
        return r.choice(
            [
                f"Order #{r.randrange(100000, 9999999)} contains {r.randrange(1, 9)} x {r.choice(PRODUCTS)} at {r.randrange(5, 900)}.{r.randrange(10, 99)} EUR.",
                f"SKU {self.upper(3)}-{self.digits(5)}, batch {self.digits(8)}, weight {r.randrange(1, 30)}.{r.randrange(0, 9)} kg.",
                f"Tracking {self.bad_card()} via DHL Express, parcel {r.randrange(1, 4)} of {r.randrange(4, 6)}.",
                f"The {r.choice(PRODUCTS)} arrived damaged; Customer Service promised a replacement by Friday.",
                f"HS code {r.randrange(1000, 9999)}.{r.randrange(10, 99)}, quantity {r.randrange(1, 500)}, invoice value USD {r.randrange(100, 99999)}.",
                f"订单号 {self.digits(12)}，商品：{r.choice(['蓝牙耳机', '保温杯', '运动鞋'])} {r.randrange(1, 9)} 件。",
                f"Version {r.randrange(1, 9)}.{r.randrange(0, 20)}.{r.randrange(0, 99)} of the app shows error code {self.digits(6)}.",
            ]
        )


# ISO alpha-3 for the MRZ lines of the countries we generate.
ALPHA3 = {
    "US": "USA",
    "GB": "GBR",
    "DE": "D<<",
    "FR": "FRA",
    "CN": "CHN",
    "IN": "IND",
    "ES": "ESP",
    "IT": "ITA",
}
