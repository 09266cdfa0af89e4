#!/usr/bin/env bash
# Measures requests/s and latency percentiles of the stats endpoint with wrk.
# Usage: perf/stats/run-wrk.sh [base-url] [runs]
#   base-url  default http://127.0.0.1:4480
#   runs      default 3 (quote the median; a wide min-max means noise)
# Set BILBYRELAY_API_TOKEN to send "Authorization: Bearer <token>" (needed for /metrics
# when api_token is configured). Needs the Debian package "wrk".
set -euo pipefail

base="${1:-http://127.0.0.1:4480}"
runs="${2:-3}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }

auth=()
if [[ -n "${BILBYRELAY_API_TOKEN:-}" ]]; then
  auth=(-H "Authorization: Bearer ${BILBYRELAY_API_TOKEN}")
fi

for path in /health /metrics; do
  echo "== ${path}"
  curl -fsS -o /dev/null "${auth[@]}" "${base}${path}" || { echo "${base}${path} does not answer 200" >&2; exit 1; }
  for ((i = 1; i <= runs; i++)); do
    wrk -t2 -c64 -d10s --latency "${auth[@]}" "${base}${path}" \
      | awk -v run="$i" '/Requests\/sec/ { rps = $2 } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 } /Socket errors|Non-2xx/ { err = err " " $0 }
                         END { printf "run %d: %s req/s, p50 %s, p99 %s%s\n", run, rps, p50, p99, err }'
  done
done
