# The moderation API as a container: python:3.11-slim, a non-root user, the project installed from this checkout
# (with the shipped models and seed word lists beside it), serving with gunicorn on 0.0.0.0:8000.
#
#   docker build -t comment-moderation .
#   docker run -p 8000:8000 -v moderation-data:/data comment-moderation
#
# Not built on the development machine (it has no Docker engine); see docs/operations.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MODERATION_DATABASE_URL=sqlite:////data/moderation.db \
    MODERATION_MODEL_DIR=/app/models

RUN groupadd --system --gid 10001 moderation \
    && useradd --system --uid 10001 --gid moderation --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin moderation

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY service ./service
# Editable on purpose: the rules read seeds/ and the loader reads models/ relative to the source tree.
RUN pip install -e . \
    && python -c "import service.app"

COPY seeds ./seeds
COPY models ./models

# Owned by root and read-only for the service; only /data (the SQLite default) is writable.
RUN mkdir -p /data /app/instance && chown moderation:moderation /data /app/instance
VOLUME ["/data"]

USER moderation
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status != 200)"]

# `serve` brings the schema up to date first (use --no-migrate when a separate step does it).
CMD ["moderation", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
