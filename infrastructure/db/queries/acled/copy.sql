-- Text format as the fetch tasks write it (tabs between values, escapes for tab, line
-- break, carriage return and backslash), an empty value NULL in every column, text included.
-- Types are COPY's to check.
COPY {table} ({columns}) FROM STDIN (FORMAT text, NULL '');
