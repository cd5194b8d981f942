"""Loading items into pgSTAC: inserted when new, upserted when any is there already — or
when another writer added one between the check and the insert."""

import psycopg

from infrastructure.db.pgstac_loader import PgstacWriter, pgstac_writer
from tests.stac_shapes import s2_collection, s2_item


class Racing(PgstacWriter):
    """Says the collection holds none of the items, as it did a moment before another
    writer added one."""

    def any_item_exists(self, collection_id, item_ids):
        return False


def contents(platform, collection_id: str) -> dict:
    with psycopg.connect(platform.settings.dsn) as conn:
        rows = conn.execute(
            "SELECT id, content FROM pgstac.items WHERE collection = %s", (collection_id,)
        ).fetchall()
    return dict(rows)


def test_new_items_are_inserted_and_known_ones_upserted(platform, tag):
    collection_id = f"load-{tag}"
    items = [s2_item(collection_id, i) for i in range(6)]
    with pgstac_writer(platform.db) as writer:
        writer.upsert_collections([s2_collection(collection_id)])
        assert writer.load_items(collection_id, items[:3]) == "insert"
        changed = [dict(items[2], properties=dict(items[2]["properties"], platform="sentinel-2c"))]
        assert writer.load_items(collection_id, changed + items[3:]) == "upsert"
    stored = contents(platform, collection_id)
    assert len(stored) == 6 and stored[items[2]["id"]]["properties"]["platform"] == "sentinel-2c"

    with (
        platform.db.connection() as conn
    ):  # the race: the check saw nothing, the insert meets a row
        conn.autocommit = True
        conn.execute("SET search_path TO pgstac, public")
        try:
            assert (
                Racing(conn).load_items(collection_id, items[5:] + [s2_item(collection_id, 6)])
                == "upsert"
            )
        finally:
            conn.execute("RESET search_path")
            conn.autocommit = False
    assert len(contents(platform, collection_id)) == 7
