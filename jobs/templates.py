"""Ready-made pipelines: each code-defined job written as a pipeline definition
(jobs/templates/<job_type>.json), for users to copy and change in the builder. A unit test
keeps each one step for step with its job's stages."""

import json
from functools import lru_cache
from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def templates() -> dict[str, dict]:
    return {
        path.stem: json.loads(path.read_text()) for path in sorted(TEMPLATES_DIR.glob("*.json"))
    }
