"""The documented target schemas of curated datasets, and how each source's field names
map onto them (docs/curated.md has the same tables for readers).

The vector pipeline loads a source with its own column names (lowercased: SITE_ID →
site_id, SitRecID → sitrecid); the finalize stage then builds the target table from
those columns. A schema may know several *variants* of its source — the WDPA changed
its field names in November 2025 — each recognised by a column only it has, so the old
and the new files land in the same columns with the same values.
"""

from dataclasses import dataclass, field

from core.errors import InvalidInput


@dataclass(frozen=True)
class TargetColumn:
    name: str
    pg_type: str  # text, bigint, integer or double precision
    description: str
    lowercase: bool = False  # values trimmed and lowercased (e.g. KBA status)


@dataclass(frozen=True)
class Variant:
    name: str
    marker: str  # a source column that identifies this variant
    # target column → source columns to take it from, first present wins (default: its own name)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # target column → {source value as text: target value}; other values pass unchanged
    recode: dict[str, dict[str, str]] = field(default_factory=dict)

    def source_candidates(self, column: str) -> tuple[str, ...]:
        return self.sources.get(column, (column,))


@dataclass(frozen=True)
class TargetSchema:
    name: str
    columns: tuple[TargetColumn, ...]
    variants: tuple[Variant, ...]

    def variant_for(self, present: set[str]) -> Variant:
        for variant in self.variants:
            if variant.marker in present:
                return variant
        markers = " or ".join(v.marker.upper() for v in self.variants)
        raise InvalidInput(
            f"the source is not in a {self.name} schema this platform knows: it has no {markers} column "
            f"(columns found: {', '.join(sorted(present)[:30]) or 'none'})"
        )


def _text(name: str, description: str, **options) -> TargetColumn:
    return TargetColumn(name, "text", description, **options)


WDPA = TargetSchema(
    name="WDPA",
    columns=(
        TargetColumn("site_id", "bigint", "site identifier (WDPAID before November 2025)"),
        _text("site_pid", "parcel identifier (WDPA_PID)"),
        _text(
            "site_type",
            "PA (protected area) or OECM (other effective area-based conservation measure)",
        ),
        _text("name_eng", "name in English or Latin characters (NAME before November 2025)"),
        _text("name", "name in the original language (ORIG_NAME before November 2025)"),
        _text("desig", "designation in the original language"),
        _text("desig_eng", "designation in English"),
        _text("desig_type", "National, Regional, International or Not Applicable"),
        _text(
            "iucn_cat",
            "IUCN management category: Ia, Ib, II–VI, Not Reported, Not Applicable, Not Assigned",
        ),
        _text("int_crit", "international criteria (World Heritage, Ramsar)"),
        _text("realm", "Terrestrial, Coastal or Marine (MARINE 0/1/2 before November 2025)"),
        TargetColumn("rep_m_area", "double precision", "reported marine area, km²"),
        TargetColumn(
            "gis_m_area", "double precision", "GIS-computed marine area, km² (polygons only)"
        ),
        TargetColumn("rep_area", "double precision", "reported area, km²"),
        TargetColumn("gis_area", "double precision", "GIS-computed area, km² (polygons only)"),
        _text("no_take", "All, Part, None, Not Reported or Not Applicable"),
        TargetColumn("no_tk_area", "double precision", "no-take area, km²"),
        _text("status", "Designated, Inscribed, Adopted, Established or Proposed"),
        TargetColumn("status_yr", "integer", "year of the status"),
        _text("gov_type", "governance type"),
        _text("own_type", "ownership type"),
        _text("mang_auth", "management authority"),
        _text("mang_plan", "management plan"),
        _text("verif", "verification status"),
        TargetColumn("metadataid", "integer", "source metadata record"),
        _text("sub_loc", "sub-national location (ISO 3166-2)"),
        _text("prnt_iso3", "ISO3 of the parent country (PARENT_ISO3 before November 2025)"),
        _text("iso3", "ISO3 of the country or territory"),
        _text("supp_info", "supplementary information"),
        _text("cons_obj", "conservation objectives"),
    ),
    variants=(
        Variant("current (from November 2025)", marker="site_id"),
        Variant(
            "pre-November 2025",
            marker="wdpaid",
            sources={
                "site_id": ("wdpaid",),
                "site_pid": ("wdpa_pid",),
                "site_type": ("pa_def",),
                "name_eng": ("name",),
                "name": ("orig_name",),
                "realm": ("marine",),
                "prnt_iso3": ("parent_iso3",),
            },
            recode={
                "site_type": {"1": "PA", "0": "OECM"},
                "realm": {"0": "Terrestrial", "1": "Coastal", "2": "Marine"},
            },
        ),
    ),
)

KBA = TargetSchema(
    name="KBA",
    columns=(
        TargetColumn("sit_rec_id", "bigint", "KBA site record id (SitRecID)"),
        _text("region", "region"),
        _text("country", "country name"),
        _text("iso3", "ISO3 of the country"),
        _text("nat_name", "national name (NatName)"),
        _text("int_name", "international name (IntName)"),
        TargetColumn("sit_area_km2", "double precision", "site area, km² (SitAreaKM2 or SitArea)"),
        _text(
            "kba_status", "confirmed, proposed or delisted (KbaStatus, lowercased)", lowercase=True
        ),
        _text("kba_class", "Global, Regional or Global/Regional (KbaClass)"),
        _text("iba_status", "Important Bird Area status (IbaStatus)"),
        _text("aze_status", "Alliance for Zero Extinction status (AzeStatus)"),
        _text("legacy_kba", "legacy KBA flag (LegacyKBA)"),
        _text("added_date", "date the site was added (AddedDate)"),
        _text("change_date", "date of the last change (ChangeDate)"),
        _text("source", "data source (Source)"),
    ),
    variants=(
        Variant(
            "KBA (BirdLife)",
            marker="sitrecid",
            sources={
                "sit_rec_id": ("sitrecid",),
                "nat_name": ("natname",),
                "int_name": ("intname",),
                "sit_area_km2": ("sitareakm2", "sitarea"),
                "kba_status": ("kbastatus",),
                "kba_class": ("kbaclass",),
                "iba_status": ("ibastatus",),
                "aze_status": ("azestatus",),
                "legacy_kba": ("legacykba",),
                "added_date": ("addeddate",),
                "change_date": ("changedate",),
            },
        ),
    ),
)

# source_config.handler → the schema its data is mapped to (the seeded IBAT datasets)
SCHEMAS = {"ibat_wdpa": WDPA, "ibat_kba": KBA}
# handlers whose sources ship several geometry layers to load together
ALL_LAYERS = {"ibat_wdpa"}


def schema_for(source_config: dict) -> TargetSchema | None:
    return SCHEMAS.get(source_config.get("handler"))


def loads_all_layers(source_config: dict) -> bool:
    return source_config.get("handler") in ALL_LAYERS or bool(source_config.get("all_layers"))
