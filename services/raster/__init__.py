"""process_raster's task handlers: inspect (inference), cog (creation, validation), catalog."""

from services.raster.catalog import catalog_raster
from services.raster.cogging import make_cog
from services.raster.inspect import inspect_raster

HANDLERS = [inspect_raster, make_cog, catalog_raster]
