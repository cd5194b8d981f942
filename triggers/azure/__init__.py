"""The Azure runtime: Durable orchestrator per job, its activities, the Service Bus
worker, timer triggers and the HTTP functions that start orchestrators (docs/azure.md).

`register_azure_functions` adds them to the function app; it does no I/O.
"""

import azure.functions as func
from azure.durable_functions import DFApp

from triggers.azure import activities, http_jobs, orchestrator, task_worker, timers
from triggers.azure.notifier import DurableStageNotifier
from triggers.azure.starter import OrchestratorStarter
from triggers.azure.task_runner import TaskRunner
from triggers.composition import Platform


def register_azure_functions(app: DFApp, platform: Platform, asgi: func.AsgiMiddleware, notifier: DurableStageNotifier) -> None:
    """`notifier` must be the one the platform's engine announces finished stages to."""
    settings = platform.settings
    starter = OrchestratorStarter(enabled=settings.runtime_mode == "azure")
    orchestrator.register(app, settings.orchestrator_wait_seconds)
    activities.register(app, platform.engine)
    task_worker.register(app, platform.engine, TaskRunner(platform), notifier, settings.servicebus_task_queue)
    timers.register(app, platform, notifier, starter)
    http_jobs.register(app, asgi, starter)
