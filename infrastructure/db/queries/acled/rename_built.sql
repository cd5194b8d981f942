-- After the move into geo (the old table, its indexes and sequence dropped with it): the
-- staging names become the target's.
ALTER INDEX {id_index} RENAME TO {id_final};
ALTER INDEX {date_index} RENAME TO {date_final};
ALTER INDEX {country_index} RENAME TO {country_final};
ALTER INDEX {type_index} RENAME TO {type_final};
ALTER SEQUENCE {sequence} RENAME TO {sequence_final};
