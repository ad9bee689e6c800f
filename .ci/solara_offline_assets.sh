#!/usr/bin/env bash
# Fill Solara's CDN cache so the dashboard works without internet (and put axe-core, which
# the dashboard's accessibility test injects into the page, next to it: no CDN at test time).
#
# Solara serves its page shell (Vue app, fonts, requirejs) from /_solara/cdn/, a proxy to
# cdn.jsdelivr.net that first looks in <venv>/share/solara/cdn/<spec>/. Offline, every miss
# fails and the page stays blank. PyPI's solara-assets stops at 1.58.2, so we fetch the exact
# npm packages solara 1.64.1 (with ipyvue/ipyvuetify 1.x, i.e. Vue 2) asks for.
#
# Usage: .ci/solara_offline_assets.sh VENV_DIR      (idempotent; needs npm and the npm registry)
set -euo pipefail

VENV_DIR="${1:?usage: $0 VENV_DIR}"
CDN_DIR="$VENV_DIR/share/solara/cdn"

# Exact specs requested by solara 1.64.1's page template and widgets (Vue 2 stack).
SPECS=(
  "@widgetti/solara-vuetify-app@10.1.1"       # the page shell: Vue, Vuetify, widget manager
  "requirejs@2.3.6"                           # module loader used by the template and widgets
  "font-awesome@4.5.0"                        # icon font linked by the template
  "@widgetti/vue-grid-layout@2.3.13-alpha.2"  # solara.GridDraggable / SolaraViz grid (lazy)
  "axe-core@4.14.1"                           # accessibility checks of the browser tests only
)

mkdir -p "$CDN_DIR"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for spec in "${SPECS[@]}"; do
  dest="$CDN_DIR/$spec"
  if [[ -f "$dest/package.json" ]]; then
    echo "solara assets: $spec already present"
    continue
  fi
  echo "solara assets: fetching $spec"
  tarball="$(cd "$work" && npm pack --silent "$spec" | tail -n 1)"
  # unpack into a temporary folder first, so an interrupted run leaves no half-filled $dest
  tmp="$CDN_DIR/.tmp-$$-${spec//[@\/]/_}"
  rm -rf "$tmp" && mkdir -p "$tmp"
  tar -xzf "$work/$tarball" -C "$tmp" --strip-components=1
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest"
  mv "$tmp" "$dest"
done

# Check the files the page template actually loads.
for f in \
  "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js" \
  "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css" \
  "@widgetti/solara-vuetify-app@10.1.1/dist/fonts.css" \
  "requirejs@2.3.6/require.js" \
  "font-awesome@4.5.0/css/font-awesome.min.css" \
  "axe-core@4.14.1/axe.min.js"; do
  [[ -s "$CDN_DIR/$f" ]] || { echo "solara assets: missing $CDN_DIR/$f" >&2; exit 1; }
done
echo "solara assets: ready in $CDN_DIR"
