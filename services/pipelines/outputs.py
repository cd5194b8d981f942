"""What a run produced, as links: tables, rasters, STAC items and collections, taken from
the results of its stages whose steps say what their results point at. Works for any job,
code-defined or pipeline, since every stage runs a step."""

from core.models.pipelines import OutputLinkView
from infrastructure.db.queries import sql
from services.engine.progression import stage_results

MAX_RESULTS = 100  # per stage: a run's outputs are its few publishing tasks


def run_outputs(platform, job_id: str) -> list[OutputLinkView]:
    job = platform.engine.job(job_id)
    links: list[OutputLinkView] = []
    with platform.db.connection() as conn:
        stages = conn.execute(
            sql("engine/read_stages"), {"job_id": job_id, "attempt": job["attempt"]}
        ).fetchall()
        for stage in stages:
            step = platform.steps.step(stage["task_type"])
            if step is None or step.links is None or stage["completed"] == 0:
                continue
            for number, result in enumerate(
                stage_results(conn, job_id, job["attempt"], stage["name"])
            ):
                if number >= MAX_RESULTS:
                    break
                links += [
                    OutputLinkView(
                        stage=stage["name"], kind=link.kind, label=link.label, href=link.href
                    )
                    for link in step.links(result or {}, platform.settings)
                ]
    return links
