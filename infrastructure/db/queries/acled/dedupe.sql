-- An event read twice (revised while the load ran, or staged again by a task that ran
-- twice) keeps its newest version.
DELETE FROM {table} s
USING (SELECT ctid FROM (SELECT ctid, row_number() OVER (PARTITION BY event_id_cnty ORDER BY "timestamp" DESC, id DESC) AS n
                         FROM {table}) ranked
       WHERE ranked.n > 1) duplicate
WHERE s.ctid = duplicate.ctid;
