"""Pipelines and the step catalog as the API shows them."""

from core.errors import InvalidInput
from core.models.pipelines import PipelineView, PlannerView, StepCatalogView, StepView, VersionView
from core.pipelines.compiler import job_type_for
from core.pipelines.steps import GROUPS, StepCatalog


def pipeline_view(platform, row: dict) -> PipelineView:
    """A version that no longer compiles (a step it uses was removed) still shows, as
    runnable by nobody but an admin, with no run parameters."""
    try:
        compiled = platform.pipelines.compiled(row)
        role, schema = compiled.min_role, compiled.parameters_model.model_json_schema()
    except InvalidInput:
        role, schema = "admin", {}
    return PipelineView(
        name=row["name"],
        version=row["version"],
        description=row["description"],
        definition=row["definition"],
        job_type=job_type_for(row["name"], row["version"]),
        owner=row["owner"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        archived_at=row["archived_at"],
        schedule=row["schedule"],
        versions=row.get("versions"),
        run_role=role,
        run_parameters_schema=schema,
    )


def version_view(row: dict) -> VersionView:
    return VersionView(**{name: row[name] for name in VersionView.model_fields})


def catalog_view(catalog: StepCatalog) -> StepCatalogView:
    return StepCatalogView(
        groups=list(GROUPS),
        steps=[StepView(**step.describe()) for step in catalog.steps()],
        planners=[
            PlannerView(name=p.name, description=p.description, reads=dict(p.reads))
            for p in catalog.planner_list()
        ],
    )
