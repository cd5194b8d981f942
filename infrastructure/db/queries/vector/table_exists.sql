SELECT to_regclass(%(qualified)s) IS NOT NULL AS present;
