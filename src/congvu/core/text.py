"""Accent-insensitive text folding, shared by every search in congvu.

"nguyen van a" must find "Nguyễn Văn A" on SQLite and PostgreSQL alike, so models keep a folded copy of
what people search (a `search_text` column) and queries fold the user's input the same way. One function,
used on both sides, means the two can never disagree.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d included) and collapse whitespace."""
    if not text:
        return ""
    # NFD splits "ễ" into "e" plus combining marks; "đ" has no decomposition and is mapped by hand.
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def search_terms(query: str | None) -> list[str]:
    """The folded words of a query; a record matches when its folded text contains all of them."""
    return [t for t in fold(query).split(" ") if t]
