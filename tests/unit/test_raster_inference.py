"""Raster data-type inference and COG profile choice on generated rasters (no services)."""

import numpy as np
import pytest
from rasterio.io import MemoryFile
from rasterio.transform import Affine

from core.raster.inference import InferredType, contradiction, infer
from core.raster.profiles import choose_profile
from services.raster.sampling import read_facts
from tests import raster_samples
from tests.raster_samples import SAMPLES


def facts_of(content: bytes):
    with MemoryFile(content) as memory, memory.open() as dataset:
        return read_facts(dataset)


def geotiff(data: np.ndarray, description: str | None = None, **profile) -> bytes:
    with MemoryFile() as memory:
        with memory.open(
            driver="GTiff",
            width=data.shape[2],
            height=data.shape[1],
            count=data.shape[0],
            dtype=data.dtype.name,
            crs="EPSG:32633",
            transform=Affine(30, 0, 0, 0, -30, 0),
            **profile,
        ) as dataset:
            dataset.write(data)
            if description:
                dataset.set_band_description(1, description)
        return memory.read()


def profile_for(facts, raster_class: str):
    data_bands = facts.band_count - (1 if "alpha" in facts.colorinterp else 0)
    return choose_profile(raster_class, facts.dtypes, facts.nodata, data_bands)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_sample_gets_its_class_and_profile(name):
    make, expected_class, expected_profile = SAMPLES[name]
    facts = facts_of(make())
    inferred = infer(facts)
    assert inferred.raster_class == expected_class, inferred.reasons
    assert 0.5 <= inferred.confidence <= 1 and len(inferred.reasons) >= 1
    assert profile_for(facts, inferred.raster_class).name == expected_profile


def test_the_public_form_names_the_class():
    assert infer(facts_of(raster_samples.rgb())).public() == {
        "class": "rgb",
        "confidence": 0.95,
        "reasons": ["3 band(s) of uint8", "colour interpretation red, green, blue"],
    }


def test_a_smooth_float_with_a_narrow_span_and_no_metadata_is_continuous():
    data = raster_samples.surface(128, 8.0, 26.0)[None].astype("float32")
    inferred = infer(facts_of(geotiff(data)))
    assert inferred.raster_class == "continuous"
    assert "value span 18 is narrow for terrain" in inferred.reasons[-1]


def test_noise_in_an_elevation_range_is_not_terrain():
    data = np.random.default_rng(1).uniform(100, 900, (1, 128, 128)).astype("float32")
    inferred = infer(facts_of(geotiff(data)))
    assert inferred.raster_class == "continuous" and "surface not smooth" in inferred.reasons[-1]


def test_elevation_metadata_decides_for_a_narrow_span():
    data = raster_samples.surface(128, 2.0, 30.0)[None].astype("float32")
    inferred = infer(facts_of(geotiff(data, description="Elevation above sea level")))
    assert inferred.raster_class == "dem" and "names elevation" in inferred.reasons[-1]


def test_four_bands_without_alpha_are_multispectral_and_an_unlabelled_alpha_is_recognised():
    bands = np.stack([raster_samples.surface(64, 0, 250, seed=s) for s in range(4)]).astype("uint8")
    labelled = infer(facts_of(geotiff(bands)))  # GDAL labels a 4-band uint8 GeoTIFF RGBA by default
    assert (
        labelled.raster_class == "multispectral"
        and "labelled alpha but only" in labelled.reasons[-1]
    )
    assert infer(facts_of(geotiff(bands, photometric="MINISBLACK"))).raster_class == "multispectral"
    bands[3] = np.where(bands[3] > 100, 255, 0)
    facts = facts_of(geotiff(bands, photometric="MINISBLACK"))
    inferred = infer(facts)
    assert inferred.raster_class == "rgba" and inferred.confidence == 0.7
    assert (
        profile_for(facts, "rgba").name == "deflate-p2"
    )  # JPEG's mask needs a labelled alpha band


def test_a_constant_band_is_unknown():
    inferred = infer(facts_of(geotiff(np.full((1, 32, 32), 7, dtype="int16"))))
    assert inferred.raster_class == "unknown" and inferred.confidence < 0.5


def test_rgb_with_a_nodata_value_is_never_lossy():
    facts = facts_of(
        geotiff(
            np.stack([raster_samples.surface(64, 1, 250, seed=s) for s in range(3)]).astype(
                "uint8"
            ),
            nodata=0,
            photometric="RGB",
        )
    )
    assert infer(facts).raster_class == "rgb"
    profile = profile_for(facts, "rgb")
    assert (
        profile.name == "deflate-p2"
        and profile.lossless
        and "nodata value must stay exact" in profile.reasons[0]
    )


def test_profiles_by_type():
    assert choose_profile("dem", ("float32",), -9999.0, 1).creation_options == {"predictor": 3}
    assert choose_profile("categorical", ("uint8",), None, 1).overview_resampling == "mode"
    assert choose_profile("unknown", ("uint8",), None, 2).overview_resampling == "nearest"
    jpeg = choose_profile("rgba", ("uint8",) * 4, None, 3)
    assert jpeg.name == "jpeg" and jpeg.add_mask and not jpeg.lossless


def test_contradictions():
    rgb = InferredType(raster_class="rgb", confidence=0.95, reasons=["3 band(s) of uint8"])
    assert contradiction("rgb", rgb) is None
    assert "raster_type 'dem' contradicts the data, inferred as 'rgb'" in contradiction("dem", rgb)
    dem = InferredType(raster_class="dem", confidence=0.8, reasons=["smooth"])
    assert contradiction("continuous", dem) is None
    assert (
        contradiction(
            "categorical", InferredType(raster_class="unknown", confidence=0.2, reasons=["?"])
        )
        is None
    )
    assert (
        contradiction(
            "categorical", InferredType(raster_class="continuous", confidence=0.45, reasons=["?"])
        )
        is None
    )
