"""PostgreSQL: connection pool, SQL files, migrations, repositories, locks."""
