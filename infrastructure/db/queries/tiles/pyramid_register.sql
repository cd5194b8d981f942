INSERT INTO tiles.pyramids (table_name, version, max_zoom, tiles, bytes, seconds)
VALUES (%(table_name)s, %(version)s, %(max_zoom)s, %(tiles)s, %(bytes)s, %(seconds)s)
ON CONFLICT (table_name) DO UPDATE SET version = EXCLUDED.version, max_zoom = EXCLUDED.max_zoom,
    tiles = EXCLUDED.tiles, bytes = EXCLUDED.bytes, seconds = EXCLUDED.seconds, built_at = now();
