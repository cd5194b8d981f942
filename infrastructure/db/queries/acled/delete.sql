-- Events deleted at the source, and events whose newest version left the dataset's scope
-- (dated before start_date, or of a country not listed). A version held that is newer
-- than the deletion (or than the version read) stays.
WITH latest AS (
    SELECT DISTINCT ON (event_id_cnty) event_id_cnty, "timestamp", event_date, country
    FROM {staged} ORDER BY event_id_cnty, "timestamp" DESC, id DESC
), gone AS (
    SELECT event_id_cnty, max(deleted_timestamp) AS stamp FROM {deleted} GROUP BY event_id_cnty
    UNION ALL
    SELECT event_id_cnty, "timestamp" FROM latest
    WHERE NOT (event_date >= %(start_date)s
               AND (cardinality(%(countries)s::text[]) = 0 OR country = ANY (%(countries)s::text[])))
), removed AS (
    DELETE FROM {target} t USING gone g
    WHERE t.event_id_cnty = g.event_id_cnty AND t."timestamp" <= g.stamp
    RETURNING 1
)
SELECT count(*) AS deleted FROM removed;
