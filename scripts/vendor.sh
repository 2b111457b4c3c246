#!/usr/bin/env bash
# Refreshes the vendored front-end assets in static/vendor/ from the npm registry.
# The results are committed, so a fresh clone needs neither npm nor a network to serve pages.
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.9
TABULATOR=6.3.1
ECHARTS=5.6.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "bootstrap@$BOOTSTRAP" "tabulator-tables@$TABULATOR" "echarts@$ECHARTS" >/dev/null)
out=static/vendor
mkdir -p "$out/bootstrap" "$out/tabulator" "$out/echarts"
tar -xzf "$tmp/bootstrap-$BOOTSTRAP.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/bootstrap"
cp "$tmp/bootstrap/dist/css/bootstrap.min.css" "$tmp/bootstrap/dist/js/bootstrap.bundle.min.js" "$tmp/bootstrap/LICENSE" "$out/bootstrap/"
tar -xzf "$tmp/tabulator-tables-$TABULATOR.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/tabulator"
cp "$tmp/tabulator/dist/js/tabulator.min.js" "$tmp/tabulator/dist/css/tabulator_bootstrap5.min.css" "$tmp/tabulator/LICENSE" "$out/tabulator/"
tar -xzf "$tmp/echarts-$ECHARTS.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/echarts"
cp "$tmp/echarts/dist/echarts.min.js" "$tmp/echarts/LICENSE" "$out/echarts/"
printf 'bootstrap %s\ntabulator-tables %s\necharts %s\n' "$BOOTSTRAP" "$TABULATOR" "$ECHARTS" > "$out/VERSIONS"
echo "vendored into $out: $(tr '\n' ' ' < "$out/VERSIONS")"
