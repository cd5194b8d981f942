"""The task handlers this package registers (listed by jobs/registry.py). Kept out of
the package's __init__, which its own modules import through."""

from services.raster.catalog import catalog_raster
from services.raster.cogging import make_cog, make_part
from services.raster.inspect import inspect_raster

HANDLERS = [inspect_raster, make_part, make_cog, catalog_raster]
