"""The search index has no Django models: its tables are FTS5 virtual tables (SQLite) or
tsvector tables (PostgreSQL) that only the database's triggers write, made by the
migrations from airwaves/search/schema.py. This module exists so that Django sends this
app the post_migrate signal (apps.py), which puts back triggers a migration dropped."""
