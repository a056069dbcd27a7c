#!/usr/bin/env bash
# Install Mermaid's parser (the npm packages mermaid and jsdom) for
# tests/report/test_mermaid_validity.py, into PREFIX (default: $IACGUARD_MERMAID_PREFIX, else
# ~/.cache/iacguard/mermaid). Best effort: without npm, or offline, it says so and exits 0 (the
# test then skips). Nothing is installed globally and nothing of it is executed by iacguard.
set -uo pipefail
prefix="${1:-${IACGUARD_MERMAID_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/iacguard/mermaid}}"
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "install_mermaid: npm or node not found: the Mermaid validity test will skip" >&2
  exit 0
fi
if [ -f "$prefix/node_modules/mermaid/package.json" ] && [ -f "$prefix/node_modules/jsdom/package.json" ]; then
  exit 0
fi
mkdir -p "$prefix" || exit 0
if ! timeout 300 npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
  mermaid@11 jsdom@29 >&2; then
  echo "install_mermaid: npm install failed (offline?): the Mermaid validity test will skip" >&2
fi
exit 0
