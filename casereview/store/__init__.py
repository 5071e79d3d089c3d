"""Storage: SQLAlchemy models, the engine factory (a case file, later encrypted, or a PostgreSQL server),
migrations."""
