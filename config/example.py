"""Writes local.settings.example.json from the Settings defaults:
python -m config.example > local.settings.example.json (a unit test keeps them equal)."""

import json

from pydantic import SecretStr

from config.settings import Settings

# Keys the Functions host itself reads; not GeoETL settings. ServiceBusConnection is the
# Service Bus trigger's connection (a connection string; on Azure, with managed identity,
# ServiceBusConnection__fullyQualifiedNamespace instead).
HOST_VALUES = {
    "FUNCTIONS_WORKER_RUNTIME": "python",
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "ServiceBusConnection": "",
}


def example_values() -> dict[str, str]:
    values = {}
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, SecretStr):
            default = default.get_secret_value()
        values[name.upper()] = "" if default is None else str(default)
    return values


def example_document() -> dict:
    return {"IsEncrypted": False, "Values": HOST_VALUES | example_values()}


if __name__ == "__main__":
    print(json.dumps(example_document(), indent=2))
