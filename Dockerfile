# syntax=docker/dockerfile:1
#
# One parameterised image for every Mesh-Trace service:
#
#   docker build --build-arg SERVICE=ingest -t mesh-trace/ingest .
#   docker build --build-arg SERVICE=writer -t mesh-trace/writer .
#   docker build --build-arg SERVICE=query  -t mesh-trace/query  .
#   docker build --build-arg SERVICE=alerter -t mesh-trace/alerter .
#   docker build --build-arg SERVICE=all-in-one -t mesh-trace/all-in-one .   # optional, carries chDB
#
# The build stage installs only the workspace packages the service needs (pnpm --filter), compiles
# them with `tsc -b`, and `pnpm deploy --prod` copies the service with its production dependencies
# into /out/app. The runtime stage is node:20-bookworm-slim with tini, that folder, the `mesh-trace`
# CLI, and nothing else. See docs/deployment.md.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# ingest | writer | query | alerter | all-in-one (the directory under services/)
ARG SERVICE=query
WORKDIR /src
# pnpm at the version pinned by package.json's packageManager field (as the Makefile does).
COPY package.json ./
RUN npm install -g --no-fund --no-audit --loglevel=error \
      "pnpm@$(node -p "require('./package.json').packageManager.split('@')[1]")"
COPY . .
# Only the service, the CLI and their workspace dependencies (plus the root for typescript): the
# split services never download chdb (~540 MB), which only services/all-in-one depends on.
RUN --mount=type=cache,id=mesh-trace-pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm install --frozen-lockfile \
      --filter mesh-trace --filter "@mesh-trace/${SERVICE}..." --filter "@mesh-trace/cli..."
RUN pnpm exec tsc -b "services/${SERVICE}" packages/cli
# The web UI: static files the query service (and the all-in-one) serves at /.
RUN if [ "${SERVICE}" = "query" ] || [ "${SERVICE}" = "all-in-one" ]; then \
      pnpm --filter @mesh-trace/ui build; \
    fi
# pnpm 10 deploys without `inject-workspace-packages=true` only with --legacy. --prod drops devDependencies.
RUN --mount=type=cache,id=mesh-trace-pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm deploy --legacy --filter "@mesh-trace/${SERVICE}" --prod /out/app \
 && pnpm deploy --legacy --filter @mesh-trace/cli --prod /out/cli \
 && find /out -name '*.tsbuildinfo' -delete
# Guard: the embedded ClickHouse engine (chdb, @chdb/*) must never reach a split-service image.
RUN if [ "${SERVICE}" != "all-in-one" ]; then \
      found="$(find /out -name '*chdb*' -o -name '*embedded-clickhouse*')"; \
      if [ -n "$found" ]; then echo "chdb must not be in the ${SERVICE} image:"; echo "$found"; exit 1; fi; \
    fi \
 && if [ "${SERVICE}" = "query" ] || [ "${SERVICE}" = "all-in-one" ]; then \
      test -f /out/app/node_modules/@mesh-trace/ui/dist/index.html || { echo "the UI is missing from the image"; exit 1; }; \
    fi \
 && node /out/app/dist/main.js --help >/dev/null \
 && node /out/cli/dist/main.js --help >/dev/null

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE=query
# tini is PID 1: it forwards SIGTERM to node (which drains and exits) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown 1000:1000 /data
ENV NODE_ENV=production \
    MESH_TRACE_SERVICE=${SERVICE} \
    MESH_TRACE_DATA_DIR=/data
WORKDIR /opt/mesh-trace/app
COPY --from=build /out/app /opt/mesh-trace/app
COPY --from=build /out/cli /opt/mesh-trace/cli
COPY deploy/docker/healthcheck.mjs /opt/mesh-trace/healthcheck.mjs
RUN printf '#!/bin/sh\nexec node /opt/mesh-trace/cli/dist/main.js "$@"\n' > /usr/local/bin/mesh-trace \
 && chmod 0755 /usr/local/bin/mesh-trace
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# query 4000, ingest 4001, writer 4002 and alerter 4003 (health, metrics, status only); the all-in-one
# uses 4000 and 4001.
EXPOSE 4000 4001 4002 4003
# Liveness only (checks nothing external). The port follows MESH_TRACE_SERVICE and the *_PORT variables.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/opt/mesh-trace/healthcheck.mjs", "/healthz"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/mesh-trace/app/dist/main.js"]
