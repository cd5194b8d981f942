SELECT * FROM h3.aggregations ORDER BY collection_id LIMIT %(limit)s OFFSET %(offset)s;
