#!/usr/bin/env bash
# Proves that every family's golden files are checked: deletes one golden file of each family in
# turn, runs the unit tier's golden test (test/tiers.test.ts keeps it in the tier), expects it to
# fail naming the missing file, and restores the file. `ALL=1` runs the whole unit tier instead.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
golden=test/render/golden
# One file of each family (see FAMILIES in golden.test.ts).
files=(
  demo/shared/compose.yaml
  beryl3/projects/project2/compose.yaml
  demo/projects/shop/backup/backup.sh
  demo/shared/nginx/conf.d/blog.conf
  beryl3/shared/prometheus/tests/certificates.test.yml
  demo/shared/alertmanager/alertmanager.yml
  beryl3/shared/loki/loki.yml
  beryl3/shared/alloy/config.alloy
  beryl3/shared/grafana/dashboards/project2/application.json
)
unit() {
  if [[ ${ALL:-} == 1 ]]; then npm run --silent test:unit >"$log" 2>&1
  else node --test --test-concurrency=1 --test-reporter=spec test/render/golden.test.ts >"$log" 2>&1; fi
}
log=$(mktemp)
trap 'git checkout -q -- "$golden"; rm -f "$log"' EXIT

unit || { echo "the unit tier fails with every golden file in place:"; tail -40 "$log"; exit 1; }
echo "ok    all golden files in place: the unit tier passes"
failed=0
for f in "${files[@]}"; do
  [[ -f $golden/$f ]] || { echo "FAIL  $f is not a golden file"; failed=1; continue; }
  rm "$golden/$f"
  if unit; then
    echo "FAIL  $f deleted, and the unit tier still passes"
    failed=1
  elif grep -q "golden file .*$f is missing" "$log"; then
    echo "ok    $f deleted: the unit tier fails, naming it"
  else
    echo "FAIL  $f deleted: the unit tier fails, but not for the missing file"
    tail -40 "$log"
    failed=1
  fi
  git checkout -q -- "$golden/$f"
done
exit $failed
