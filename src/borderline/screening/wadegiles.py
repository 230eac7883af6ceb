"""Wade–Giles → pinyin: the older romanisation of Mandarin that lists still carry for Taiwanese
names and for aliases taken from older sources ("Mao Tse-tung" is "Mao Zedong", "Teng
Hsiao-ping" "Deng Xiaoping", "Kuo" "Guo").

A token is read as one to four Wade–Giles syllables and turned into every pinyin spelling it can
stand for. The lists drop Wade–Giles' apostrophes and umlauts, so an aspirated and a plain
initial are written alike (``ch`` is pinyin ``zh``/``ch`` before most vowels and ``j``/``q``
before ``i`` and ``ü``; ``k`` is ``g``/``k``; ``t`` is ``d``/``t``); only spellings that are
Mandarin syllables are kept (the inventory is the readings of ``pypinyin``'s dictionary, tones
and ``ü`` dropped as passports drop them). The conversion is the published syllable
correspondence; nothing here was tuned on list pairs.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

# Mandarin syllables (pypinyin 0.55 readings, tones removed, ü written u).
PINYIN = frozenset(
    """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai
    can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua
    chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de
    dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er
    fa fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua
    guai guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai
    huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka
    kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan
    lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lue lun
    luo ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai
    nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nue
    nuo o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia
    qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong
    rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she
    shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan
    sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun
    tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu
    xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang
    zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua
    zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
    """.split()
)

# Wade–Giles initial → pinyin initials (aspiration marks dropped, so both readings).
_INITIALS: dict[str, tuple[str, ...]] = {
    "ch": ("zh", "ch", "j", "q"),
    "hs": ("x",),
    "ts": ("z", "c"),
    "tz": ("z", "c"),
    "ss": ("s",),
    "sz": ("s",),
    "sh": ("sh",),
    "k": ("g", "k"),
    "p": ("b", "p"),
    "t": ("d", "t"),
    "j": ("r",),
    "h": ("h",),
    "m": ("m",),
    "n": ("n",),
    "l": ("l",),
    "f": ("f",),
    "s": ("s",),
    "w": ("w",),
    "y": ("y",),
    "": ("",),
}
# Wade–Giles final → pinyin finals; the initial narrows some of them below.
_FINALS: dict[str, tuple[str, ...]] = {
    "a": ("a",), "ai": ("ai",), "an": ("an",), "ang": ("ang",), "ao": ("ao",), "ei": ("ei",),
    "en": ("en",), "eng": ("eng",), "e": ("e",), "eh": ("e",), "erh": ("er",), "i": ("i",),
    "ia": ("ia",), "iang": ("iang",), "iao": ("iao",), "ieh": ("ie",), "ien": ("ian",),
    "in": ("in",), "ing": ("ing",), "iu": ("iu",), "iung": ("iong",), "ih": ("i",),
    "o": ("o", "uo"), "ou": ("ou",), "u": ("u",), "ua": ("ua",), "uai": ("uai",),
    "uan": ("uan",), "uang": ("uang",), "uei": ("ui",), "ui": ("ui",), "un": ("un",),
    "ung": ("ong",), "uo": ("uo",), "ueh": ("ue",),
}  # fmt: skip
# Whole syllables written apart from the pattern: "yen" is yan, "i" is yi.
_WHOLE = {"yen": "yan", "yeh": "ye", "yung": "yong", "i": "yi", "erh": "er", "yu": "yu"}
_ORDER = sorted(_INITIALS, key=len, reverse=True)
_MAX_SYLLABLES = 4
_MAX_SPELLINGS = 64


def _syllable(initial: str, final: str) -> tuple[str, ...]:
    whole = initial + final
    if whole in _WHOLE:
        return (_WHOLE[whole],)
    finals = _FINALS.get(final)
    if finals is None:
        return ()
    if final == "o" and initial in ("k", "h", ""):
        finals = ("e", "o")  # ko is ge/ke, ho is he, o is e
    if final == "u" and initial in ("tz", "ss", "sz"):
        finals = ("i",)  # tzu is zi, ssu/szu is si
    out: list[str] = []
    for ini in _INITIALS[initial]:
        if final == "ih" and ini in ("j", "q", "x"):
            continue  # chih is zhi/chi, never ji/qi
        if initial == "ch" and final.startswith("i") and final != "ih" and ini in ("zh", "ch"):
            continue  # chi, chien, ching are ji/qi, jian/qian, jing/qing
        out.extend(s for f in finals if (s := ini + f) in PINYIN and s not in out)
    return tuple(out)


def _readings(token: str, syllables: int, first: bool = True) -> list[list[tuple[str, ...]]]:
    """Every split of ``token`` into Wade–Giles syllables, each syllable as its pinyin options."""
    if not token:
        return [[]]
    if syllables == 0:
        return []
    out: list[list[tuple[str, ...]]] = []
    for initial in _ORDER:
        if not token.startswith(initial) or (not initial and not first):
            # A syllable that starts with a vowel is written apart (hyphen, apostrophe) after
            # another one; inside a word it would be read as the previous syllable's end.
            continue
        rest = token[len(initial) :]
        for n in range(min(len(rest), 4), 0, -1):
            options = _syllable(initial, rest[:n])
            if options:
                out.extend([options, *tail] for tail in _readings(rest[n:], syllables - 1, False))
    return out


@lru_cache(maxsize=65536)
def pinyin_spellings(token: str) -> frozenset[str]:
    """The pinyin words a Wade–Giles token (lower case, apostrophes and hyphens removed) can
    stand for; empty when it is not Wade–Giles or stands for too many."""
    if not token.isalpha() or len(token) > 20:
        return frozenset()
    out: set[str] = set()
    for reading in _readings(token, _MAX_SYLLABLES):
        for spelling in product(*reading):
            out.add("".join(spelling))
            if len(out) > _MAX_SPELLINGS:
                return frozenset()
    out.discard(token)
    return frozenset(out)


@lru_cache(maxsize=65536)
def is_pinyin(token: str, syllables: int = _MAX_SYLLABLES) -> bool:
    """Whether ``token`` is one to four Mandarin syllables written in pinyin."""
    if not token:
        return True
    if syllables == 0:
        return False
    return any(
        token[:n] in PINYIN and is_pinyin(token[n:], syllables - 1)
        for n in range(min(len(token), 6), 0, -1)
    )


# Pinyin first letters a Wade–Giles word's first letter can become (a cheap test first).
_FIRST = {
    "c": "zcjq", "h": "xh", "t": "dtzc", "s": "s", "k": "gk", "p": "bp", "j": "r", "m": "m",
    "n": "n", "l": "l", "f": "f", "w": "w", "y": "y", "a": "a", "e": "e", "i": "y", "o": "e",
}  # fmt: skip


def _could_be(wade_giles: str, pinyin: str) -> bool:
    first = _FIRST.get(wade_giles[0])
    return (
        first is not None
        and pinyin[0] in first
        and -4 <= len(pinyin) - len(wade_giles) <= 2
        and pinyin in pinyin_spellings(wade_giles)
    )


def same_in_pinyin(a: str, b: str) -> bool:
    """Whether one token is the other's Wade–Giles spelling."""
    return _could_be(a, b) or _could_be(b, a)


# The first letter a pinyin word has when written in Wade–Giles, for the cheap length-and-letter
# test that decides whether joining adjacent words is worth trying.
WADE_GILES_FIRST = {
    "d": "t", "z": "t", "c": "t", "j": "c", "q": "c", "x": "h", "g": "k", "b": "p", "r": "j",
}  # fmt: skip
