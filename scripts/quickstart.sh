#!/usr/bin/env bash
# The quick start: set up this machine, then validate and plan the demo environment.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
stagecraft="$root/node_modules/.bin/stagecraft"
cd "$root/examples/demo"
"$stagecraft" validate
"$stagecraft" plan
