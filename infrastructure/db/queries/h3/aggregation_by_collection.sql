SELECT * FROM h3.aggregations WHERE collection_id = %(collection_id)s;
