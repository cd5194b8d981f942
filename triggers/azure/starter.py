"""Starting a job's orchestrator (instance id = job id, input = job id)."""

import logging
from typing import Any

from triggers.azure.names import ORCHESTRATOR

log = logging.getLogger(__name__)


class OrchestratorStarter:
    """Starts orchestrators in Azure mode. With RUNTIME_MODE=local (the Functions host run
    against the local stack) jobs are driven without them, so `start` does nothing."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    async def start(self, client: Any, job_id: str) -> None:
        """A failure is logged, not raised: the job is already committed, its tasks are
        delivered and its stages advance without an orchestrator, and the reconciler
        timer sweeps what the orchestrator would have."""
        if not self.enabled:
            return
        try:
            await client.start_new(ORCHESTRATOR, instance_id=job_id, client_input=job_id)
        except Exception as exc:  # the SDK raises bare Exception, e.g. the instance is still running (it then follows the new attempt)
            log.warning("orchestrator for job %s not started: %s", job_id[:12], exc)
