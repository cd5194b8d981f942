"""Azure Service Bus connection (azure-servicebus)."""

from azure.servicebus import ServiceBusClient

from config import Settings


def make_servicebus_client(settings: Settings) -> ServiceBusClient:
    """From a connection string, or from the namespace with managed identity."""
    if settings.servicebus_connection is not None:
        return ServiceBusClient.from_connection_string(settings.servicebus_connection.get_secret_value())
    if settings.servicebus_namespace:
        from azure.identity import DefaultAzureCredential

        return ServiceBusClient(settings.servicebus_namespace, credential=DefaultAzureCredential())
    raise ValueError("Service Bus is not configured: set SERVICEBUS_CONNECTION or SERVICEBUS_NAMESPACE")
