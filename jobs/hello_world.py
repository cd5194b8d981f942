"""The reference job: n greetings, one reply per greeting, a fan-in summary."""

from pydantic import Field

from core.engine.definitions import JobDefinition, JobParameters, PlanContext, StageDefinition


class HelloWorldParams(JobParameters):
    n: int = Field(3, ge=1, le=10_000, description="number of greetings (two tasks each)")
    message: str = Field("hello", min_length=1, max_length=200)


def greetings(ctx: PlanContext):
    return ({"index": i, "message": ctx.parameters.message} for i in range(ctx.parameters.n))


HELLO_WORLD = JobDefinition(
    job_type="hello_world",
    description="Reference job: n greeting tasks, one reply per greeting, then a fan-in summary.",
    parameters_model=HelloWorldParams,
    stages=(
        StageDefinition(
            name="greet",
            task_type="hello.greet",
            fan_out="per_item",
            planner=greetings,
            max_concurrency=1000,
        ),
        StageDefinition(
            name="reply", task_type="hello.reply", fan_out="match_previous", max_concurrency=1000
        ),
        StageDefinition(name="summarize", task_type="hello.summarize", fan_out="fan_in"),
    ),
)
