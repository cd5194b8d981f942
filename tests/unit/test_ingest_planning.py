"""ingest_collection's planners (pure): which batches are copied, which are registered
together, and what is left out."""

from jobs.ingest_collection import copy_tasks, register_loads
from services.ingest.models import (
    CollectionFound,
    CopyResult,
    Discovery,
    IngestCollectionParams,
    PartResult,
)

PARAMS = IngestCollectionParams(source_container="bronze", target_container="silver")


class Plan:
    def __init__(
        self,
        parts: list[PartResult],
        copied: list[int | None] = (),
        collection_assets: bool = False,
    ):
        found = CollectionFound(
            id="c",
            blob="c.json",
            document={},
            assets=[{"key": "k", "source_blob": "a", "target_blob": "a"}]
            if collection_assets
            else [],
        )
        self.results = {
            "discover": [
                Discovery(
                    collections=[found],
                    parts=len(parts),
                    item_links=0,
                    ndjson_files=0,
                    item_collections=0,
                    documents_walked=1,
                ).model_dump()
            ],
            "inventory": [p.model_dump() for p in parts],
            "copy": [
                CopyResult(batch=b, copied=1, skipped=0, bytes_copied=1).model_dump()
                for b in copied
            ],
        }
        self.parameters = PARAMS
        self.job_id = "job"

    def results_of(self, stage: str):
        return iter(self.results[stage])


def part(
    batch: int, staged: int, *, collection: str = "c", assets: int = 0, unchanged: int = 0
) -> PartResult:
    return PartResult(
        batch=batch,
        collection_id=collection,
        items=staged + unchanged,
        staged=staged,
        unchanged=unchanged,
        assets=assets,
        external_assets=0,
    )


def test_loads_are_even_and_never_mix_collections():
    loads = [t["batches"] for t in register_loads(Plan([part(i, 476) for i in range(21)]))]
    assert loads == [
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
        [10, 11, 12, 13, 14, 15],
        [16, 17, 18, 19, 20],
    ]
    mixed = list(
        register_loads(
            Plan(
                [
                    part(0, 5, collection="a"),
                    part(1, 3000, collection="b"),
                    part(2, 3000, collection="b"),
                ]
            )
        )
    )
    assert [(t["collection_id"], t["batches"]) for t in mixed] == [
        ("a", [0]),
        ("b", [1]),
        ("b", [2]),
    ]


def test_unchanged_batches_and_batches_whose_copy_failed_are_not_registered():
    parts = [part(0, 10, assets=3), part(1, 0, unchanged=10), part(2, 10, assets=2), part(3, 10)]
    plan = Plan(parts, copied=[0])  # batch 2's copy failed
    assert [t["batches"] for t in register_loads(plan)] == [[0, 3]]
    assert [t["batch"] for t in copy_tasks(plan)] == [0, 2]


def test_the_copy_stage_has_tasks_only_when_something_is_to_be_copied():
    assert list(copy_tasks(Plan([part(0, 10), part(1, 10)]))) == []
    assert [t["batch"] for t in copy_tasks(Plan([part(0, 10), part(1, 10, assets=1)]))] == [1]
    with_collection_assets = Plan([part(0, 10)], collection_assets=True)
    assert [t["batch"] for t in copy_tasks(with_collection_assets)] == [None]
