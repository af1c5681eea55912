"""Synthetic best-practices messages for the search benchmark and the recall test: 20 to 60 words each,
domain words mixed with a Zipf-distributed invented vocabulary (names, places, products, typos), so the
index vocabulary grows with the corpus as real chat does. Seeded: the same corpus every run."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

DOMAIN = ("customer order delivery late shipment carrier courier warehouse stock stockout backorder supplier "
          "delay invoice refund voucher discount upgrade replacement alternative loaner demo unit manager call "
          "email apology gift install appointment technician engineer depot pallet van parcel tracking "
          "cancel cancelled waited chose offered promised date week friday monday tomorrow fixed worked "
          "tried found checked shelf system inventory transfer branch store competitor retail express "
          "overnight rush printer toner chairs desks laptop monitor sofa fridge boiler parts spares quote").split()
FILLER = "the a to and we of for it was on with they that this at by our their from as but so then".split()
CAUSES = ["stock-out", "supplier-delay", "logistics", "capacity", "quality", "system-error", "force-majeure",
          "other"]
SYLLABLES = "ka lo mi re sa tu ven dor bri gal mon ter pol wis cran del fy ho jun ric sel ta vo zem".split()


def invented_words(rng: random.Random, count: int) -> list[str]:
    words = set()
    while len(words) < count:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def messages(count: int, *, seed: int = 7) -> Iterator[tuple[str, str]]:
    """(text, cause) pairs."""
    rng = random.Random(seed)
    lexicon = invented_words(rng, max(2000, count // 8))
    # Cumulative weights once: `choices(weights=...)` would add them all up again for every message.
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(lexicon))))
    for _ in range(count):
        length = rng.randint(20, 60)
        picks = []
        invented = rng.choices(lexicon, cum_weights=cumulative, k=length // 3)
        for i in range(length):
            roll = rng.random()
            if roll < 0.35:
                picks.append(rng.choice(FILLER))
            elif roll < 0.7:
                picks.append(rng.choice(DOMAIN))
            else:
                picks.append(invented[i % len(invented)])
        yield " ".join(picks).capitalize() + ".", rng.choice(CAUSES)
