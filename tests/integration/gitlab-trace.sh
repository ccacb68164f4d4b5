#!/bin/sh
# Job log tailing (tests/tools/gitlab-client.c `tail`, the same calls as the
# Pipelines panel: dt_gl_request with range_from = the reader's offset, then
# dt_gl_trace_feed_from) against the demo's live job test:asan, whose log
# grows while it is read:
#  - with Range honoured: the first request has no Range, every later one
#    asks for bytes=<what we have>-, answers are 206 (or 416: nothing new),
#    and the bytes transferred add up to the log's size: never fetched twice;
#  - with Range ignored (scenario trace_range: false): 200s with the whole
#    log, of which the reader takes only what is new: the same lines, once.
. "$(dirname "$0")/gitlab-lib.sh"
build_driver
JOB=/projects/42/jobs/3124/trace

check() { # $1 driver output, $2 requests, $3 full log, $4 range|norange
	$PY - "$@" <<'PY'
import json, sys
out = [json.loads(l) for l in open(sys.argv[1])]
reqs = json.load(open(sys.argv[2]))
full = open(sys.argv[3], "rb").read()
mode = sys.argv[4]
tails, end = out[:-1], out[-1]
assert len(reqs) == len(tails) >= 6, (len(reqs), len(tails))
grew = [t["offset"] for t in tails]
assert grew == sorted(grew) and grew[-1] > grew[0], ("the log did not grow while tailed", grew)
# the log may still grow after the last poll: compare with its first bytes
assert len(full) >= end["offset"] > 1000, (end, len(full))
seen = full[:end["offset"]]
assert end["lines"] == seen.count(b"\n") + (0 if seen.endswith(b"\n") else 1), (end, seen.count(b"\n"))
assert end["sections"] >= 2, end
assert "range" not in reqs[0]["headers"], reqs[0]
prev = 0
for r, t in zip(reqs, tails):
    if prev:
        assert r["headers"].get("range") == "bytes=%d-" % prev, (r, prev)
    prev = t["offset"]
if mode == "range":
    st = [r["status"] for r in reqs]
    assert st[0] == 200 and all(s in (206, 416) for s in st[1:]), st
    assert 206 in st, st
    got = sum(r["bytes"] for r in reqs if r["status"] in (200, 206))
    assert got == end["offset"], ("bytes fetched", got, "taken", end["offset"])
else:
    assert all(r["status"] == 200 for r in reqs), [r["status"] for r in reqs]
PY
}

for mode in range norange; do
	if [ $mode = range ]; then
		scenario live '{"extends": "demo.json", "timeline": []}'
	else
		scenario live '{"extends": "demo.json", "timeline": [], "trace_range": false}'
	fi
	start_sim "$work/live.json"
	"$DRV" "$URL" $TOKEN tail $JOB 10 400 >"$work/out" 2>"$work/err" || fail "$mode: tail: $(cat "$work/err")"
	reqs "$work/reqs" 'jobs/3124/trace$'
	curl -s -H "PRIVATE-TOKEN: $TOKEN" "$URL/api/v4$JOB" >"$work/full"
	check "$work/out" "$work/reqs" "$work/full" $mode || { cat "$work/out"; fail "$mode"; }
	stop_sim
done
echo ok
