"""Offline field work (issue 14): the installable app (manifest, service worker) and what a
phone keeps of a site to work there without a connection."""
