"""Folded country names, alpha-3 codes and common aliases, mapped to ISO 3166 alpha-2.

Any other two-letter code that ``phonenumbers`` knows as a region is accepted as it is.
"""

from __future__ import annotations

__all__ = ["COUNTRY_ALIASES"]

# alpha-2: folded spellings (names, alpha-3 code, aliases)
_TABLE: dict[str, tuple[str, ...]] = {
    "GB": (
        "united kingdom",
        "uk",
        "u k",
        "gbr",
        "great britain",
        "britain",
        "england",
        "scotland",
        "wales",
        "northern ireland",
        "united kingdom of great britain and northern ireland",
    ),
    "US": (
        "united states",
        "united states of america",
        "usa",
        "u s a",
        "u s",
        "america",
    ),
    "IE": ("ireland", "irl", "republic of ireland", "eire"),
    "FR": ("france", "fra"),
    "DE": ("germany", "deu", "deutschland"),
    "ES": ("spain", "esp", "espana"),
    "PT": ("portugal", "prt"),
    "IT": ("italy", "ita", "italia"),
    "NL": ("netherlands", "nld", "the netherlands", "holland"),
    "BE": ("belgium", "bel"),
    "LU": ("luxembourg", "lux"),
    "CH": ("switzerland", "che"),
    "AT": ("austria", "aut"),
    "DK": ("denmark", "dnk"),
    "SE": ("sweden", "swe"),
    "NO": ("norway", "nor"),
    "FI": ("finland", "fin"),
    "IS": ("iceland", "isl"),
    "PL": ("poland", "pol"),
    "CZ": ("czech republic", "czechia", "cze"),
    "HU": ("hungary", "hun"),
    "RO": ("romania", "rou"),
    "BG": ("bulgaria", "bgr"),
    "GR": ("greece", "grc"),
    "TR": ("turkey", "turkiye", "tur"),
    "RU": ("russia", "russian federation", "rus"),
    "UA": ("ukraine", "ukr"),
    "CA": ("canada", "can"),
    "MX": ("mexico", "mex"),
    "BR": ("brazil", "bra"),
    "AR": ("argentina", "arg"),
    "AU": ("australia", "aus"),
    "NZ": ("new zealand", "nzl"),
    "ZA": ("south africa", "zaf", "rsa"),
    "NG": ("nigeria", "nga"),
    "KE": ("kenya", "ken"),
    "EG": ("egypt", "egy"),
    "IN": ("india", "ind"),
    "PK": ("pakistan", "pak"),
    "BD": ("bangladesh", "bgd"),
    "CN": ("china", "chn", "peoples republic of china", "prc"),
    "HK": ("hong kong", "hkg"),
    "JP": ("japan", "jpn"),
    "KR": ("south korea", "korea", "republic of korea", "kor"),
    "SG": ("singapore", "sgp"),
    "MY": ("malaysia", "mys"),
    "PH": ("philippines", "phl"),
    "AE": ("united arab emirates", "uae", "are"),
    "SA": ("saudi arabia", "sau"),
    "IL": ("israel", "isr"),
}

#: folded spelling -> ISO 3166 alpha-2
COUNTRY_ALIASES: dict[str, str] = {
    alias: code for code, aliases in _TABLE.items() for alias in aliases
}
