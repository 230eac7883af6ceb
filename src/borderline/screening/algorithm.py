"""The matching algorithm in force: its version and its documented decision threshold.

Scores are a function of the algorithm version: its constants, its vocabulary
(``data/vocabulary.yaml``) and its frequency tables (``data/*_freq_<version>.json.gz``) never
change once released; a better algorithm gets a new version, and persisted indexes built by
another version are rebuilt.
"""

from __future__ import annotations

ALGORITHM = "v4"
# Documented decision threshold: a match at or above it is reported as a hit.
THRESHOLD = 0.80
# Longest name screened, in characters.
MAX_NAME_CHARS = 1000
