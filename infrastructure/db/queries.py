"""SQL lives in .sql files under queries/, loaded by name ("health/versions")."""

from functools import lru_cache
from pathlib import Path

QUERIES_DIR = Path(__file__).parent / "queries"


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    path = (QUERIES_DIR / f"{name}.sql").resolve()
    if QUERIES_DIR.resolve() not in path.parents:
        raise ValueError(f"query name escapes the queries folder: {name!r}")
    return path.read_text()
