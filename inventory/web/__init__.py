"""Web plumbing: template engine, controller helpers, middlewares, error pages."""
