# syntax=docker/dockerfile:1
# motcua runtime image: one image, one role per container (api | worker | projector | alerts).
# The build steps live in bin/build-image-tree.sh (the CI proof runs the same script without Docker).

# Build stage: every locked package (the Prisma CLI is a dev dependency), the generated Prisma
# client, the pre-built workflow bundle; then production packages only.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY bin ./bin
COPY prisma ./prisma
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY services ./services
RUN --mount=type=cache,target=/root/.npm sh bin/build-image-tree.sh /src /app

# Runtime stage: the built tree only (no npm cache, no sources of tests, no dev packages).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build --chown=node:node /app /app
USER node
# Production refuses to start without MOTCUA_PAYLOAD_KEYS (and the worker/projector without
# MOTCUA_EVENT_SIGNING_KEYS): see README "Container image".
ENTRYPOINT ["node", "bin/motcua.js"]
CMD ["api"]
