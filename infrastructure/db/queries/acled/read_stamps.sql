-- The newest stamps an increment read (the next version's, with those held).
SELECT (SELECT coalesce(max("timestamp"), 0) FROM {staged}) AS newest_timestamp,
       (SELECT count(*) FROM {staged}) AS events_read,
       (SELECT coalesce(max(deleted_timestamp), 0) FROM {deleted}) AS newest_deleted,
       (SELECT count(*) FROM {deleted}) AS deletions_read;
