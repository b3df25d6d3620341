# syntax=docker/dockerfile:1
# flup-bridge container image.
#   docker build -t flup-bridge .
#   docker run --init -p 127.0.0.1:9464:9464 -v $PWD/config.yaml:/etc/flup-bridge/config.yaml:ro flup-bridge
# --init (or `init: true` in compose, or Kubernetes) reaps zombies; SIGTERM reaches node directly
# (exec-form ENTRYPOINT) and the bridge shuts down gracefully itself (stop taking messages, ack
# what Redis has, finish in-flight deliveries up to delivery.shutdownTimeout, exit 0).

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript with the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied; the build runs below.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and the compiled code only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    # Inside a container the admin server must listen beyond loopback for probes and port mapping.
    FLUP_ADMIN_LISTEN=0.0.0.0:9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
# The image's unprivileged user (uid 1000); the bridge writes nothing to disk.
USER node
EXPOSE 9464
# No curl in slim images: node itself asks /healthz on the port admin.listen names.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const p=(process.env.FLUP_ADMIN_LISTEN||'0.0.0.0:9464').split(':').pop();fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run", "--config", "/etc/flup-bridge/config.yaml"]
