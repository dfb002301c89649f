# One image for every process of the system; docker-compose.yml picks the command.
FROM node:20-bookworm-slim

WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Dependencies first, for layer caching: the lockfile and the manifest of the root and of every
# workspace (npm ci needs them all). Source changes do not invalidate this layer.
COPY package.json package-lock.json ./
COPY packages/code-files/package.json packages/code-files/
COPY packages/config/package.json packages/config/
COPY packages/contracts/package.json packages/contracts/
COPY packages/db/package.json packages/db/
COPY packages/dev-services/package.json packages/dev-services/
COPY packages/domain/package.json packages/domain/
COPY packages/events/package.json packages/events/
COPY packages/observability/package.json packages/observability/
COPY packages/queue/package.json packages/queue/
COPY packages/testing/package.json packages/testing/
COPY services/code-jobs-worker/package.json services/code-jobs-worker/
COPY services/gateway/package.json services/gateway/
COPY services/order-consumer/package.json services/order-consumer/
COPY services/outbox-relay/package.json services/outbox-relay/
COPY services/reservation-worker/package.json services/reservation-worker/
COPY test/package.json test/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund

# The sources, then the Prisma client generated from them (offline, no engine download).
COPY . .
RUN npm run db:generate

# The processes run their TypeScript with node's tsx loader (installed above with the dev tools), so
# SIGTERM reaches the process itself and its graceful shutdown; they only read /app (owned by root).
ENV NODE_ENV=production
# V8 flags as in the services' `npm start` scripts (see SERVICE_NODE_FLAGS in packages/testing).
ENV NODE_OPTIONS=--max-semi-space-size=32
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "services/gateway/src/main.ts"]
