#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs it; tests/action.rs runs it directly).
#
# Runs `fluxval validate` once, writing the text report to the log, GitHub annotations (kept to
# the lines a pull request changed when a base is known), a Markdown job summary and a SARIF
# file. Exits with fluxval's exit code: 0 clean, 1 findings, 2 could not run.
#
# Inputs (environment): INPUT_PATH, INPUT_CONFIG, INPUT_TENANT, INPUT_VARS (files separated by
# newlines or spaces), INPUT_OUTPUT (log format), INPUT_ARGS (extra arguments, split on
# whitespace), INPUT_BASE (a revision: validate and annotate only what changed since the merge
# base with it), INPUT_ANNOTATE (changed, all or none), INPUT_SARIF_FILE. FLUXVAL names the
# binary (default: fluxval on PATH). GitHub sets GITHUB_WORKSPACE, GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY and RUNNER_TEMP.
set -euo pipefail

fluxval=${FLUXVAL:-fluxval}
workspace=${GITHUB_WORKSPACE:-$PWD}
tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/fluxval.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$workspace"

sarif=${INPUT_SARIF_FILE:-fluxval.sarif}
annotate=${INPUT_ANNOTATE:-changed}
case "$annotate" in
  changed|all|none) ;;
  *) echo "::error title=fluxval::annotate must be changed, all or none, not '$annotate'"; exit 2 ;;
esac

args=(validate "${INPUT_PATH:-.}" --output "${INPUT_OUTPUT:-text}")
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
case "${INPUT_TENANT:-false}" in
  true) args+=(--tenant) ;;
  false|'') ;;
  *) echo "::error title=fluxval::tenant must be true or false, not '$INPUT_TENANT'"; exit 2 ;;
esac
for v in ${INPUT_VARS:-}; do
  args+=(--vars "$v")
done

# A pull request's base: validate only the roots its changes affect, annotate only its lines.
base=''
if [ -n "${INPUT_BASE:-}" ]; then
  if ! git rev-parse --verify --quiet "${INPUT_BASE}^{commit}" >/dev/null; then
    # A shallow checkout may lack the base: fetch it (and enough history for a merge base).
    git fetch --quiet --no-tags origin "$INPUT_BASE" 2>/dev/null || true
  fi
  if base=$(git merge-base "$INPUT_BASE" HEAD 2>/dev/null); then
    args+=(--changed-since "$base")
  else
    echo "::warning title=fluxval::no merge base with $INPUT_BASE (use actions/checkout with fetch-depth: 0); validating everything"
    base=''
  fi
fi

args+=(--report "github=$tmp/annotations" --report "markdown=$tmp/summary.md" --report "sarif=$sarif")
# Extra arguments last, so that they can add to or override the ones above.
read -r -a extra <<<"${INPUT_ARGS:-}"
args+=("${extra[@]}")

echo "+ $fluxval ${args[*]}"
code=0
"$fluxval" "${args[@]}" || code=$?

# Annotations: with a base, only findings on lines the change added or modified (a finding
# without a line is kept when its file changed).
if [ -f "$tmp/annotations" ] && [ "$annotate" != none ]; then
  if [ "$annotate" = changed ] && [ -n "$base" ]; then
    git -c core.quotePath=false diff -U0 --no-color --no-renames "$base" -- |
      awk '
        /^\+\+\+ / { f = substr($0, 5); sub(/^b\//, "", f); next }
        /^@@ / {
          split($3, a, ","); start = substr(a[1], 2) + 0
          n = (a[2] == "") ? 1 : a[2] + 0
          if (n > 0) printf "%s\t%d\t%d\n", f, start, start + n - 1
        }' >"$tmp/ranges"
    awk -v ranges="$tmp/ranges" '
      function unescape(s) {
        gsub(/%2C/, ",", s); gsub(/%3A/, ":", s); gsub(/%0A/, "\n", s); gsub(/%0D/, "\r", s)
        gsub(/%25/, "%", s); return s
      }
      BEGIN {
        FS = "\t"
        while ((getline l < ranges) > 0) {
          split(l, r, "\t"); n[r[1]]++; lo[r[1], n[r[1]]] = r[2]; hi[r[1], n[r[1]]] = r[3]
        }
      }
      /^::(error|warning|notice) / {
        head = $0; sub(/^::[a-z]+ /, "", head); props = substr(head, 1, index(head, "::") - 1)
        file = ""; line = 0
        k = split(props, kv, ",")
        for (j = 1; j <= k; j++) {
          if (kv[j] ~ /^file=/) file = unescape(substr(kv[j], 6))
          else if (kv[j] ~ /^line=/) line = substr(kv[j], 6) + 0
        }
        if (!(file in n)) next
        if (line == 0) { print; next }
        for (j = 1; j <= n[file]; j++) if (line >= lo[file, j] && line <= hi[file, j]) { print; next }
      }' "$tmp/annotations"
  else
    grep -E '^::(error|warning|notice) ' "$tmp/annotations" || true
  fi
fi

if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$tmp/summary.md" ]; then
  cat "$tmp/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    [ -f "$sarif" ] && echo "sarif-file=$sarif"
    echo "exit-code=$code"
  } >>"$GITHUB_OUTPUT"
fi
exit "$code"
