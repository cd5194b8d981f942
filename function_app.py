"""Azure Functions entry point (Python v2 programming model).

Thin on purpose: builds settings and the platform (no network or database access at
import), hands every HTTP request to the same ASGI app the local host serves, and
registers the Azure runtime's functions from triggers/azure (docs/azure.md).
"""

import azure.durable_functions as df
import azure.functions as func

from config import Settings
from config.logging_setup import configure_logging
from triggers.azure import register_azure_functions
from triggers.azure.notifier import DurableStageNotifier
from triggers.composition import Platform
from triggers.http.app import create_app

settings = Settings()
configure_logging(settings)  # before anything logs: httpx quieted, credentials scrubbed from every record
notifier = DurableStageNotifier()  # finished stages become events on the jobs' orchestrators
platform = Platform.build(settings, notifier=notifier)
asgi = func.AsgiMiddleware(create_app(platform))

# Authentication is the app's own (ADMIN_API_KEY on admin routes); Azure's host may put
# its function keys or Easy Auth in front as well.
app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.function_name("http_api")
@app.route(route="{*route}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def http_api(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return await asgi.handle_async(req, context)


register_azure_functions(app, platform, asgi, notifier)
