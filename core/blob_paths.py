"""Blob paths given by users must stay inside their container."""


def inside_container(path: str) -> str:
    """Returns the path, or raises ValueError for an absolute path or one climbing with '..'."""
    if path.startswith("/") or ".." in path.split("/"):
        raise ValueError("must be a blob path inside the container (no leading '/', no '..')")
    return path
