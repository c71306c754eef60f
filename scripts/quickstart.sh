#!/usr/bin/env bash
# The quick start: set up this machine, build the local images from Debian packages, then
# validate, plan and bring up the demo environment (shared stack and two projects).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
stagecraft="$root/node_modules/.bin/stagecraft"
cd "$root/examples/demo"
"$stagecraft" validate
"$stagecraft" plan
"$stagecraft" images build
"$stagecraft" up
"$stagecraft" status
echo "Try: curl -H 'Host: shop.demo.localhost' http://127.0.0.1:8080/db"
