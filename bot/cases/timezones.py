"""The customer's timezone as an associate types it: a city ("New York", "paris") or an IANA name
("America/New_York"), turned into the IANA name dates are converted with."""

from __future__ import annotations

import functools
import unicodedata
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

SUGGEST_SCORE = 80


@functools.lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], dict[str, str]]:
    """(lower-case IANA name -> name, lower-case city -> name). A city in several zones (links such as
    Asia/Istanbul and Europe/Istanbul, which keep the same time) resolves to the most regular name."""
    zones = sorted(available_timezones(), key=lambda z: ("/" not in z, z.startswith(("Etc/", "SystemV/")),
                                                        len(z), z))
    by_name = {zone.lower(): zone for zone in zones}
    by_city: dict[str, str] = {}
    for zone in zones:
        by_city.setdefault(zone.rsplit("/", 1)[-1].replace("_", " ").lower(), zone)
    return by_name, by_city


def resolve_timezone(typed: str) -> str:
    """The IANA name for `typed`, or ValueError with a message for the associate (and a suggestion)."""
    by_name, by_city = _names()
    text = unicodedata.normalize("NFKD", " ".join(typed.split())).encode("ascii", "ignore").decode()
    for candidate in (text, text.split(",")[0].strip()):
        key = candidate.lower()
        zone = by_name.get(key) or by_name.get(key.replace(" ", "_")) or by_city.get(key)
        if zone:
            return zone
    guess = process.extractOne(text.lower(), list(by_city), scorer=fuzz.ratio, score_cutoff=SUGGEST_SCORE)
    hint = f" Did you mean {guess[0].title()} ({by_city[guess[0]]})?" if guess else ""
    raise ValueError(f"I don't know that timezone.{hint} Type the nearest big city, like New York or Paris, "
                     "or a zone like America/New_York.")
