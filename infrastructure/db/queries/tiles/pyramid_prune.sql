-- Tiles of versions other than the registered one (older, or half-made by a builder that lost).
DELETE FROM tiles.pyramid_tiles WHERE table_name = %(table_name)s AND version <> %(version)s;
