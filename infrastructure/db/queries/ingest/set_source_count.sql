UPDATE h3.source_catalog SET item_count = %(item_count)s, updated_at = now() WHERE id = %(id)s;
