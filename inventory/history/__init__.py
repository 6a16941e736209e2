"""The audit log in words: names instead of ids, labels instead of codes."""
