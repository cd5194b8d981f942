-- Both ends from the event_date index.
SELECT min(event_date) AS first_date, max(event_date) AS last_date FROM {table};
