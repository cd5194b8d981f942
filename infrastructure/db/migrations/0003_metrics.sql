-- Live job metrics: time-series snapshots per job, written by the metrics sampler from
-- SQL aggregates over all tasks (never from whichever task wrote last).
CREATE TABLE app.job_metrics (
    sample_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id           text        NOT NULL REFERENCES app.jobs ON DELETE CASCADE,
    attempt          integer     NOT NULL,
    sampled_at       timestamptz NOT NULL DEFAULT now(),
    status           text        NOT NULL,
    stage            integer     NOT NULL,
    stage_name       text,
    total_stages     integer     NOT NULL,
    tasks_total      integer     NOT NULL,   -- current stage
    tasks_completed  integer     NOT NULL,
    tasks_failed     integer     NOT NULL,
    tasks_running    integer     NOT NULL,
    tasks_queued     integer     NOT NULL,
    tasks_pending    integer     NOT NULL,
    jobs_tasks_done  bigint      NOT NULL,   -- all stages of the attempt: the rate's basis
    units_done       double precision,       -- from ctx.progress, summed over the stage's tasks
    units_total      double precision,
    unit             text,
    rate_per_min     double precision,       -- tasks per minute over the rolling window
    units_per_sec    double precision,
    eta_seconds      double precision,       -- current stage; NULL while the rate is unknown
    context          jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX job_metrics_job_time_idx ON app.job_metrics (job_id, sampled_at DESC);
CREATE INDEX job_metrics_time_idx ON app.job_metrics (sampled_at);
