"""Azure Functions entry point (Python v2 programming model).

Thin on purpose: builds settings and the platform (no network or database access at
import) and registers the Azure runtime's functions from triggers/azure (docs/azure.md):
one HTTP function serving the same ASGI app the local host serves, the orchestrator and
its activities, the Service Bus worker and the timers.
"""

import azure.durable_functions as df
import azure.functions as func

from config import Settings
from config.logging_setup import configure_logging
from triggers.azure import register_azure_functions
from triggers.azure.notifier import DurableJobNotifier
from triggers.azure.starter import OrchestratorStarter
from triggers.composition import Platform
from triggers.http.app import create_app

settings = Settings()
configure_logging(
    settings
)  # before anything logs: httpx quieted, credentials scrubbed from every record
# Jobs a function opens get an orchestrator; stages it finishes become events on them.
notifier = DurableJobNotifier(OrchestratorStarter(enabled=settings.runtime_mode == "azure"))
platform = Platform.build(settings, notifier=notifier)
asgi = func.AsgiMiddleware(create_app(platform))

# The app authenticates itself (keys or Easy Auth's principal, docs/security.md): the
# host lets every request through to it.
app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
register_azure_functions(app, platform, asgi, notifier)
