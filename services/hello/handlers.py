"""hello_world's three task types: greet, reply (one per greeting), summarize (fan-in)."""

from pydantic import BaseModel

from services.engine.context import TaskContext
from services.engine.handlers import handler
from core.engine.results import each_result


class GreetParams(BaseModel):
    index: int
    message: str


class Greeting(BaseModel):
    index: int
    greeting: str


class Reply(BaseModel):
    index: int
    reply: str


class FanInParams(BaseModel):
    source_stage: str


class Summary(BaseModel):
    replies: int
    first: str | None
    last: str | None


@handler("hello.greet")
def greet(params: GreetParams, ctx: TaskContext) -> Greeting:
    return Greeting(index=params.index, greeting=f"{params.message} #{params.index}")


@handler("hello.reply")
def reply(params: Greeting, ctx: TaskContext) -> Reply:
    return Reply(index=params.index, reply=f"reply to {params.greeting!r}")


@handler("hello.summarize")
def summarize(params: FanInParams, ctx: TaskContext) -> Summary:
    count, first, last = 0, None, None
    for result in each_result(ctx, params.source_stage, Reply):
        count += 1
        first = first or result.reply
        last = result.reply
        if count % 1000 == 0:
            ctx.check()
            ctx.progress.update(done=count, unit="replies")
    return Summary(replies=count, first=first, last=last)


HANDLERS = [greet, reply, summarize]
