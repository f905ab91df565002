"""The walker's prefilter: whether a file holds any quick-filter token of the detectors that want it.

Most files hold none and stop here, so this test is most of the scan's time. One regex over the
union of the tokens, shaped as a trie of them, is exact but slow: the tokens start with most
letters, so the regex engine tries a match at nearly every position. The test therefore runs in
two stages:

1. an *anchor* regex: for each token, one suffix of it (`environ` -> `viron`) chosen to start
   with a character that is rare in source code and to be rare itself. A file without any anchor
   holds no token (each token contains its anchor): it stops after this cheap scan;
2. for the files stage 1 lets through, the exact regex, *pivoted*: each token is looked for from
   its rarest character, the characters before it checked by a lookbehind (`environ` ->
   `v(?:iron(?<=environ))`), so the engine stops at few positions here too.

The answer is exactly `any(token in text for token in tokens)`; only its cost changes. Both stages
exist for `str` and for `bytes`: an ASCII file is tested on its bytes and decoded only when it
passes (ASCII tokens are in the text exactly when their bytes are in the data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters of source code by how often they occur (Python, JavaScript/TypeScript, YAML, JSON and
# TOML files of FARM repositories), with occurrences per thousand characters. Unlisted ones are rarer.
_COMMON = " et\"sronai\nldc.pu:,m-g/=hf()0\tvby1{}_2xw453jkT6>SCNEAIO879DRM'P<U;Lz[]FBHVqG@KWQ^Y+XJZ|&!"
_PER_MILLE = (
    203.2, 59.3, 43.9, 38.2, 36.3, 34.5, 33.2, 32.3, 31.2, 30.8, 26.7, 22.2, 20.2, 19.5, 19.2, 16.3,
    16.2, 15.4, 15.1, 14.5, 12.7, 11.4, 10.4, 9.9, 9.5, 8.9, 8.2, 8.2, 8.0, 7.7, 7.5, 7.4, 7.4, 7.3,
    6.6, 6.6, 6.5, 6.1, 4.7, 4.3, 4.2, 4.1, 3.9, 3.8, 3.8, 3.6, 3.5, 3.5, 3.1, 3.1, 3.1, 3.1, 2.9,
    2.9, 2.9, 2.9, 2.8, 2.7, 2.6, 2.5, 2.5, 2.5, 2.4, 2.4, 2.3, 2.1, 2.1, 2.0, 1.9, 1.9, 1.8, 1.7,
    1.6, 1.4, 1.4, 1.3, 1.3, 1.2, 1.2, 1.2, 1.1, 1.1, 1.1, 1.1, 1.0, 1.0, 1.0, 0.6, 0.5,
)  # fmt: skip
_FREQUENCY = {char: per_mille / 1000 for char, per_mille in zip(_COMMON, _PER_MILLE, strict=True)}
_RARE = 0.0003
# the weight of a false pass of stage 1 (the exact regex then runs) against a stop of the engine
_FALSE_PASS_WEIGHT = 0.01
_TYPICAL_FILE_CHARS = 2000


def anchor(token: str) -> str:
    """The substring of `token` that stage 1 looks for: a suffix of it (two characters at least)
    that starts with a rare character (each occurrence of its first character costs the regex
    engine a match attempt) and is unlikely to occur in a file at all (each file it occurs in
    without the token costs the exact regex)."""
    if len(token) < 2:
        return token
    best, best_cost = token, float("inf")
    for start in range(len(token) - 1):
        suffix = token[start:]
        chance = float(_TYPICAL_FILE_CHARS)
        for char in suffix:
            chance *= _FREQUENCY.get(char, _RARE)
        cost = _FREQUENCY.get(suffix[0], _RARE) + _FALSE_PASS_WEIGHT * min(chance, 1.0)
        if cost < best_cost:
            best, best_cost = suffix, cost
    return best


def minimal(tokens: Iterable[str]) -> list[str]:
    """The tokens without those that contain another one (finding the shorter one suffices)."""
    kept: list[str] = []
    for token in sorted(dict.fromkeys(tokens), key=lambda t: (len(t), t)):
        if not any(k in token for k in kept):
            kept.append(token)
    return kept


class Prefilter:
    """`admits(data)` / `admits_text(text)`: whether any of `tokens` occurs."""

    __slots__ = ("_anchors", "_exact", "_text")

    def __init__(self, tokens: Iterable[str]) -> None:
        kept = minimal(tokens)
        # no token: nothing passes (an empty regex would match everywhere)
        anchors = trie_pattern(minimal(anchor(t) for t in kept)) if kept else "(?!)"
        exact = pivoted_pattern(kept) if kept else "(?!)"
        self._anchors = re.compile(anchors.encode("utf-8"))
        self._exact = re.compile(exact.encode("utf-8"))
        self._text: tuple[re.Pattern[str], re.Pattern[str]] | None = None  # compiled when first needed

    def admits(self, data: bytes) -> bool:
        """For ASCII data (whose text is its bytes)."""
        return self._anchors.search(data) is not None and self._exact.search(data) is not None

    def admits_text(self, text: str) -> bool:
        if self._text is None:  # most repositories have no non-ASCII file a detector wants
            self._text = (
                re.compile(self._anchors.pattern.decode("utf-8")),
                re.compile(self._exact.pattern.decode("utf-8")),
            )
        anchors, exact = self._text
        return anchors.search(text) is not None and exact.search(text) is not None


def pivot(token: str) -> int:
    """Where to look for `token` from: its rarest character (the last of equally rare ones)."""
    return min(range(len(token)), key=lambda i: (_FREQUENCY.get(token[i], _RARE), -i))


def pivoted_pattern(tokens: Iterable[str]) -> str:
    """A regex matching any of `tokens`, each from its pivot: the pivot character, the rest of the
    token, then a fixed-width lookbehind for the whole token when the pivot is not its first."""
    by_char: dict[str, list[str]] = {}
    for token in tokens:
        if not token:
            return ""  # the empty token occurs in every text
        at = pivot(token)
        rest = re.escape(token[at + 1 :])
        by_char.setdefault(token[at], []).append(rest + (f"(?<={re.escape(token)})" if at else ""))
    branches = []
    for char, tails in sorted(by_char.items()):
        tails = sorted(set(tails))
        branches.append(re.escape(char) + (tails[0] if len(tails) == 1 else "(?:" + "|".join(tails) + ")"))
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of `words`, shaped as a trie of their characters.

    A trie (`mo(?:ngo|tor)`) lets the regex engine reject most positions on their first
    character: about twice as fast as a loop of `in` tests over 70 tokens."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)
