"""process_raster's task handlers: inspect (inference, tiling plan), cog_part (one band of
rows of a large raster), cog (creation or assembly, validation), catalog."""

from services.raster.catalog import catalog_raster
from services.raster.cogging import make_cog, make_part
from services.raster.inspect import inspect_raster

HANDLERS = [inspect_raster, make_part, make_cog, catalog_raster]
