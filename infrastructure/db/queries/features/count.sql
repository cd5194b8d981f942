SELECT count(*) AS matched FROM {table} t WHERE {where};
