"""The Azure runtime: the HTTP function, a Durable orchestrator per job and its
activities, the Service Bus worker and the timers (docs/azure.md).

`register_azure_functions` adds them to the function app; it does no I/O.
"""

import azure.functions as func
from azure.durable_functions import DFApp

from triggers.azure import activities, http, orchestrator, task_worker, timers
from triggers.azure.notifier import DurableJobNotifier
from triggers.azure.task_runner import TaskRunner
from triggers.composition import Platform


def register_azure_functions(
    app: DFApp, platform: Platform, asgi: func.AsgiMiddleware, notifier: DurableJobNotifier
) -> None:
    """`notifier` must be the one the platform's engine announces to."""
    settings = platform.settings
    http.register(app, asgi, notifier)
    orchestrator.register(app, settings.orchestrator_wait_seconds)
    activities.register(app, platform.engine)
    task_worker.register(
        app, platform.engine, TaskRunner(platform), notifier, settings.servicebus_task_queue
    )
    timers.register(app, platform, notifier)
