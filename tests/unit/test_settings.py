import json

import pytest
from pydantic import ValidationError

import config.settings as settings_module
from config import Settings
from config.example import example_document
from tests.support import ROOT


def test_example_file_lists_every_setting_with_its_default():
    committed = json.loads((ROOT / "local.settings.example.json").read_text())
    assert committed == example_document(), (
        "regenerate: python -m config.example > local.settings.example.json"
    )
    names = {name.upper() for name in Settings.model_fields}
    assert names <= set(committed["Values"])


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("API_PORT", "8099")
    monkeypatch.setenv("QUEUE_BACKEND", "servicebus")
    settings = Settings()
    assert settings.api_port == 8099
    assert settings.queue_backend == "servicebus"


def test_local_settings_json_values_are_read_below_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "local.settings.json"
    path.write_text(
        json.dumps(
            {
                "Values": {
                    "API_PORT": "7100",
                    "LOG_LEVEL": "DEBUG",
                    "FUNCTIONS_WORKER_RUNTIME": "python",
                }
            }
        )
    )
    monkeypatch.setattr(settings_module, "LOCAL_SETTINGS_FILE", path)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    settings = Settings()
    assert settings.api_port == 7100
    assert settings.log_level == "WARNING"


def test_blank_secrets_mean_unset_and_secrets_never_print(monkeypatch):
    monkeypatch.setenv("ADMIN_API_KEY", "")
    assert Settings().admin_api_key is None
    monkeypatch.setenv("ADMIN_API_KEY", "s3cr3t-value")
    settings = Settings()
    assert "s3cr3t-value" not in repr(settings) and "s3cr3t-value" not in str(settings.model_dump())


def test_invalid_values_are_rejected(monkeypatch):
    monkeypatch.setenv("QUEUE_BACKEND", "kafka")
    with pytest.raises(ValidationError, match="queue_backend"):
        Settings()
