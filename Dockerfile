# The command line, headless, for sweeps and batch runs on a cluster (issue #20):
#   docker build -t ppo-trading-lab .
#   docker run --rm -v "$PWD/data:/data:ro" -v "$PWD/results:/results" ppo-trading-lab \
#     sweep run --spec /data/sweep.json --out /results
# The entrypoint is the CLI (`npm run cli --` without npm): train, evaluate, walk-forward, sweep …
# Data is mounted at /data, results at /results.
FROM node:20-bookworm-slim

WORKDIR /app

# All dependencies, dev ones included: the CLI runs its TypeScript through tsx, a dev dependency,
# and has no build step of its own. The browser app's and the tests' packages come along unused;
# Playwright's browsers do not (they are downloaded only by `playwright install`).
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

# The CLI and the core it runs; the app, tests and benchmarks stay out (.dockerignore).
COPY tsconfig.json tsconfig.core.json ./
COPY cli ./cli
COPY src/core ./src/core

RUN mkdir -p /data /results && chown node:node /results
USER node
VOLUME ["/data", "/results"]

ENTRYPOINT ["node", "--import", "tsx", "cli/main.ts"]
CMD ["--help"]
