-- The deletions an increment read (GET /api/deleted/read): which event, and when.
CREATE TABLE {table} (
    event_id_cnty     text   NOT NULL,
    deleted_timestamp bigint NOT NULL
);
