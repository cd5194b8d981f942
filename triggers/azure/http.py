"""The one HTTP function: every path goes to the same ASGI app the local host serves
(`routePrefix` is empty in host.json, so paths are `/api/...` in both runtimes). It runs
inside the notifier's collection, so any job a request opens — jobs API, platform API,
curated update, resubmit, retry, a pipeline run — gets its orchestrator, from one place."""

import azure.functions as func
from azure.durable_functions import DFApp

from triggers.azure.notifier import DurableJobNotifier


def register(app: DFApp, asgi: func.AsgiMiddleware, notifier: DurableJobNotifier) -> None:
    @app.function_name("http_api")
    @app.route(route="{*route}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @app.durable_client_input(client_name="client")
    async def http_api(req: func.HttpRequest, context: func.Context, client) -> func.HttpResponse:
        async with notifier.collecting(client):
            return await asgi.handle_async(req, context)
