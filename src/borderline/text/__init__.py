"""Text normalisation shared by every domain: transliteration to Latin, name tokens, phonetics.

The public API is deliberately small and pure (no I/O, no state):

- ``transliterate(text)``: any script to ASCII Latin (Han via pinyin, Arabic with its article).
- ``normalize(text)``: NFKC, transliteration, casefolding, punctuation folded to single spaces.
- ``tokens(text)``: ``normalize(text).split()``.
- ``scripts(text)``: the Unicode scripts a text uses (``latin``, ``cyrillic``, ``arabic``, …).
- ``phonetic(token)``: a Metaphone key, for spelling variants (Mohammed/Muhammad).
- ``skeleton(token)``: consonant skeleton, to compare romanisations of abjad scripts.
"""

from borderline.text._normalize import (
    is_abjad,
    normalize,
    phonetic,
    scripts,
    skeleton,
    tokens,
    transliterate,
)

__all__ = ["is_abjad", "normalize", "phonetic", "scripts", "skeleton", "tokens", "transliterate"]
