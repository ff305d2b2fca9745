#!/usr/bin/env bash
# Installs the npm peers of the overhead protocol into bench/node_modules (git-ignored), from bench/package.json:
# @portkey-ai/gateway 1.15.2 with @hono/node-server pinned to 1.13.8 (newer versions break Portkey's streaming,
# performance.md §1.3).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
node -e 'console.log("portkey", require("./node_modules/@portkey-ai/gateway/package.json").version,
  "with @hono/node-server", require("./node_modules/@hono/node-server/package.json").version)'
