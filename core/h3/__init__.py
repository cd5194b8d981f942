"""H3 aggregation: the pure rules that describe a source for it."""
