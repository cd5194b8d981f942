"""The orchestration engine: submit, plan, claim, complete, advance, reconcile.

PostgreSQL is the single source of truth; every state change is one compare-and-swap
statement (SQL in infrastructure/db/queries/engine/)."""
