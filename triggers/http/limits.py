"""Bounds of paging parameters: large enough for any real listing, small enough that no
value overflows what PostgreSQL takes (a 19-digit offset used to reach it as a 500)."""

MAX_OFFSET = 1_000_000_000
