"""The one root Settings object.

Sources, highest priority first: constructor arguments, process environment (Azure
Functions app settings arrive this way), the `Values` of `local.settings.json` when
present, then the defaults below (the same values `local.settings.example.json` lists).
"""

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from config.metrics_config import MetricsSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_SETTINGS_FILE = PROJECT_ROOT / "local.settings.json"

# Azurite's published development account; not a secret (documented by Microsoft).
AZURITE_CONNECTION_STRING = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)

# The only settings a curated dataset's `credential_settings` may name: credentials of the
# sources themselves. Platform secrets (ADMIN_API_KEY, DATABASE_URL,
# STORAGE_CONNECTION_STRING, ...) are never sent to a source, whatever a registry entry says.
SOURCE_CREDENTIAL_SETTINGS = ("IBAT_AUTH_KEY", "IBAT_AUTH_TOKEN", "ACLED_EMAIL", "ACLED_PASSWORD")

# One SOURCE_ALLOWED_HOSTS entry: `host`, `host:port`, `.suffix` (any subdomain), or an IP
# literal (IPv6 in brackets), optionally with a port.
ALLOWED_HOST_ENTRY = re.compile(r"^(\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$")


class LocalSettingsJsonSource(PydanticBaseSettingsSource):
    """Reads the `Values` object of Functions' local.settings.json."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path):
        super().__init__(settings_cls)
        self._values = _read_values(path)

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ is used
        return self._values.get(field_name.upper()), field_name, False

    def __call__(self) -> dict[str, Any]:
        names = {name.upper(): name for name in self.settings_cls.model_fields}
        return {names[k]: v for k, v in self._values.items() if k in names and v != ""}


def _read_values(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    return json.loads(path.read_text()).get("Values", {})


class Settings(BaseSettings, MetricsSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    # runtime
    runtime_mode: Literal["local", "azure"] = "local"
    log_level: str = "INFO"
    api_host: str = "127.0.0.1"
    api_port: int = 7071

    # database
    database_url: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5439/geoetl")
    db_pool_min_size: int = Field(1, ge=0)
    db_pool_max_size: int = Field(10, ge=1)
    db_connect_timeout_seconds: float = Field(5.0, gt=0)

    # blob storage: a connection string (Azurite, keys) or an account URL (managed identity)
    storage_connection_string: SecretStr | None = SecretStr(AZURITE_CONNECTION_STRING)
    storage_account_url: str | None = None
    bronze_container: str = "bronze"
    silver_container: str = "silver"

    # task delivery
    queue_backend: Literal["postgres", "servicebus"] = "postgres"
    servicebus_connection: SecretStr | None = None
    servicebus_namespace: str | None = None
    servicebus_task_queue: str = "geoetl-tasks"

    # engine
    local_workers: int = Field(2, ge=0, description="worker threads inside the local host")
    worker_threads: int = Field(2, ge=1, description="threads of a standalone `worker` process")
    worker_batch_size: int = Field(50, ge=1, le=1000)
    worker_poll_seconds: float = Field(0.5, gt=0)
    lease_seconds: float = Field(30.0, gt=0)
    heartbeat_seconds: float = Field(10.0, gt=0)
    reconcile_interval_seconds: float = Field(15.0, gt=0)
    stale_dispatch_seconds: float = Field(120.0, gt=0)
    orchestrator_wait_seconds: float = Field(
        60.0,
        gt=0,
        description="Azure: how long a job's orchestrator waits for a stage_finished event before reconciling",
    )

    # maps (docs/maps.md)
    tile_cache_bytes: int = Field(
        128 * 1024**2,
        ge=0,
        description="memory per API process for tiles already made (vector and raster; 0: none)",
    )
    tile_pyramid_min_features: int = Field(
        20_000,
        ge=1,
        description="tables with this many features or more have "
        "their unfiltered vector tiles up to z6 made ahead (docs/maps.md)",
    )

    # curated reference datasets (docs/curated.md); credentials are named by the registry
    ibat_base_url: str = "https://api.ibat-alliance.org/v1"
    ibat_auth_key: SecretStr | None = None
    ibat_auth_token: SecretStr | None = None
    curated_download_max_bytes: int = Field(
        10 * 1024**3, ge=1, description="largest source download accepted"
    )
    http_timeout_seconds: float = Field(
        60.0, gt=0, description="connect/read timeout for external APIs"
    )
    http_max_retries: int = Field(
        4, ge=0, le=10, description="retries of 429/5xx answers from external APIs"
    )
    curated_scheduler_cron: str = Field(
        "* * * * *", description="how often the local host evaluates dataset schedules"
    )
    acled_base_url: str = "https://acleddata.com"
    acled_email: SecretStr | None = None
    acled_password: SecretStr | None = None
    acled_api_key: SecretStr | None = Field(
        None,
        description="ACLED's retired key + email API: never sent; an update fails saying so when only this is set",
    )
    source_allowed_hosts: str = Field(
        "api.ibat-alliance.org,acleddata.com",
        description="hosts outbound requests may reach, comma-separated: host (ports 80/443), host:port, "
        ".example.com (any subdomain); private and loopback addresses only when listed by exact host or IP",
    )

    # access (docs/security.md)
    admin_api_key: SecretStr | None = Field(
        None, description="the bootstrap admin key; other keys live hashed in app.api_keys"
    )
    public_data_anonymous: bool = Field(
        True,
        description="anonymous callers may read public data (health, OGC Features, STAC, tiles, styles); "
        "false: a reader key is needed for those too",
    )
    trust_easy_auth: bool = Field(
        False,
        description="Azure: take roles from App Service authentication's X-MS-CLIENT-PRINCIPAL header "
        "(only where Easy Auth strips that header from clients)",
    )
    public_base_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="absolute links in OGC/STAC responses start here (default: the URL the request came in on)",
    )
    api_max_body_bytes: int = Field(
        1024**2, ge=1024, description="largest JSON body a non-upload route accepts"
    )
    http_body_idle_timeout_seconds: float = Field(
        30.0, gt=0, description="a request body that stalls this long is cut off (408)"
    )
    http_body_min_bytes_per_second: int = Field(
        8 * 1024,
        ge=0,
        description="after 10 s, a body arriving slower than this on average is cut off (408)",
    )
    rate_limit_writes: str = Field(
        "120/minute", description="per principal: POST/PUT/DELETE requests (limits syntax)"
    )
    rate_limit_reads: str = Field(
        "3000/minute", description="per principal (per client address when anonymous): GETs"
    )
    job_max_tasks: int = Field(100_000, ge=1, description="most tasks one job attempt may plan")
    key_max_tasks_per_hour: int = Field(
        250_000,
        ge=1,
        description="most tasks the jobs of one non-admin principal may plan per hour",
    )

    # health
    health_timeout_seconds: float = Field(3.0, gt=0)

    # vector ETL (docs/vector.md)
    upload_max_bytes: int = Field(
        2 * 1024**3, ge=1, description="largest file POST /api/uploads accepts"
    )
    archive_max_uncompressed_bytes: int = Field(
        8 * 1024**3,
        ge=1,
        description="a zip may expand to at most this many bytes in total (zip-bomb guard)",
    )
    archive_max_ratio: float = Field(
        200.0,
        gt=1,
        description="largest uncompressed/compressed size ratio of a zip member (zip-bomb guard)",
    )
    archive_max_members: int = Field(10_000, ge=1, description="most entries a zip may hold")
    archive_max_depth: int = Field(
        3, ge=0, le=10, description="archives nested in archives are opened this deep"
    )
    vector_default_crs: str = Field(
        "EPSG:4326", description="assumed (with a warning) when a source has no CRS"
    )
    vector_chunk_features: int = Field(
        25_000, ge=1, description="features per load task (fast-seek formats)"
    )
    vector_max_columns: int = Field(
        1000, ge=1, le=1500, description="attribute columns a source may have"
    )
    vector_report_sample_size: int = Field(
        20, ge=0, le=1000, description="source feature ids kept per drop reason"
    )
    vector_vertex_tolerance: float = Field(
        1e-9,
        ge=0,
        description="consecutive vertices closer than this (degrees, after reprojection) are merged",
    )
    vector_work_dir: str = Field(
        "", description="local cache of downloaded and unpacked sources (default: temp dir)"
    )
    vector_cache_max_bytes: int = Field(
        50 * 1024**3, ge=0, description="the cache is trimmed to this size"
    )
    vector_staging_retention_hours: float = Field(
        24.0,
        ge=0,
        description="staging tables of a failed/cancelled load are kept this long (for a retry)",
    )
    stac_vector_collection: str = Field(
        "vectors", description="pgSTAC collection of published vector tables"
    )

    # raster COGs (docs/raster.md)
    raster_tiled_cog_min_pixels: int = Field(
        16 * 1024**2,
        ge=1,
        description="rasters with at least this many pixels get their COG made by several tasks",
    )
    raster_cog_part_pixels: int = Field(
        16 * 1024**2, ge=512 * 512, description="pixels per COG part task, about"
    )
    raster_tile_threads: int = Field(
        0,
        ge=0,
        le=64,
        description="threads per API process drawing raster tiles and previews (0: one per core)",
    )
    raster_gdal_threads: str = Field(
        "ALL_CPUS",
        pattern=r"^(ALL_CPUS|[1-9][0-9]{0,2})$",
        description="GDAL compression threads per COG task: ALL_CPUS, or fewer when several workers share a machine",
    )
    raster_scratch_retention_hours: float = Field(
        24.0,
        ge=0,
        description="scratch blobs of a failed or cancelled tiled-COG job are kept this long (for a retry), "
        "then the reconciler deletes them",
    )

    # STAC collection ingestion (docs/ingest.md)
    ingest_document_max_bytes: int = Field(
        64 * 1024**2,
        ge=1024,
        description="largest JSON document read whole: a catalog, collection, item or "
        "ItemCollection (NDJSON is read in ranges, whatever its size)",
    )
    ingest_external_max_bytes: int = Field(
        10 * 1024**3, ge=1, description="largest external asset copy_external downloads"
    )

    # H3 zonal aggregation (docs/h3.md)
    h3_task_pixels: int = Field(
        4 * 1024**2,
        ge=1024,
        description="raster pixels per h3_aggregate cell task, about (its window's size)",
    )
    h3_task_max_levels: int = Field(
        4,
        ge=0,
        le=6,
        description="most resolutions between a task's parent cell and the cells (7^n cells a task)",
    )
    stac_h3_collection: str = Field(
        "h3-aggregations", description="pgSTAC collection of published H3 aggregations"
    )

    @field_validator(
        "storage_connection_string",
        "servicebus_connection",
        "admin_api_key",
        "ibat_auth_key",
        "ibat_auth_token",
        "acled_email",
        "acled_password",
        "acled_api_key",
        "public_base_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("source_allowed_hosts")
    @classmethod
    def _allowed_host_entries(cls, value: str) -> str:
        bad = [entry for entry in _entries(value) if not ALLOWED_HOST_ENTRY.match(entry)]
        if bad:
            raise ValueError(
                f"entries must be host, host:port or .suffix (no scheme or path): {', '.join(bad)}"
            )
        return value

    @property
    def allowed_source_hosts(self) -> list[str]:
        """SOURCE_ALLOWED_HOSTS as a list of lowercase entries."""
        return _entries(self.source_allowed_hosts)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            LocalSettingsJsonSource(settings_cls, LOCAL_SETTINGS_FILE),
        )

    @property
    def heartbeat_interval(self) -> float:
        """Heartbeats also flush task progress, so they run at least once per metrics sample."""
        return min(self.heartbeat_seconds, self.metrics_sample_interval)

    @property
    def dsn(self) -> str:
        return self.database_url.get_secret_value()

    def secret_values(self) -> tuple[str, ...]:
        """The values of every secret setting that is set, longest first (for log scrubbing)."""
        values = {
            value.get_secret_value()
            for name in type(self).model_fields
            if isinstance(value := getattr(self, name), SecretStr) and value.get_secret_value()
        }
        return tuple(sorted(values, key=len, reverse=True))


def _entries(value: str) -> list[str]:
    return [entry.strip().lower() for entry in value.split(",") if entry.strip()]
