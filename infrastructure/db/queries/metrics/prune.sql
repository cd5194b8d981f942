DELETE FROM app.job_metrics WHERE sampled_at < now() - make_interval(mins => %(retention_minutes)s);
