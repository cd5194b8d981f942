-- CSV as the fetch tasks write it: every value quoted, and an empty one ('' from ACLED, a
-- missing value) NULL in every column, text included. Types are COPY's to check.
COPY {table} ({columns}) FROM STDIN (FORMAT csv, FORCE_NULL ({columns}));
