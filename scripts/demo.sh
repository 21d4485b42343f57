#!/usr/bin/env bash
# The demo: on a machine with no NIC, generate a week-long synthetic capture
# (daily and weekly cycles, many hosts and services, one injected SYN flood,
# and the application of every flow as label rules),
# run sa-aggregator, sa-trainer and sa-capture as separate processes on
# private endpoints, then show what an operator asks first.
#   DEMO_DAYS (default 10), DEMO_SEED (default 7), DEMO_DIR (default: a temp dir, removed)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
BIN=$PWD/build/bin
DAYS=${DEMO_DAYS:-10}
SEED=${DEMO_SEED:-7}
DIR=${DEMO_DIR:-$(mktemp -d /tmp/sa-demo-XXXXXX)}
mkdir -p "$DIR"
QUERY="ipc://$DIR/query"
INGEST="ipc://$DIR/ingest"
SA() { "$BIN/sa" --server "$QUERY" "$@"; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${DEMO_DIR:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Generating $DAYS days of traffic (seed $SEED)"
TRUTH=$("$BIN/sa-gen" --out "$DIR/demo.pcap" --labels "$DIR/labels.rules" --seed "$SEED" --days "$DAYS")
echo "$TRUTH"

step "2. Starting sa-aggregator and sa-trainer (retrains every 20 s, the last day held out)"
"$BIN/sa-aggregator" --db "$DIR/db" --ingest "$INGEST" --query "$QUERY" --publish "ipc://$DIR/publish" --no-sync 2>"$DIR/aggregator.log" &
pids+=($!)
"$BIN/sa-trainer" --server "$QUERY" --every 20 --holdout 24 2>"$DIR/trainer.log" &
pids+=($!)
for _ in $(seq 50); do SA nodes >/dev/null 2>&1 && break; sleep 0.1; done

step "3. Capturing: sa-capture reads the file through DPDK net_pcap and exports to the aggregator"
start=$(date +%s.%N)
"$BIN/sa-capture" --node-id 1 --aggregator "$INGEST" --pcap "$DIR/demo.pcap" --file-prefix "sa-demo-$$"
echo "capture + export + store: $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
SA nodes

step "4. What happened: totals, protocols, top talkers, packet sizes, latency"
SA summary

step "5. Volume over time: bytes per hour, one line per day (peaks and troughs)"
SA series --metric bytes --step 1h --format csv | python3 scripts/demo_report.py volume

step "6. Forecast: train on demand, holding the last day out, then the model against it"
SA train bytes packets --holdout 24
SA models bytes
SA forecast bytes --format csv | python3 scripts/demo_report.py forecast

step "7. The anomaly: TCP SYNs per minute, against what the generator injected"
SA series --metric tcp_syn --step 1m --format csv | python3 scripts/demo_report.py anomaly "$TRUTH"
A_START=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["anomaly"]["start"])' "$TRUTH")
A_END=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["anomaly"]["end"])' "$TRUTH")
echo "  top destinations by packets during the flood:"
SA top --by dst-ip --metric packets --from "$A_START" --to "$A_END" --limit 3

step "8. Monitoring: the models held against the traffic as it was stored; the alerts raised"
for _ in $(seq 50); do [ "$(SA --format csv monitor | grep -c '^packets,')" = 1 ] && break; sleep 0.2; done
SA monitor
SA alerts packets

step "9. Classification: the flows labelled by the generator's ground truth, a classifier trained and stored"
SA train classifier --labels "$DIR/labels.rules" --budget 20
echo "  the features that tell the classes apart (sa explore; plots in $DIR/plots):"
SA explore --labels "$DIR/labels.rules" --out "$DIR/plots" | sed -n '/^PCA/,/^$/p' | head -12
