COPY {table} ({columns}) FROM STDIN (FORMAT BINARY);
