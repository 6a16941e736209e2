"""The invented commune "Brenneville", built through the services."""
