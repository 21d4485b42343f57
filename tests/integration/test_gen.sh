#!/bin/bash
# Checks sa-gen's pcap with tools that share no code with it: capinfos and
# tshark read the file, python3's standard library does the arithmetic.
#
# Usage: test_gen.sh PATH_TO_SA_GEN
# Exits non-zero if any check fails; the last line is "N passed, M failed".
# Files are kept small (4 days at 4000 flows/day) so tshark's full
# dissection fits the time budget; one default run checks the default size.
set -u

GEN=${1:?usage: test_gen.sh PATH_TO_SA_GEN}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_gen.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

for tool in capinfos tshark python3; do
	command -v "$tool" >/dev/null || { bad "$tool not installed"; finish; }
done
[ -x "$GEN" ] || { bad "$GEN is not executable"; finish; }

# json FILE KEY[.KEY]: one value of sa-gen's summary line
json() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2"
}

# --- command line ------------------------------------------------------------
expect_exit() { # expected-status description args...
	local want=$1 desc=$2
	shift 2
	"$GEN" "$@" >"$TMP/out" 2>"$TMP/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then ok "$desc (exit $got)"; else bad "$desc: exit $got, want $want"; fi
}
expect_exit 2 "missing --out is a usage error"
expect_exit 2 "--days 0 is a usage error" --out "$TMP/x.pcap" --days 0
expect_exit 2 "--days abc is a usage error" --out "$TMP/x.pcap" --days abc
expect_exit 2 "unknown --anomaly kind is a usage error" --out "$TMP/x.pcap" --anomaly meteor
expect_exit 2 "unknown option is a usage error" --out "$TMP/x.pcap" --bogus
expect_exit 2 "anomaly outside the capture is a usage error" --out "$TMP/x.pcap" --days 1 \
	--anomaly-at 2024-02-01T00:00:00Z
[ "$(wc -l <"$TMP/err")" -eq 1 ] && ok "usage errors are one line" || bad "usage error is not one line"
expect_exit 0 "--help succeeds" --help
grep -q -- "--anomaly-seconds" "$TMP/out" && ok "--help lists the options" || bad "--help text incomplete"

# --- determinism -------------------------------------------------------------
ARGS=(--days 4 --flows-per-day 4000 --anomaly-seconds 30 --quiet)
A="$TMP/a.pcap"
"$GEN" --out "$A" --seed 7 "${ARGS[@]}" >"$TMP/a.json" || bad "sa-gen run failed"
"$GEN" --out "$TMP/a2.pcap" --seed 7 "${ARGS[@]}" >"$TMP/a2.json"
"$GEN" --out "$TMP/b.pcap" --seed 8 "${ARGS[@]}" >"$TMP/b.json"
cmp -s "$A" "$TMP/a2.pcap" && cmp -s "$TMP/a.json" "$TMP/a2.json" &&
	ok "same seed gives a byte-identical file and summary" || bad "same seed, different output"
cmp -s "$A" "$TMP/b.pcap" && bad "different seeds gave the same file" || ok "different seed gives a different file"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
want = {"packets", "bytes", "flows", "first_ts", "last_ts", "anomaly", "hosts", "services"}
assert set(d) == want, set(d) ^ want
assert set(d["anomaly"]) == {"kind", "start", "end", "target", "packets"}, d["anomaly"]' "$TMP/a.json" &&
	ok "summary is one JSON object with the documented keys" || bad "summary keys"

# --- capinfos agrees with the summary -------------------------------------------
read -r _ cnt size first last < <(capinfos -T -r -M -S -c -d -a -e "$A")
[ "$cnt" = "$(json "$TMP/a.json" packets)" ] && ok "capinfos packet count $cnt = summary" ||
	bad "capinfos counts $cnt packets, summary says $(json "$TMP/a.json" packets)"
[ "$size" = "$(json "$TMP/a.json" bytes)" ] && ok "capinfos data size $size = summary bytes" ||
	bad "capinfos data size $size, summary bytes $(json "$TMP/a.json" bytes)"
python3 - "$first" "$last" "$(json "$TMP/a.json" first_ts)" "$(json "$TMP/a.json" last_ts)" <<'EOF' &&
import sys
first, last, jf, jl = map(float, sys.argv[1:])
start, end = 1704067200, 1704067200 + 4 * 86400  # 2024-01-01, 4 days
assert abs(first - jf) < 1e-6 and abs(last - jl) < 1e-6, "summary timestamps differ"
assert start <= first < start + 3600 and end - 3600 < last < end, (first, last)
EOF
	ok "time span covers the 4 requested days" || bad "time span $first .. $last"
capinfos -T -r -M -o "$A" | grep -q True && ok "packets in strict time order" || bad "packets out of order"

# --- tshark dissects every packet cleanly ----------------------------------------
if tshark -n -r "$A" -Y '_ws.malformed || _ws.expert.severity==error' >"$TMP/err.txt" \
	2>"$TMP/tshark.err" && [ ! -s "$TMP/err.txt" ]; then
	ok "tshark: no malformed packet, no expert error"
else
	bad "tshark errors: $(head -3 "$TMP/err.txt" "$TMP/tshark.err")"
fi

# --- one field dump for the semantic checks ----------------------------------------
# only L3/L4 fields are read: skip reassembly and application dissectors
tshark -n -r "$A" -o tcp.desegment_tcp_streams:FALSE -o tcp.analyze_sequence_numbers:FALSE \
	--disable-protocol tls,http,ssh,smtp,imf,dns,ntp -T fields -E separator=, -e frame.time_epoch -e frame.len -e ip.src -e ip.dst \
	-e ipv6.src -e ipv6.dst -e tcp.flags -e tcp.dstport -e udp.dstport -e ip.proto \
	-e ipv6.nxt >"$TMP/fields.csv" 2>/dev/null
python3 - "$TMP/fields.csv" "$TMP/a.json" <<'EOF' | tee "$TMP/sem.txt"
import csv, ipaddress, json, statistics, sys
from collections import Counter, defaultdict

rows = csv.reader(open(sys.argv[1]))
summary = json.load(open(sys.argv[2]))
an = summary["anomaly"]
clients = [ipaddress.ip_network("10.1.0.0/16"), ipaddress.ip_network("2001:db8:1::/64")]
attackers = [ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("192.0.2.0/24")]
addr = {}

def net_of(a, nets):
    if a not in addr:
        addr[a] = ipaddress.ip_address(a)
    ip = addr[a]
    return any(ip.version == n.version and ip in n for n in nets)

syn = synack = 0
per_sec = Counter()
hour_bytes = defaultdict(int)
flood = flood_out = 0
hosts, services = set(), set()
for t, ln, s4, d4, s6, d6, flags, tdport, udport, p4, p6 in rows:
    t, ln = float(t), int(ln)
    src, dst = s4 or s6, d4 or d6
    per_sec[int(t)] += 1
    from_client, to_client = net_of(src, clients), net_of(dst, clients)
    anomalous = net_of(src, attackers) or net_of(dst, attackers)
    if not anomalous:
        hour_bytes[int(t) // 3600] += ln
    else:
        flood += 1
        flood_out += not (an["start"] <= t < an["end"] + 1)  # replies may trail by an RTT
    if from_client or to_client:
        hosts.update((src, dst))
    f = int(flags, 16) if flags else 0
    if from_client and flags and f & 0x12 == 0x02:
        syn += 1
        services.add((dst, "tcp", tdport))
    if to_client and flags and f & 0x12 == 0x12:
        synack += 1
    if from_client and udport:
        services.add((dst, "udp", udport))

def check(cond, what):
    print(("PASS " if cond else "FAIL ") + what)

check(syn > 1000 and syn == synack, f"handshakes: {syn} client SYNs, {synack} SYN/ACKs back")
check(flood == an["packets"] and flood_out == 0,
      f"anomaly: {flood} packets from/to attacker ranges, summary {an['packets']}, {flood_out} outside the window")
first, last = min(per_sec), max(per_sec)
seconds = [per_sec.get(s, 0) for s in range(first, last + 1)]
median = statistics.median(seconds)
inside = [per_sec.get(s, 0) for s in range(an["start"], an["end"])]
mean_in = sum(inside) / len(inside)
check(mean_in >= 50 * max(median, 1) and mean_in > 1000,
      f"anomaly window {an['start']}..{an['end']}: {mean_in:.0f} pkt/s vs median second {median}")
by_hour = defaultdict(list)
for h, b in hour_bytes.items():
    by_hour[h % 24].append(b)
days = (last - first) / 86400
mean = {h: sum(v) / round(days) for h, v in by_hour.items()}  # hours with no packet count as 0
mean.update({h: 0 for h in range(24) if h not in mean})
peak = max(mean, key=mean.get)
trough = min(mean, key=mean.get)
check(mean[peak] >= 3 * mean[trough],
      f"daily cycle: peak {peak:02d}h {mean[peak]/1e6:.2f} MB, trough {trough:02d}h {mean[trough]/1e6:.2f} MB")
check(7 <= peak <= 22 and (trough <= 7 or trough >= 23), f"peak hour {peak}, trough hour {trough}")
check(len(hosts) == summary["hosts"], f"hosts: {len(hosts)} addresses seen, summary {summary['hosts']}")
check(len(services) == summary["services"], f"services: {len(services)} seen, summary {summary['services']}")
EOF
pass=$((pass + $(grep -c '^PASS' "$TMP/sem.txt")))
fail=$((fail + $(grep -c '^FAIL' "$TMP/sem.txt")))
[ -s "$TMP/sem.txt" ] || bad "field analysis produced nothing"

# --- portscan --------------------------------------------------------------------
P="$TMP/scan.pcap"
"$GEN" --out "$P" --days 1 --flows-per-day 300 --anomaly portscan --anomaly-seconds 12 --quiet >"$TMP/p.json"
tshark -n -r "$P" -Y 'ip.addr==192.0.2.0/24' -T fields -E separator=, -e ip.src -e ip.dst \
	-e tcp.flags -e tcp.dstport >"$TMP/scan.csv" 2>/dev/null
python3 - "$TMP/scan.csv" "$TMP/p.json" <<'EOF' | tee "$TMP/scan.txt"
import csv, json, sys
an = json.load(open(sys.argv[2]))["anomaly"]
rows = list(csv.reader(open(sys.argv[1])))
probes = {int(p) for s, d, f, p in rows if d == an["target"] and int(f, 16) == 0x002}
rsts = sum(1 for s, d, f, p in rows if s == an["target"] and int(f, 16) & 0x004)
ok = lambda c, w: print(("PASS " if c else "FAIL ") + w)
ok(probes == set(range(1, 1025)), f"portscan probes {len(probes)} distinct ports of {an['target']}")
ok(len(rows) == an["packets"], f"portscan: {len(rows)} packets with the scanner, summary {an['packets']}")
ok(rsts > 1000, f"closed ports answer RST ({rsts})")
EOF
pass=$((pass + $(grep -c '^PASS' "$TMP/scan.txt")))
fail=$((fail + $(grep -c '^FAIL' "$TMP/scan.txt")))
[ -s "$TMP/scan.txt" ] || bad "portscan analysis produced nothing"

# --- the default run ------------------------------------------------------------------
D="$TMP/default.pcap"
t0=$(date +%s.%N)
"$GEN" --out "$D" --quiet >"$TMP/d.json" || bad "default run failed"
t1=$(date +%s.%N)
cnt=$(capinfos -T -r -M -c "$D" | cut -f2)
[ "$cnt" = "$(json "$TMP/d.json" packets)" ] && [ "$cnt" -ge 800000 ] && [ "$cnt" -le 1500000 ] &&
	ok "default run: $cnt packets in $(python3 -c "print(round($t1 - $t0, 1))") s" ||
	bad "default run: $cnt packets, summary $(json "$TMP/d.json" packets)"

finish
