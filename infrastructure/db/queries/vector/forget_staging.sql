DELETE FROM app.vector_staging WHERE staging_table = %(staging_table)s;
