# leadscore worker image.
#   docker build -t leadscore .
#   docker build -t leadscore-sandbox --build-arg LEADSCORE_EXTRAS=[sandbox] .   (with the sandbox)
#   docker run --env-file worker.env -v leadscore-data:/data -p 8080:8080 leadscore
# Configuration only through env vars (or an env file); state in the /data volume; the scoring
# model baked in at /app/config/scoring.toml, or mounted over it read-only.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/leadscore
COPY pyproject.toml constraints.txt README.md ./
COPY connector ./connector
# The pinned set: every dependency at the version CI tested (constraints.txt). The base install
# only: the worker needs neither the backtest's numpy/scikit-learn/matplotlib nor the sandbox's
# trustme. A variant adds extras: --build-arg LEADSCORE_EXTRAS=[sandbox] (the compose try-out).
ARG LEADSCORE_EXTRAS=""
RUN /opt/leadscore/bin/pip install -c constraints.txt ".${LEADSCORE_EXTRAS}"

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/leadscore/bin:$PATH \
    LEADSCORE_DATA_DIR=/data \
    LEADSCORE_MODEL_PATH=/app/config/scoring.toml \
    LEADSCORE_LOG_FORMAT=json \
    LEADSCORE_HTTP_HOST=0.0.0.0 \
    LEADSCORE_HTTP_PORT=8080
COPY --from=build /opt/leadscore /opt/leadscore
WORKDIR /app
COPY config ./config
# config/scoring.toml is a link into the package (left out by .dockerignore): the file itself.
COPY connector/defaults/scoring.toml ./config/
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home leadscore \
    && mkdir -p /data \
    && chown leadscore:leadscore /data
VOLUME ["/data"]
EXPOSE 8080
USER 10001:10001
# /healthz answers while the process and its scheduler live. python, because slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('LEADSCORE_HTTP_PORT', '8080') + '/healthz', timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["leadscore"]
CMD ["run"]
