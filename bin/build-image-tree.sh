#!/bin/sh
# Builds the container image's file tree: the ONE place its steps are written. The Dockerfile's
# build stage runs it (`bin/build-image-tree.sh /src /app`), and the CI proof runs the very same
# script into a temporary directory (test/integration/container-image.test.ts), since CI has no Docker.
#
#   bin/build-image-tree.sh <source checkout> <destination>
#
# The destination gets the runtime sources, the locked production packages only (no test tools), the generated Prisma client (generated/prisma) and the pre-built workflow bundle
# (dist/workflow-bundle.js), plus the bootstrap's stamps so `motcua` never installs or generates at
# start. npm uses its cache first (--prefer-offline).
set -eu
SRC=$(cd "$1" && pwd)
mkdir -p "$2"
DEST=$(cd "$2" && pwd)

# 1. Runtime sources (what the Dockerfile's COPY lines bring into /src).
for f in package.json package-lock.json prisma.config.ts tsconfig.json bin prisma domain workflows activities services; do
  cp -R "$SRC/$f" "$DEST/"
done
cd "$DEST"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# 2. The locked production packages. The Prisma CLI that generates the client is a dev dependency
#    that the lock marks devOptional (an optional peer of @prisma/client), so `--omit=dev` keeps it;
#    should a lock ever drop it, install everything and prune the dev packages after generating.
npm ci --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error
if [ ! -f node_modules/prisma/build/index.js ]; then
  echo "build-image-tree: the Prisma CLI is not a production package here; installing dev packages to generate" >&2
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
PRISMA_SCHEMA_ENGINE_BINARY="$(command -v node)" node node_modules/prisma/build/index.js generate >/dev/null

# 3. The workflow bundle the worker loads (no webpack at start).
node --import tsx bin/bundle-workflows.ts dist/workflow-bundle.js

# 4. Production packages only (a no-op on the fast path), and the bootstrap's stamps.
npm prune --omit=dev --no-audit --no-fund --loglevel=error
node bin/stamps.js write

# 5. Smoke check: the CLI starts without dev dependencies and without installing anything.
NODE_ENV=production node bin/motcua.js --help >/dev/null
echo "image tree ready in $DEST" >&2
