"""Which COG level a raster tile reads (services/tiles/raster.level_for): the coarsest
overview whose pixels are no larger than the tile's, never upsampling."""

import pytest

from services.tiles.raster import level_for

FACTORS = [2, 4, 8, 16]  # a 10 m COG's overviews: 20, 40, 80, 160 m


@pytest.mark.parametrize(
    ("tile_width", "expected"),
    [
        (256 * 6.6, -1),  # finer than the file (overzoom): full resolution
        (256 * 13.0, -1),  # between 10 m and 20 m: 20 m would upsample, so full resolution
        (256 * 20.0, 0),  # exactly the first overview
        (256 * 26.5, 0),
        (256 * 45.0, 1),
        (256 * 1000.0, 3),  # coarser than every overview: the coarsest
    ],
)
def test_the_coarsest_overview_still_as_fine_as_the_tile(tile_width, expected):
    assert level_for(10.0, FACTORS, tile_width) == expected


def test_a_file_without_overviews_is_read_at_full_resolution():
    assert level_for(10.0, [], 256 * 1000.0) == -1


def test_a_larger_tile_size_asks_for_finer_pixels():
    assert level_for(10.0, FACTORS, 512 * 20.0, tile_size=512) == 0
    assert level_for(10.0, FACTORS, 512 * 20.0, tile_size=256) == 1
