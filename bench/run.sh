#!/usr/bin/env bash
# Benchmarks fluxval against the per-root `kubectl kustomize | kubeconform` pipeline on
# generated d1-layout repositories, and records peak memory. One command:
#
#   bench/run.sh            # 1k, 10k and 100k resources, the ~90-root repo, d1 warm runs
#   SIZES="1000 10000" bench/run.sh
#
# Needs: cargo, /usr/bin/time (GNU), kubectl (for the pipeline), optionally kubeconform and
# hyperfine. Schemas come from ../shared/schemas (FLUXVAL_SHARED to override), so nothing is
# downloaded and the comparison is about work, not network.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
shared=${FLUXVAL_SHARED:-$here/../shared}
schemas=$(cd "$shared/schemas" && pwd)
sizes=${SIZES:-1000 10000 100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$here/Cargo.toml"
bin=$here/target/release/fluxval
t='{{ .ResourceKind }}{{ .KindSuffix }}.json'
k8s="$schemas/kubernetes/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/$t"
flux="$schemas/flux/$t"
flags=(--offline --kubernetes-version 1.35.0 --schema-location "$k8s" --schema-location "$flux")

gen() { cargo bench --quiet --manifest-path "$here/Cargo.toml" --bench scale -- --generate "$1" "$2" >/dev/null; }

# median of N timed runs of a command, in seconds
median() {
  local n=$1; shift
  local times=()
  for _ in $(seq "$n"); do
    local s e
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    times+=("$(( (e - s) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.4f", a[int((NR+1)/2)]/1e6}'
}

peak_mib() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {printf "%.0f", $2/1024}'
}

pipeline() {
  local repo=$1
  for root in "$repo"/components/*/staging "$repo"/components/*/production "$repo"/update; do
    if command -v kubeconform >/dev/null; then
      kubectl kustomize "$root" | kubeconform -strict -ignore-missing-schemas \
        -kubernetes-version 1.35.0 -schema-location "$k8s" -schema-location "$flux" >/dev/null
    else
      kubectl kustomize "$root" >/dev/null
    fi
  done
}

echo "| repository | resources | roots | fluxval median | peak memory | per-root pipeline | ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for size in $sizes; do
  repo=$work/repo-$size
  gen "$repo" "$size"
  roots=$(( $(find "$repo/components" -mindepth 2 -maxdepth 2 -type d ! -name base | wc -l) + 1 ))
  runs=5; [ "$size" -ge 100000 ] && runs=1
  ours=$(median "$runs" "$bin" validate "${flags[@]}" "$repo")
  mem=$(peak_mib "$bin" validate "${flags[@]}" "$repo")
  echo "| generated d1 | $size | $roots | ${ours} s | ${mem} MiB | | |"
done

repo=$work/repo-90
gen "$repo" 270   # 45 namespaces: 90 overlays + update/
ours=$(median 5 "$bin" validate "${flags[@]}" "$repo")
mem=$(peak_mib "$bin" validate "${flags[@]}" "$repo")
if command -v kubectl >/dev/null; then
  theirs=$(median 1 pipeline "$repo")
  what="kubectl kustomize"; command -v kubeconform >/dev/null && what="$what | kubeconform"
  ratio=$(awk -v a="$theirs" -v b="$ours" 'BEGIN {printf "%.0fx", a/b}')
  echo "| generated d1, 91 roots ($what per root) | 270 | 91 | ${ours} s | ${mem} MiB | ${theirs} s | $ratio |"
fi

for d1 in "$shared/corpus/controlplaneio-fluxcd__d1-apps" "$here/examples/d1-apps"; do
  [ -d "$d1" ] || continue
  "$bin" validate "${flags[@]}" "$d1" >/dev/null 2>&1 || true   # warm the page cache
  warm=$(median 11 "$bin" validate "${flags[@]}" "$d1")
  echo "| $(basename "$d1") (warm) | | | ${warm} s | | | |"
done
