"""The migrations, written by hand, additive, run on SQLite and PostgreSQL.

A migration must behave the same in a year: it imports Piccolo and the standard library,
never the application (no `inventory.…`: its tables, rules and helpers will have changed);
what it needs of them it keeps as a frozen copy (m0015's `fold`). Raw SQL goes through the
engine Piccolo runs the migration with (`engine_finder()`, inside its transaction). A column
added with raw SQL is also recorded with `add_column` (see m0024), or Piccolo's snapshot
and `make migration` miss it. tests/test_schema.py checks all of this against tables.py.
"""
