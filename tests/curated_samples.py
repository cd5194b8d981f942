"""Tiny curated-dataset files: WDPA in its current and its pre-November-2025 schema
(polygons and points layers in one zipped GeoPackage), KBAs, Natural Earth Admin 0."""

import geopandas as gpd
import shapely

from tests.vector_samples import geopackage, zip_of, zipped_dataset

IUCN = ["Ia", "II", "IV", "Not Reported", "V", "VI"]


def _boxes(n: int, offset: float = 0.0) -> list:
    return [shapely.box(offset + i, i, offset + i + 0.5, i + 0.5) for i in range(n)]


def _points(n: int, offset: float = 0.0) -> list:
    return [shapely.Point(offset + i + 0.25, -i - 0.25) for i in range(n)]


def wdpa_current(polygons: int = 3, points: int = 2, first_id: int = 100) -> bytes:
    """Field names from November 2025 on: SITE_ID, SITE_TYPE, NAME_ENG/NAME, REALM, PRNT_ISO3."""

    def frame(n: int, start: int, geometry: list, with_gis_area: bool) -> gpd.GeoDataFrame:
        ids = list(range(start, start + n))
        columns = {
            "SITE_ID": ids,
            "SITE_PID": [f"{i}_A" for i in ids],
            "SITE_TYPE": ["PA" if i % 2 else "OECM" for i in ids],
            "NAME_ENG": [f"Park {i}" for i in ids],
            "NAME": [f"Parc {i}" for i in ids],
            "DESIG_ENG": ["National Park"] * n,
            "IUCN_CAT": [IUCN[i % len(IUCN)] for i in ids],
            "REALM": [["Terrestrial", "Coastal", "Marine"][i % 3] for i in ids],
            "REP_AREA": [1.5 * i for i in ids],
            "STATUS_YR": [1990 + i % 30 for i in ids],
            "PRNT_ISO3": ["FRA"] * n,
            "ISO3": ["FRA"] * n,
        }
        if with_gis_area:
            columns["GIS_AREA"] = [0.25] * n
        return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")

    layers = {
        "WDPA_poly_Dec2026": frame(polygons, first_id, _boxes(polygons), True),
        "WDPA_point_Dec2026": frame(points, first_id + polygons, _points(points), False),
    }
    return zip_of({"WDPA_Dec2026_Public.gpkg": geopackage(layers)})


def wdpa_legacy(polygons: int = 3, points: int = 2, first_id: int = 100) -> bytes:
    """The pre-November-2025 field names: WDPAID, WDPA_PID, PA_DEF (1/0), NAME/ORIG_NAME,
    MARINE (0/1/2), PARENT_ISO3 — with the same sites as wdpa_current."""

    def frame(n: int, start: int, geometry: list, with_gis_area: bool) -> gpd.GeoDataFrame:
        ids = list(range(start, start + n))
        columns = {
            "WDPAID": [float(i) for i in ids],
            "WDPA_PID": [f"{i}_A" for i in ids],
            "PA_DEF": ["1" if i % 2 else "0" for i in ids],
            "NAME": [f"Park {i}" for i in ids],
            "ORIG_NAME": [f"Parc {i}" for i in ids],
            "DESIG_ENG": ["National Park"] * n,
            "IUCN_CAT": [IUCN[i % len(IUCN)] for i in ids],
            "MARINE": [str(i % 3) for i in ids],
            "REP_AREA": [1.5 * i for i in ids],
            "STATUS_YR": [1990 + i % 30 for i in ids],
            "PARENT_ISO3": ["FRA"] * n,
            "ISO3": ["FRA"] * n,
        }
        if with_gis_area:
            columns["GIS_AREA"] = [0.25] * n
        return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")

    layers = {
        "WDPA_poly_Oct2025": frame(polygons, first_id, _boxes(polygons), True),
        "WDPA_point_Oct2025": frame(points, first_id + polygons, _points(points), False),
    }
    return zip_of({"WDPA_Oct2025_Public.gpkg": geopackage(layers)})


def kbas(n: int = 3) -> bytes:
    frame = gpd.GeoDataFrame(
        {
            "SitRecID": list(range(1, n + 1)),
            "Country": ["Kenya"] * n,
            "ISO3": ["KEN"] * n,
            "NatName": [f"Msitu {i}" for i in range(n)],
            "IntName": [f"Forest {i}" for i in range(n)],
            "SitAreaKM2": [10.0 * (i + 1) for i in range(n)],
            "KbaStatus": [["Confirmed", "proposed ", "Delisted"][i % 3] for i in range(n)],
            "KbaClass": ["Global"] * n,
        },
        geometry=_boxes(n, offset=30),
        crs="EPSG:4326",
    )
    return zip_of(
        {"KBAsGlobal_2026_September_POL.gpkg": geopackage({"KBAsGlobal_2026_September_POL": frame})}
    )


def sites(codes: list[str], names: list[str], **extra: list) -> bytes:
    """A generic dataset keyed by `site_code` (for upserts); each code has its own square."""
    squares = [shapely.box(ord(code) % 50, 0, ord(code) % 50 + 0.5, 0.5) for code in codes]
    frame = gpd.GeoDataFrame(
        {"site_code": codes, "label": names, **extra}, geometry=squares, crs="EPSG:4326"
    )
    return zip_of({"sites.gpkg": geopackage({"sites": frame})})


def admin0(n: int = 3) -> bytes:
    """Natural Earth style: a zipped shapefile of countries."""
    frame = gpd.GeoDataFrame(
        {
            "ADMIN": [f"Country {i}" for i in range(n)],
            "ISO_A3": [f"C{i:02d}" for i in range(n)],
            "POP_EST": [1000 * (i + 1) for i in range(n)],
        },
        geometry=_boxes(n, offset=-60),
        crs="EPSG:4326",
    )
    return zipped_dataset(frame, "ESRI Shapefile", "ne_110m_admin_0_countries.shp")
