#!/usr/bin/env bash
# The test command of the README and CI: set up, then typecheck, lint and run every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
npm run --silent typecheck
npm run --silent lint
npm test
