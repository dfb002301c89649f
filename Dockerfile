# One image for every process of the system; the compose file picks the command.
FROM node:20-bookworm-slim

WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1

# Dependencies first, for layer caching: the manifests of the root and of every workspace.
COPY package.json package-lock.json ./
COPY packages/config/package.json packages/config/
COPY packages/contracts/package.json packages/contracts/
COPY packages/db/package.json packages/db/
COPY packages/dev-services/package.json packages/dev-services/
COPY packages/domain/package.json packages/domain/
COPY packages/events/package.json packages/events/
COPY packages/observability/package.json packages/observability/
COPY packages/queue/package.json packages/queue/
COPY packages/testing/package.json packages/testing/
COPY services/gateway/package.json services/gateway/
COPY services/reservation-worker/package.json services/reservation-worker/
COPY test/package.json test/
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run db:generate && chown -R node:node /app

# Services run their TypeScript with tsx (installed above with the dev tools).
ENV NODE_ENV=production

USER node
EXPOSE 3000
CMD ["npx", "tsx", "services/gateway/src/main.ts"]
