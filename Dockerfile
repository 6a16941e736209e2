# Production image: `inventory serve` on 0.0.0.0:8000, data (SQLite, uploads) in /app/var.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    INVENTORY_DATA_DIR=/app/var

WORKDIR /app
# pg_dump / pg_restore / psql for `inventory backup` and `restore` on PostgreSQL (install the
# client of your server's major version if it is newer than Debian's). Not pinned: the
# stable release's security updates should come in with each build.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 inventory \
    && useradd --system --uid 10001 --gid inventory --home-dir /app inventory

COPY pyproject.toml README.md ./
COPY inventory ./inventory
COPY templates ./templates
COPY static ./static
COPY labels ./labels
RUN pip install --no-cache-dir -e . && mkdir -p /app/var && chown inventory:inventory /app/var

USER 10001
VOLUME ["/app/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["sh", "-c", "inventory migrate && exec inventory serve --host 0.0.0.0 --port 8000"]
