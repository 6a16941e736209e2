"""Shared infrastructure: database set-up, tables, migrations, transactions and audit records,
settings, the clock, i18n, input parsing, errors and formatting. Imports no feature."""
