"""ISO 3166-1 alpha-2 country codes (the set `country_code` must come from), from pycountry."""

from __future__ import annotations

from functools import cache


@cache
def country_codes() -> list[str]:
    import pycountry

    # XK: Kosovo, not in ISO 3166 yet but the code Europe and GeoNames use for it
    return sorted({c.alpha_2 for c in pycountry.countries} | {"XK"})
