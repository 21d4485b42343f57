#!/usr/bin/env bash
# The demo: on a machine with no NIC, generate a week-long synthetic capture
# (daily and weekly cycles, many hosts and services, one injected SYN flood),
# run sa-aggregator, sa-trainer and sa-capture as separate processes on
# private endpoints, then show what an operator asks first.
#   DEMO_DAYS (default 8), DEMO_SEED (default 7), DEMO_DIR (default: a temp dir, removed)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
BIN=$PWD/build/bin
DAYS=${DEMO_DAYS:-8}
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
TRUTH=$("$BIN/sa-gen" --out "$DIR/demo.pcap" --seed "$SEED" --days "$DAYS")
echo "$TRUTH"
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(eval('d'+sys.argv[2]))" "$TRUTH" "$1"; }

step "2. Starting sa-aggregator and sa-trainer (retrains every 20 s)"
"$BIN/sa-aggregator" --db "$DIR/db" --ingest "$INGEST" --query "$QUERY" --no-sync 2>"$DIR/aggregator.log" &
pids+=($!)
"$BIN/sa-trainer" --server "$QUERY" --every 20 2>"$DIR/trainer.log" &
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
SA series --metric bytes --step 1h --format csv | python3 -c '
import sys, csv, datetime
rows = list(csv.DictReader(sys.stdin))
vals = [float(r["value"]) for r in rows]
top = max(vals) or 1
bars = " ▁▂▃▄▅▆▇█"
days = {}
for r, v in zip(rows, vals):
    days.setdefault(r["time"][:10], []).append(v)
for d, vs in days.items():
    wd = datetime.date.fromisoformat(d).strftime("%a")
    line = "".join(bars[min(8, int(8 * v / top + 0.999))] for v in vs)
    print(f"  {d} {wd} {line}  {sum(vs)/1e6:8.1f} MB")
peak = max(range(len(vals)), key=vals.__getitem__)
trough = min(range(len(vals)), key=vals.__getitem__)
print(f"  peak hour   {rows[peak][\"time\"]}  {vals[peak]/1e6:.1f} MB")
print(f"  quietest    {rows[trough][\"time\"]}  {vals[trough]/1e6:.1f} MB")
'

step "6. Forecast: retrain on demand, then the model against the held-out last day"
"$BIN/sa-trainer" --server "$QUERY" --once
SA models
SA forecast bytes --format csv | python3 -c '
import sys, csv
rows = [r for r in csv.DictReader(sys.stdin)]
print("  hour (UTC)            forecast      actual   95% interval")
for r in rows:
    flag = "  <-- outside" if r["outside95"] == "yes" else ""
    print(f"  {r[\"time\"][:16]}  {float(r[\"forecast\"])/1e6:9.1f} MB {float(r[\"actual\"] or 0)/1e6:8.1f} MB"
          f"   [{float(r[\"lo95\"])/1e6:.1f}, {float(r[\"hi95\"])/1e6:.1f}]{flag}")
known = [r for r in rows if r["actual"]]
if known:
    import math
    e = [float(r["actual"]) - float(r["forecast"]) for r in known]
    print(f"  MAE {sum(map(abs, e))/len(e)/1e6:.2f} MB, RMSE {math.sqrt(sum(x*x for x in e)/len(e))/1e6:.2f} MB over {len(e)} hours")
'

step "7. The anomaly: TCP SYNs per minute, against what the generator injected"
SA series --metric tcp_syn --step 1m --format csv | python3 -c '
import sys, csv, statistics
rows = list(csv.DictReader(sys.stdin))
vals = [float(r["value"]) for r in rows]
med = statistics.median(vals)
peak = max(range(len(vals)), key=vals.__getitem__)
print(f"  median {med:.0f} SYN/min; peak {vals[peak]:.0f} SYN/min at {rows[peak][\"time\"]}")
hot = [r["time"] for r, v in zip(rows, vals) if v > 20 * max(med, 1)]
if hot:
    print(f"  minutes above 20x the median: {len(hot)}, from {hot[0]} to {hot[-1]}")
'
echo "  injected: $(field "['anomaly']['kind']") on $(field "['anomaly']['target']") from $(date -u -d @"$(field "['anomaly']['start']")" +%FT%TZ) to $(date -u -d @"$(field "['anomaly']['end']")" +%FT%TZ)"
SA top --by dst-ip --metric packets --from "$(field "['anomaly']['start']")" --to "$(field "['anomaly']['end']")" --limit 3
