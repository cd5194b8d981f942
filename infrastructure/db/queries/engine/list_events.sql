SELECT e.*, count(*) OVER () AS total_count
FROM app.job_events e
WHERE e.job_id = %(job_id)s
ORDER BY e.event_id
LIMIT %(limit)s OFFSET %(offset)s;
