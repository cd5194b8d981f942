SELECT * FROM h3.aggregations WHERE source_id = %(source_id)s AND resolution = %(resolution)s;
