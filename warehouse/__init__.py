"""The DuckDB warehouse: schema (SQL files), connection, loading, exports."""
