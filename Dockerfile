# vtime service image. Node 24 runs the TypeScript sources directly (type stripping), so there is
# no build step: the image is the production dependencies plus the sources.
#
# It starts `node src/main.ts` with the default PROCESS_ROLE=auto: the process is a cluster primary
# that migrates the database (DATABASE_URL), forks CLUSTER_WORKERS service processes, replaces any
# that dies and drains them all on SIGTERM. That is what `npm start` does, minus npm: with npm as
# PID 1's child, `docker stop` would signal npm rather than our primary. One container then serves
# from CLUSTER_WORKERS processes (set it to the container's CPUs: Node counts the host's cores).
# Orchestrators that scale containers instead (one process each) set PROCESS_ROLE=worker.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# production dependencies only: jest, tsc, swc, pm2 and the `node` binary package are for
# development machines (the image has its own Node 24). bcrypt ships prebuilt binaries for
# glibc, so no compiler is needed.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY src ./src
# the parent console's sources: the service bundles them (esbuild) when /console/ is first asked for
COPY console ./console
COPY migrations ./migrations
# the load-test seeder (`docker compose --profile load`) runs from this image too
COPY load-tests ./load-tests
# DATA_DIR (demo logins when SEED_DEMO_DATA=true) is the app user's; load-tests/results is shared
# through a volume with the k6 container, whose user differs, hence sticky world-writable like /tmp
RUN mkdir -p .data load-tests/results \
 && chown node:node .data \
 && chmod 1777 load-tests/results
# the sources stay root-owned and read-only to the service: it runs as the image's unprivileged user
USER node
EXPOSE 8000
CMD ["node", "src/main.ts"]
