"""The recurring jobs and their scheduler (leases are in core.leases)."""
