"""Names the Functions host and the code must agree on: function names, the external
event, the Service Bus connection setting and the timer schedules."""

ORCHESTRATOR = "job_orchestrator"
ADVANCE_ACTIVITY = "advance_job"
RECONCILE_ACTIVITY = "reconcile_job"
STAGE_FINISHED_EVENT = "stage_finished"

# The app setting (or `__fullyQualifiedNamespace`-suffixed setting group, for managed
# identity) the Functions host reads to connect the Service Bus trigger. Host-level: the
# Python code publishes through SERVICEBUS_CONNECTION / SERVICEBUS_NAMESPACE instead.
SERVICE_BUS_CONNECTION = "ServiceBusConnection"

RECONCILER_SCHEDULE = "0 */5 * * * *"  # every 5 minutes
NIGHTLY_SCHEDULE = "0 0 2 * * *"  # 02:00 UTC daily
METRICS_SCHEDULE = "*/30 * * * * *"  # job metrics samples for the dashboard
