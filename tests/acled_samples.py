"""Generated ACLED events as the API sends them: every value a string, '' for a missing one,
notes with commas, quotes and line breaks, the source's own spellings ("Demostrations"),
and a few events whose coordinates are impossible. Deterministic for a given seed."""

import random
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

EVENT_TYPES = {
    "Battles": ("Political violence", ["Armed clash", "Government regains territory"]),
    "Violence against civilians": (
        "Political violence",
        ["Attack", "Abduction/forced disappearance"],
    ),
    "Explosions/Remote violence": (
        "Political violence",
        ["Air/drone strike", "Shelling/artillery/missile attack"],
    ),
    "Riots": ("Demostrations", ["Violent demonstration", "Mob violence"]),
    "Protests": ("Demostrations", ["Peaceful protest", "Protest with intervention"]),
    "Strategic developments": (
        "Strategic developments",
        ["Agreement", "Looting/property destruction"],
    ),
}
COUNTRIES = [
    ("Nigeria", "566", "Western Africa", "NIG", 9.1, 8.7),
    ("Sudan", "729", "Northern Africa", "SUD", 15.5, 30.2),
    ("Ukraine", "804", "Europe", "UKR", 48.4, 31.2),
    ("Mexico", "484", "Central America", "MEX", 23.6, -102.5),
    ("Myanmar", "104", "Southeast Asia", "MMR", 21.9, 95.9),
    ("Brazil", "76", "South America", "BRA", -14.2, -51.9),
]
NOTES = [
    'On {day}, armed men attacked a village near {place}; 3 houses were burnt, "several" people fled.',
    "On {day}, residents protested in {place} over fuel prices.\nPolice dispersed the crowd.",
    "On {day}, an agreement was signed in {place}, ending the dispute (size=no report).\r\nNo casualties.",
]
# Unix seconds the generated events are stamped around (ACLED's timestamp: last change)
EPOCH = datetime(2018, 1, 1, tzinfo=timezone.utc)


def stamp_of(day: date, rng: random.Random) -> int:
    """An event is stamped (uploaded) a few days to a few weeks after it happened."""
    moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(
        days=rng.uniform(2, 20)
    )
    return int(moment.timestamp())


def event(number: int, day: date, rng: random.Random, impossible: bool = False) -> dict[str, str]:
    country, iso, region, prefix, lat, lon = COUNTRIES[number % len(COUNTRIES)]
    event_type = list(EVENT_TYPES)[rng.randrange(len(EVENT_TYPES))]
    disorder, subtypes = EVENT_TYPES[event_type]
    fatalities = 0 if rng.random() < 0.6 else int(rng.paretovariate(1.2))
    place = f"Town {number % 997}"
    latitude, longitude = f"{lat + rng.uniform(-3, 3):.4f}", f"{lon + rng.uniform(-3, 3):.4f}"
    if impossible:
        latitude, longitude = (("123.4567", longitude), ("", ""), (latitude, "-190.5"))[number % 3]
    return {
        "event_id_cnty": f"{prefix}{number}",
        "event_date": day.isoformat(),
        "year": str(day.year),
        "time_precision": str(1 + number % 3),
        "disorder_type": disorder,
        "event_type": event_type,
        "sub_event_type": subtypes[number % 2],
        "actor1": f"Military Forces of {country}",
        "assoc_actor_1": "" if number % 4 else "Police Forces",
        "inter1": str(1 + number % 8),
        "actor2": "" if event_type == "Protests" else f"Unidentified Armed Group ({country})",
        "assoc_actor_2": "",
        "inter2": str(number % 9),
        "interaction": str(10 + number % 80),
        "civilian_targeting": "Civilian targeting"
        if event_type == "Violence against civilians"
        else "",
        "iso": iso,
        "region": region,
        "country": country,
        "admin1": f"Province {number % 17}",
        "admin2": f"District {number % 53}",
        "admin3": "",
        "location": place,
        "latitude": latitude,
        "longitude": longitude,
        "geo_precision": str(1 + number % 3),
        "source": "Local newspaper; Radio",
        "source_scale": "National",
        "notes": NOTES[number % len(NOTES)].format(day=day.isoformat(), place=place),
        "fatalities": str(fatalities),
        "tags": "crowd size=no report" if event_type == "Protests" else "",
        "timestamp": str(stamp_of(day, rng)),
    }


def events(count: int, **options) -> list[dict[str, str]]:
    """`count` events spread over `days` days from `start`; with impossible_every=n, every
    n-th event has an impossible (or missing) position."""
    return list(iter_events(count, **options))


def iter_events(
    count: int,
    *,
    start: date = date(2024, 1, 1),
    days: int = 120,
    impossible_every: int = 0,
    first_number: int = 1,
    seed: int = 13,
) -> Iterator[dict[str, str]]:
    """events(), one at a time (a million need not be in memory at once)."""
    rng = random.Random(seed)
    for offset in range(count):
        number = first_number + offset
        day = start + timedelta(days=offset * days // max(count, 1))
        yield event(
            number, day, rng, impossible=bool(impossible_every) and number % impossible_every == 0
        )
