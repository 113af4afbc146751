# Coach Watts — the production image: the bot, its HTTP server and the operator commands, as a non-root user.
#
#   docker build -t coach-watts .
#   docker run --env-file .env -p 8080:8080 coach-watts            # coach-watts run
#   docker run -it coach-watts coach-watts chat --demo-if-empty    # the console, embedded PostgreSQL inside
#
# Two stages: the wheel and its dependencies are built with the compilers, and only the installed virtual
# environment is copied into a slim runtime, so the image carries no build tools.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY coach ./coach
COPY integrations ./integrations
COPY db ./db
COPY migrations ./migrations
RUN python -m venv /opt/coach-watts \
    && /opt/coach-watts/bin/pip install --upgrade pip \
    && /opt/coach-watts/bin/pip install .

FROM python:3.11-slim-bookworm AS runtime
# The PostgreSQL client tools for `coach-watts backup`/`restore` against a PostgreSQL 16 server come with the
# embedded-server wheel; tini reaps the embedded server's processes and forwards SIGTERM for a clean stop.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 coach \
    && useradd --system --uid 10001 --gid coach --home-dir /home/coach --create-home coach \
    && mkdir -p /data \
    && chown coach:coach /data
COPY --from=build /opt/coach-watts /opt/coach-watts
ENV PATH=/opt/coach-watts/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    COACH_DATA_DIR=/data \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
USER coach
WORKDIR /home/coach
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["tini", "--"]
CMD ["coach-watts", "run"]
