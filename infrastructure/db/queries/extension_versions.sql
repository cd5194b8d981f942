SELECT extname AS name, extversion AS version
FROM pg_extension
ORDER BY extname;
