"""The 31 fields of an ACLED event, in the API's order, with their types in the target
table and what they mean (ACLED codebook). Every value arrives as a string; the types
here are what COPY makes of them ('' is a missing value: NULL)."""

from core.models.metadata import ColumnDefinition

EVENT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id_cnty", "text", "event identifier: country prefix and number (the key)"),
    ("event_date", "date", "day the event took place"),
    ("year", "integer", "year of the event"),
    ("time_precision", "integer", "precision of event_date: 1 day, 2 week, 3 month"),
    (
        "disorder_type",
        "text",
        "Political violence, Demonstrations, Strategic developments (values as ACLED spells them)",
    ),
    (
        "event_type",
        "text",
        "Battles, Violence against civilians, Explosions/Remote violence, Riots, Protests, "
        "Strategic developments",
    ),
    ("sub_event_type", "text", "the event type's subdivision, e.g. Armed clash, Peaceful protest"),
    ("actor1", "text", "first named actor"),
    ("assoc_actor_1", "text", "actors associated with actor1"),
    ("inter1", "integer", "type of actor1 (ACLED's interaction code)"),
    ("actor2", "text", "second named actor"),
    ("assoc_actor_2", "text", "actors associated with actor2"),
    ("inter2", "integer", "type of actor2 (ACLED's interaction code)"),
    ("interaction", "integer", "the pair of actor types, inter1 and inter2 combined"),
    ("civilian_targeting", "text", "'Civilian targeting' where civilians were the target"),
    ("iso", "text", "ISO 3166-1 numeric code of the country"),
    ("region", "text", "ACLED region"),
    ("country", "text", "country or territory"),
    ("admin1", "text", "largest sub-national administrative region"),
    ("admin2", "text", "second-largest sub-national administrative region"),
    ("admin3", "text", "third-largest sub-national administrative region"),
    ("location", "text", "name of the location"),
    ("latitude", "numeric", "latitude of the location, as ACLED gives it"),
    ("longitude", "numeric", "longitude of the location, as ACLED gives it"),
    ("geo_precision", "integer", "precision of the location: 1 exact, 2 near, 3 region"),
    ("source", "text", "sources of the event report"),
    ("source_scale", "text", "scale of the sources (Local, National, International, …)"),
    ("notes", "text", "description of the event"),
    ("fatalities", "integer", "reported fatalities"),
    ("tags", "text", "structured tags (e.g. crowd size)"),
    (
        "timestamp",
        "bigint",
        "when ACLED last changed the event (Unix seconds): the version rule's field",
    ),
)
FIELD_NAMES: tuple[str, ...] = tuple(name for name, _type, _description in EVENT_FIELDS)
# Not from the source: derived by the table itself (create_events.sql).
DERIVED = (("timestamp_utc", "timestamptz", "timestamp as a date and time (UTC)"),)
DELETION_FIELDS: tuple[str, ...] = ("event_id_cnty", "deleted_timestamp")


def column_definitions() -> list[ColumnDefinition]:
    """The attribute columns as the catalog lists them (id and geom are implied)."""
    from_source = [
        ColumnDefinition(name=name, type=pg_type, source_name=name, description=text)
        for name, pg_type, text in EVENT_FIELDS
    ]
    return from_source + [
        ColumnDefinition(name=name, type=pg_type, description=text)
        for name, pg_type, text in DERIVED
    ]
