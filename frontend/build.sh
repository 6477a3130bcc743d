#!/usr/bin/env bash
# Build WISDOM's committed front-end assets into wisdom/static/ (served by Flask at /assets).
#
# Needs Node + npm and the npm registry; the app itself never does: the outputs
# are committed. Re-run after changing package.json/package-lock.json or wisdom.scss.
#
# Generated here (overwritten on every run):
#   wisdom/static/css/wisdom.css              GOV.UK Frontend + MoJ Frontend + WISDOM helpers (Arial only)
#   wisdom/static/js/govuk-frontend.min.js    GOV.UK Frontend ES module
#   wisdom/static/js/moj-frontend.min.js      MoJ Frontend ES module (self-contained, no bare imports)
#   wisdom/static/images/icon-*.svg           MoJ Frontend icons used by its CSS
#
# Hand-maintained, NOT touched here:
#   wisdom/static/js/init.js                  initialises GOV.UK + MoJ components (no inline scripts)
#   wisdom/static/images/favicon.svg|ico      neutral WISDOM favicon (GOV.UK's favicons/icons are
#                                             the crown, so they are deliberately not shipped; nor
#                                             are govuk-crest.svg, fonts, manifest.json or MoJ logos)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
static="$here/../wisdom/static"
cd "$here"

npm ci --no-audit --no-fund

govuk="node_modules/govuk-frontend/dist/govuk"
moj="node_modules/@ministryofjustice/frontend/moj"

mkdir -p "$static/css" "$static/js" "$static/images"

# CSS: compressed, no source map. --load-path=. because MoJ's Sass loads
# "node_modules/govuk-frontend/dist/govuk/base" relative to a load path.
node_modules/.bin/sass --load-path=. --style=compressed --no-source-map \
  wisdom.scss "$static/css/wisdom.css"

# JS: copy the ES module builds, dropping the sourceMappingURL comment
# (maps are not shipped, so the comment would only cause 404s in dev tools).
strip_map() { sed -e 's@//# sourceMappingURL=[^[:space:]]*$@@' "$1" > "$2"; }
strip_map "$govuk/govuk-frontend.min.js" "$static/js/govuk-frontend.min.js"
strip_map "$moj/moj-frontend.min.js" "$static/js/moj-frontend.min.js"

# Images: only the MoJ icons (small SVGs; the CSS references several of them).
# Skipped on purpose: GOV.UK favicon/icons/crest and MoJ crown/crest/logos.
rm -f "$static"/images/icon-*.svg
cp "$moj"/assets/images/icon-*.svg "$static/images/"

# Sanity check: every url(...) in the CSS must be a file we ship under /assets/.
missing=0
for u in $(grep -o 'url([^)]*)' "$static/css/wisdom.css" | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' | sort -u); do
  case "$u" in
    /assets/*) [ -f "$static/${u#/assets/}" ] || { echo "NOTE: CSS url not shipped: $u" >&2; missing=1; } ;;
    data:*) ;;
    *) echo "NOTE: CSS url outside /assets/: $u" >&2; missing=1 ;;
  esac
done
[ "$missing" -eq 0 ] || echo "(govuk-crest.svg is expected: the footer crest is hidden in wisdom.scss and never requested)" >&2

echo "Built into $static:"
(cd "$static" && find css js images -type f | sort | xargs ls -l)
