"""Job types used by the engine tests: each exercises one rule (fan-out from any stage,
skip conditions, retries, poison tasks, timeouts, concurrency, side effects).

Module-level so worker subprocesses (tests/engine_worker.py) can import the same registry.
"""

import time

import numpy
from pydantic import BaseModel, Field

from core.engine.definitions import (
    FailurePolicy,
    ItemsFrom,
    JobDefinition,
    RetryPolicy,
    StageDefinition,
)
from core.errors import InvalidInput
from jobs.registry import HANDLERS as PLATFORM_HANDLERS
from jobs.registry import JOB_DEFINITIONS as PLATFORM_JOBS
from services.engine.context import TaskContext
from services.engine.handlers import HandlerRegistry, JobRegistry, handler

FAST_RETRY = RetryPolicy(
    max_tries=3, backoff_base_seconds=0.05, backoff_max_seconds=0.2, jitter=0.1
)

TEST_TABLES = """
CREATE TABLE IF NOT EXISTS public.test_effects (task_id bigint PRIMARY KEY, job_id text NOT NULL, value int NOT NULL);
CREATE TABLE IF NOT EXISTS public.test_executions (task_id bigint NOT NULL, tries int NOT NULL, at timestamptz DEFAULT clock_timestamp());
CREATE TABLE IF NOT EXISTS public.test_spans (task_id bigint NOT NULL, tag text NOT NULL,
                                              started timestamptz NOT NULL, ended timestamptz NOT NULL);
"""


class Empty(BaseModel):
    pass


class Count(BaseModel):
    count: int


class Item(BaseModel):
    item: int


class Value(BaseModel):
    value: int


# -- effects: a side effect keyed by task id (idempotent), counted per execution ------


class EffectsParams(BaseModel):
    n: int = Field(ge=1, le=100_000)
    sleep_ms: int = Field(0, ge=0, le=10_000)
    tag: str = "run"


class EffectParams(BaseModel):
    item: int
    sleep_ms: int


@handler("test.effect")
def write_effect(params: EffectParams, ctx: TaskContext) -> Value:
    with ctx.adapters.db.connection() as conn:
        conn.execute(
            "INSERT INTO public.test_executions (task_id, tries) VALUES (%s, %s)",
            (ctx.task_id, ctx.tries),
        )
    if params.sleep_ms:
        time.sleep(params.sleep_ms / 1000)
    with ctx.adapters.db.connection() as conn:
        conn.execute(
            "INSERT INTO public.test_effects (task_id, job_id, value) VALUES (%s, %s, %s) ON CONFLICT (task_id) DO NOTHING",
            (ctx.task_id, ctx.job_id, params.item),
        )
    return Value(value=params.item)


class SourceStage(BaseModel):
    source_stage: str


@handler("test.count_effects")
def count_effects(params: SourceStage, ctx: TaskContext) -> Count:
    return Count(count=sum(1 for _ in ctx.results_of(params.source_stage)))


EFFECTS = JobDefinition(
    job_type="test_effects",
    description="n idempotent side effects, then a fan-in count",
    parameters_model=EffectsParams,
    stages=(
        StageDefinition(
            name="write",
            task_type="test.effect",
            fan_out="per_item",
            max_concurrency=500,
            retry=FAST_RETRY,
            planner=lambda ctx: (
                {"item": i, "sleep_ms": ctx.parameters.sleep_ms} for i in range(ctx.parameters.n)
            ),
        ),
        StageDefinition(name="count", task_type="test.count_effects", fan_out="fan_in"),
    ),
)


# -- flaky: fails its first `fail_times` executions ----------------------------------


class FlakyParams(BaseModel):
    fail_times: int = Field(0, ge=0)
    permanent: bool = False
    tag: str = "flaky"


@handler("test.flaky")
def flaky(params: FlakyParams, ctx: TaskContext) -> Count:
    if ctx.tries <= params.fail_times:
        if params.permanent:
            raise InvalidInput(f"bad input on try {ctx.tries}")
        raise RuntimeError(f"transient failure on try {ctx.tries}")
    return Count(count=ctx.tries)


FLAKY = JobDefinition(
    job_type="test_flaky",
    description="one task failing its first tries",
    parameters_model=FlakyParams,
    stages=(StageDefinition(name="try", task_type="test.flaky", retry=FAST_RETRY),),
)


# -- poison: task 0 always raises; strict and tolerant failure policies ---------------


class PoisonParams(BaseModel):
    n: int = Field(4, ge=1)
    tag: str = "poison"


@handler("test.poison")
def poison(params: Item, ctx: TaskContext) -> Value:
    if params.item == 0:
        raise RuntimeError("poisoned item 0")
    return Value(value=params.item)


def _poison_job(job_type: str, share: float) -> JobDefinition:
    return JobDefinition(
        job_type=job_type,
        description=f"task 0 always fails; tolerated share {share}",
        parameters_model=PoisonParams,
        stages=(
            StageDefinition(
                name="items",
                task_type="test.poison",
                fan_out="per_item",
                retry=FAST_RETRY,
                failure=FailurePolicy(tolerate_failure_share=share),
                planner=lambda ctx: ({"item": i} for i in range(ctx.parameters.n)),
            ),
            StageDefinition(name="count", task_type="test.count_effects", fan_out="fan_in"),
        ),
    )


POISON_STRICT = _poison_job("test_poison_strict", 0.0)
POISON_TOLERANT = _poison_job("test_poison_tolerant", 0.5)


# -- spans: records when each task ran, to check max_concurrency across workers -------


class SpansParams(BaseModel):
    n: int = Field(ge=1)
    sleep_ms: int = Field(100, ge=0)
    tag: str = "spans"


class SpanParams(BaseModel):
    item: int
    sleep_ms: int
    tag: str


@handler("test.span")
def span(params: SpanParams, ctx: TaskContext) -> Value:
    started = time.time()
    deadline = started + params.sleep_ms / 1000
    while time.time() < deadline:
        ctx.check()  # cancellation reaches a running task here
        # figures as numpy and other libraries hand them out: the heartbeat must carry them
        ctx.progress.update(
            done=numpy.int64(int((time.time() - started) * 1000)),
            total=numpy.float32(params.sleep_ms),
            ratio=float("nan"),
            note=object(),
        )
        time.sleep(0.01)
    with ctx.adapters.db.connection() as conn:
        conn.execute(
            "INSERT INTO public.test_spans (task_id, tag, started, ended) VALUES (%s, %s, to_timestamp(%s), clock_timestamp())",
            (ctx.task_id, params.tag, started),
        )
    return Value(value=params.item)


SPANS = JobDefinition(
    job_type="test_spans",
    description="sleeping tasks, at most 3 at a time",
    parameters_model=SpansParams,
    stages=(
        StageDefinition(
            name="sleep",
            task_type="test.span",
            fan_out="per_item",
            max_concurrency=3,
            planner=lambda ctx: (
                {"item": i, "sleep_ms": ctx.parameters.sleep_ms, "tag": ctx.parameters.tag}
                for i in range(ctx.parameters.n)
            ),
        ),
    ),
)


# -- hang: ignores its context and outlives its timeout -------------------------------


class HangParams(BaseModel):
    seconds: float = 3.0
    tag: str = "hang"


@handler("test.hang")
def hang(params: HangParams, ctx: TaskContext) -> Count:
    time.sleep(params.seconds)
    return Count(count=1)


HANG = JobDefinition(
    job_type="test_hang",
    description="a task that never checks its context and times out",
    parameters_model=HangParams,
    stages=(
        StageDefinition(
            name="hang",
            task_type="test.hang",
            timeout_seconds=1,
            retry=RetryPolicy(max_tries=2, backoff_base_seconds=0.05, jitter=0),
        ),
    ),
)


# -- branching: a skipped stage, and fan-out over a stage that is not the previous one -


class BranchParams(BaseModel):
    size: int = Field(3, ge=0)
    take_detour: bool = False
    tag: str = "branch"


class Listing(BaseModel):
    items: list[int]


@handler("test.list")
def make_list(params: BranchParams, ctx: TaskContext) -> Listing:
    return Listing(items=list(range(params.size)))


@handler("test.square")
def square(params: Item, ctx: TaskContext) -> Value:
    return Value(value=params.item * params.item)


@handler("test.detour")
def detour(params: BranchParams, ctx: TaskContext) -> Count:
    return Count(count=-1)


BRANCHING = JobDefinition(
    job_type="test_branching",
    description="list, optional detour, square each listed item",
    parameters_model=BranchParams,
    stages=(
        StageDefinition(name="list", task_type="test.list"),
        StageDefinition(
            name="detour",
            task_type="test.detour",
            when=lambda ctx: ctx.parameters.take_detour,
            when_description="parameters.take_detour",
        ),
        StageDefinition(
            name="square",
            task_type="test.square",
            fan_out="per_item",
            items=ItemsFrom.stage_results("list", "items"),
        ),
    ),
)

TEST_JOBS = [EFFECTS, FLAKY, POISON_STRICT, POISON_TOLERANT, SPANS, HANG, BRANCHING]
TEST_HANDLERS = [write_effect, count_effects, flaky, poison, span, hang, make_list, square, detour]


def registry_with_test_jobs() -> JobRegistry:
    """The platform's jobs plus the test jobs, checked like the real registry."""
    return JobRegistry(
        [*PLATFORM_JOBS, *TEST_JOBS], HandlerRegistry([*PLATFORM_HANDLERS, *TEST_HANDLERS])
    )
