"""Where the administrative divisions come from, as plain data the importer can write.

The current (from 1 July 2025) two-level structure comes from the installed `vietnam-provinces`
package: 34 provinces, 3,321 communes. The release that installs on Python 3.11 (2025.10.1) has no
`legacy` module and no table from old to new units (both arrived in 2026.2, which needs Python 3.12),
so the three-level structure before the reform (63 provinces, 696 districts, 10,051 communes) is read
from `data/legacy_divisions_2025-01-04.json`, taken from vietnam-provinces 0.6.0 (see data/README.md).
Neither source says which old unit became which new one, so nothing here invents a successor.
"""

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from vietnam_provinces import Province, VietNamDivisionType, Ward

LEGACY_DATA = Path(__file__).resolve().parent / "data" / "legacy_divisions_2025-01-04.json"

# Longest first, so "Thành phố " wins over nothing and "Thị trấn " over "Thị xã " never clash.
_TYPE_PREFIXES = ("Thành phố ", "Thị trấn ", "Đặc khu ", "Thị xã ", "Phường ", "Huyện ", "Quận ", "Tỉnh ", "Xã ")


@dataclass(frozen=True)
class Division:
    """One administrative division as a source describes it; `children` are the level below."""

    official_code: str
    name: str
    children: tuple["Division", ...] = field(default=())

    @property
    def short_name(self) -> str:
        return short_name_of(self.name)

    def count(self) -> int:
        """This division and everything below it."""
        return 1 + sum(child.count() for child in self.children)


def short_name_of(name: str) -> str:
    """"Phường Hoàn Kiếm" → "Hoàn Kiếm"; a bare number ("Quận 1") keeps its type word, since "1" alone
    names nothing."""
    for prefix in _TYPE_PREFIXES:
        if name.startswith(prefix):
            rest = name[len(prefix):].strip()
            return name if not rest or rest.isdigit() else rest
    return name


def normalise_province_code(code: str) -> str | None:
    """"1", "01" and " 01 " all mean Hà Nội; anything that is not a one- or two-digit number is no code."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 2:
        return None
    return f"{int(code):02d}"


def current_province(code: str) -> Division | None:
    """The province with this code in the structure in force since 1 July 2025, with its communes."""
    code = normalise_province_code(code)
    if code is None:
        return None
    try:
        province = Province.from_code(int(code))
    except ValueError:
        return None
    name = province.name
    if province.division_type == VietNamDivisionType.TINH and not name.startswith("Tỉnh "):
        # The package spells provinces bare ("Cao Bằng") but cities in full ("Thành phố Hà Nội");
        # documents and seals use the full name for both.
        name = f"Tỉnh {name}"
    communes = tuple(
        Division(official_code=f"{ward.code.value:05d}", name=ward.name)
        for ward in sorted(Ward.iter_by_province(province.code), key=lambda w: w.code.value)
    )
    return Division(official_code=code, name=name, children=communes)


def current_province_codes() -> list[str]:
    return sorted(f"{p.code.value:02d}" for p in Province.iter_all())


@cache
def _legacy_provinces() -> dict[str, Division]:
    raw = json.loads(LEGACY_DATA.read_text(encoding="utf-8"))
    provinces = {}
    for p in raw["provinces"]:
        districts = tuple(
            Division(
                official_code=d["code"], name=d["name"],
                children=tuple(Division(official_code=c, name=n) for c, n in d["communes"]),
            )
            for d in p["districts"]
        )
        provinces[p["code"]] = Division(official_code=p["code"], name=p["name"], children=districts)
    return provinces


def legacy_province(code: str) -> Division | None:
    """The province with this code in the structure before 1 July 2025, with districts and communes."""
    code = normalise_province_code(code)
    return None if code is None else _legacy_provinces().get(code)


def legacy_province_codes() -> list[str]:
    return sorted(_legacy_provinces())
