# The stock LiteLLM proxy with the `laas` provider installed, serving config.yaml on port 4000.
#
#   docker build -t laas-provider .
#   docker run --rm -p 4000:4000 --env-file .env -e LITELLM_MASTER_KEY=sk-change-me laas-provider
#
# Config: /app/config.yaml is the repository's; mount your own over it
# (-v "$PWD/my-config.yaml:/app/config.yaml:ro"). Secrets: only from the environment
# (--env-file / -e / compose `environment:`); nothing secret is copied into the image, and
# LITELLM_MODE=PRODUCTION stops LiteLLM from reading a .env file inside the container.
# Virtual keys and spend logs need PostgreSQL and the Prisma client: build with
# `--build-arg WITH_DATABASE=true` (docker-compose.yml does) — see docs/gateway.md.
# Every dependency comes from the hash-locked requirements*.lock files (pip --require-hashes).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG WITH_DATABASE=false
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/home/app \
    PATH=/opt/venv/bin:$PATH
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
RUN python -m venv /opt/venv && mkdir -p /home/app
# Dependencies first (their own layer: rebuilt only when a lock changes). Wheels only: the
# runtime image has no compiler, and every locked package has a manylinux/py3 wheel.
COPY requirements.lock requirements-db.lock ./
RUN pip install --require-hashes --no-deps --only-binary=:all: -r requirements.lock
# Optional: Prisma client for LiteLLM's database features. `prisma generate` fetches
# Node.js, the Prisma CLI and its engines once, here, into /home/app/.cache.
RUN if [ "$WITH_DATABASE" = "true" ]; then \
        pip install --require-hashes --no-deps --only-binary=:all: -r requirements-db.lock \
        && schema="$(python -c 'import litellm, pathlib; print(pathlib.Path(litellm.__file__).parent / "proxy" / "schema.prisma")')" \
        && prisma generate --schema "$schema"; \
    fi \
    && mkdir -p /home/app/.cache /home/app/migrations
# The plugin itself (setuptools and wheel come from the lock: no build isolation needed).
COPY pyproject.toml README.md LICENSE ./
COPY laas_provider ./laas_provider
RUN pip install --no-deps --no-build-isolation . \
    && python -c "import laas_provider, litellm; print('laas_provider', laas_provider.__version__)"

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="laas-provider" \
      org.opencontainers.image.description="LiteLLM proxy with Wanted LaaS presets as a custom provider"
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=app:app /home/app /home/app
WORKDIR /app
COPY config.yaml /app/config.yaml
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/home/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    LITELLM_MODE=PRODUCTION \
    LITELLM_MIGRATION_DIR=/home/app/migrations \
    HOST=0.0.0.0 \
    PORT=4000
USER 10001:10001
EXPOSE 4000
# /health/liveliness answers without calling LaaS (GET /health would make billed calls).
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/liveliness' % os.environ.get('PORT', '4000'), timeout=4)"]
ENTRYPOINT ["litellm"]
CMD ["--config", "/app/config.yaml"]
