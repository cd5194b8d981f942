-- The orchestration engine's tables. PostgreSQL is the single source of truth: a task
-- row *is* the message in local mode, and every state change is a compare-and-swap.
-- Status columns are TEXT with CHECK constraints (enums are hard to evolve).

CREATE TABLE app.jobs (
    job_id          text PRIMARY KEY,                    -- sha256(job_type + canonical params)
    job_type        text        NOT NULL,
    parameters      jsonb       NOT NULL,
    status          text        NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'processing', 'completed', 'completed_with_errors', 'failed', 'cancelled')),
    attempt         integer     NOT NULL DEFAULT 1,      -- bumped by an explicit resubmit
    current_stage   integer     NOT NULL DEFAULT 0,      -- 1-based; 0 before stage 1 is planned
    total_stages    integer     NOT NULL CHECK (total_stages > 0),
    result          jsonb,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    completed_at    timestamptz
);
CREATE INDEX jobs_status_created_idx ON app.jobs (status, created_at DESC);
CREATE INDEX jobs_type_created_idx ON app.jobs (job_type, created_at DESC);
CREATE INDEX jobs_created_idx ON app.jobs (created_at DESC);

-- Per-stage counters kept in step with task transitions, so completing a task costs
-- O(1) and nobody counts rows to learn whether a stage is finished. Claiming touches
-- task rows only (no counter), so claims never queue behind a stage's row lock.
CREATE TABLE app.job_stages (
    job_id           text        NOT NULL REFERENCES app.jobs ON DELETE CASCADE,
    attempt          integer     NOT NULL,
    stage            integer     NOT NULL CHECK (stage > 0),
    name             text        NOT NULL,
    task_type        text        NOT NULL,
    status           text        NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'completed', 'completed_with_errors', 'failed', 'skipped', 'cancelled')),
    max_concurrency  integer     NOT NULL CHECK (max_concurrency > 0),
    total            integer     NOT NULL DEFAULT 0,
    completed        integer     NOT NULL DEFAULT 0,
    failed           integer     NOT NULL DEFAULT 0,
    released         integer     NOT NULL DEFAULT 0,     -- queued + running: bounded by max_concurrency
    started_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    PRIMARY KEY (job_id, attempt, stage)
);

CREATE TABLE app.tasks (
    task_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id           text        NOT NULL REFERENCES app.jobs ON DELETE CASCADE,
    attempt          integer     NOT NULL,               -- the job attempt this task belongs to
    stage            integer     NOT NULL,
    task_index       integer     NOT NULL,
    task_type        text        NOT NULL,
    parameters       jsonb       NOT NULL,
    status           text        NOT NULL
        CHECK (status IN ('pending', 'queued', 'running', 'completed', 'failed', 'cancelled')),
    tries            integer     NOT NULL DEFAULT 0,     -- executions started
    max_tries        integer     NOT NULL CHECK (max_tries > 0),
    timeout_seconds  integer     NOT NULL CHECK (timeout_seconds > 0),
    worker_id        text,
    lease_until      timestamptz,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    dispatched_at    timestamptz,                        -- last publish to Service Bus
    progress         jsonb,                              -- last figures from ctx.progress
    result           jsonb,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    completed_at     timestamptz,
    UNIQUE (job_id, attempt, stage, task_index),
    FOREIGN KEY (job_id, attempt, stage) REFERENCES app.job_stages ON DELETE CASCADE
);
-- Claiming scans only claimable rows, oldest due first.
CREATE INDEX tasks_claimable_idx ON app.tasks (next_attempt_at, task_id) WHERE status = 'queued';
-- Releasing the next pending task of a stage (max_concurrency).
CREATE INDEX tasks_pending_idx ON app.tasks (job_id, attempt, stage, task_index) WHERE status = 'pending';
-- The reconciler's sweep over expired leases.
CREATE INDEX tasks_running_lease_idx ON app.tasks (lease_until) WHERE status = 'running';

CREATE TABLE app.job_events (
    event_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      text        NOT NULL REFERENCES app.jobs ON DELETE CASCADE,
    attempt     integer     NOT NULL,
    event       text        NOT NULL,
    stage       integer,
    task_id     bigint,
    detail      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_events_job_idx ON app.job_events (job_id, event_id);
