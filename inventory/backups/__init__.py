"""Backups and restore: one archive (database + stored files + manifest), the nightly job's
retention, and the alert when no backup succeeded for too long."""
