#!/bin/sh
# The GitLab client (src/gitlab/client.c) through the real net thread against
# the simulator, driven by tests/tools/gitlab-client.c:
#  - offset pagination followed through Link to the last page; keyset too;
#  - ETag: the second GET carries If-None-Match, gets 304, the data stays;
#  - 429 + Retry-After: the retry waits at least Retry-After;
#  - 500s and dropped connections: retried, at most max_attempts times;
#  - 401: "sign in again", no retry;
#  - the per-host concurrency cap, seen from the simulator's side;
#  - the audit log: one line per request (method, path, status, bytes,
#    duration), no token anywhere.
. "$(dirname "$0")/gitlab-lib.sh"
build_driver
P=/projects/duoterm-demo%2Ftools%2Fsandbox

scenario faults '{"extends": "static.json",
 "faults": [
  {"path": "^/api/v4/projects/42/issues$", "kind": "429", "retry_after": 2, "times": 1},
  {"path": "^/api/v4/projects/42/pipelines$", "kind": "500", "times": 2},
  {"path": "^/api/v4/projects/42/merge_requests/1$", "kind": "500"},
  {"path": "^/api/v4/projects/42/jobs$", "kind": "drop", "times": 1},
  {"path": "^/api/v4/projects/42/merge_requests/2$", "kind": "latency", "latency_ms": 300}
 ]}'
start_sim "$work/faults.json"

# ---- offset pagination: 3 per page, every page followed to the last
"$DRV" "$URL" $TOKEN get "$P/merge_requests?state=all&per_page=3" all >"$work/o1" || fail "pages: $(cat "$work/o1")"
reqs "$work/r1" 'merge_requests$'
$PY - "$work/o1" "$work/r1" <<'PY' || fail "offset pagination"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
r = json.load(open(sys.argv[2]))
assert o["status"] == 200 and o["pages"] == 3, o
assert o["items"] == int(o["x_total"]) == 8, o
pages = [q["query"].get("page") if isinstance(q["query"], dict) else dict(q["query"]).get("page") for q in r]
assert len(r) == 3 and pages == [None, "2", "3"], pages
PY

# ---- keyset pagination: only Link rel="next", followed as given
sim_reset
"$DRV" "$URL" $TOKEN get "/projects?pagination=keyset&order_by=id&sort=asc&per_page=2" all >"$work/o2" || fail "keyset"
reqs "$work/r2" '^/api/v4/projects$'
$PY - "$work/o2" "$work/r2" <<'PY' || fail "keyset pagination"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
r = json.load(open(sys.argv[2]))
assert o["status"] == 200 and o["pages"] >= 3 and o["pages"] == len(r), (o, len(r))
q = [dict(x["query"]) if not isinstance(x["query"], dict) else x["query"] for x in r]
assert all(x.get("pagination") == "keyset" for x in q), q
assert any("id_after" in x for x in q[1:]), q
assert o["items"] >= 5, o
PY

# ---- ETag: 200 then 304 reused
sim_reset
"$DRV" "$URL" $TOKEN twice "$P/merge_requests?state=opened" >"$work/o3" || fail "twice"
reqs "$work/r3" 'merge_requests$'
$PY - "$work/o3" "$work/r3" <<'PY' || fail "etag"
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1])]
r = json.load(open(sys.argv[2]))
assert a["status"] == 200 and not a["not_modified"] and a["items"] == 6, a
assert b["status"] == 200 and b["not_modified"] and b["sha"] == a["sha"] and b["items"] == 6, b
assert len(r) == 2, r
assert r[0]["status"] == 200 and "if-none-match" not in r[0]["headers"], r[0]
assert r[1]["status"] == 304 and r[1]["headers"]["if-none-match"].startswith('W/"'), r[1]
assert r[1]["bytes"] == 0, r[1]
PY

# ---- 429 with Retry-After: 2 -> the retry comes >= 2 s later
sim_reset
"$DRV" "$URL" $TOKEN get "/projects/42/issues" >"$work/o4" || fail "429"
reqs "$work/r4" 'issues$'
$PY - "$work/o4" "$work/r4" <<'PY' || fail "429 Retry-After"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
r = json.load(open(sys.argv[2]))
assert o["status"] == 200 and o["attempts"] == 2, o
assert [x["status"] for x in r] == [429, 200], r
gap = r[1]["time"] - r[0]["time"]
assert 2.0 <= gap <= 3.2, ("Retry-After not honoured", gap)
PY

# ---- 500 twice then 200: retried with backoff; always 500: bounded
sim_reset
"$DRV" --backoff-ms 100 "$URL" $TOKEN get "/projects/42/pipelines" >"$work/o5" || fail "500"
"$DRV" --backoff-ms 100 --attempts 3 "$URL" $TOKEN get "/projects/42/merge_requests/1" >"$work/o6" || fail "500 always"
"$DRV" --backoff-ms 100 "$URL" $TOKEN get "/projects/42/jobs" >"$work/o7" || fail "drop"
reqs "$work/r5"
$PY - "$work/o5" "$work/o6" "$work/o7" "$work/r5" <<'PY' || fail "retries"
import json, sys
o5, o6, o7 = [json.loads(open(f).readline()) for f in sys.argv[1:4]]
r = json.load(open(sys.argv[4]))
assert o5["status"] == 200 and o5["attempts"] == 3, o5
assert o6["status"] == 500 and o6["attempts"] == 3 and "GitLab answered 500" in o6["error"], o6
assert len([x for x in r if x["path"].endswith("/merge_requests/1")]) == 3, "not bounded"
assert o7["status"] == 200 and o7["attempts"] == 2, o7
jobs = [x for x in r if x["path"].endswith("/jobs")]
assert [x["status"] for x in jobs] == [0, 200], jobs
PY

# ---- 401: sign in again, asked once
sim_reset
"$DRV" "$URL" glpat-wrong-0123456789 get "/user" >"$work/o8" || fail "401"
reqs "$work/r8" '/user$'
$PY - "$work/o8" "$work/r8" <<'PY' || fail "401"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
r = json.load(open(sys.argv[2]))
assert o["status"] == 401 and o["auth_failed"] and o["attempts"] == 1, o
assert "sign in again" in o["error"], o
assert "glpat-wrong" not in json.dumps(o), o
assert len(r) == 1, r
PY

# ---- concurrency cap: 8 requests that take 300 ms each, 2 at a time
sim_reset
"$DRV" --attempts 1 "$URL" $TOKEN cap 2 8 "/projects/42/merge_requests/2" >"$work/o9" || fail "cap"
reqs "$work/r9" "merge_requests/2$"
$PY - "$work/o9" "$work/r9" <<'PY' || fail "concurrency cap"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
end = lines[-1]
r = json.load(open(sys.argv[2]))
assert len(r) == 8 and end["max_running"] == 2, (len(r), end)
# from the server's side: at no time more than 2 requests open
ev = sorted([(x["time"], 1) for x in r] + [(x["time"] + x["duration_ms"] / 1000 - 0.01, -1) for x in r])
n = peak = 0
for _, d in ev:
    n += d
    peak = max(peak, n)
assert peak <= 2, ("more than 2 at once", peak)
assert 1100 <= end["elapsed_ms"] <= 3000, end
PY

# ---- the audit log: one line per attempt the simulator saw, no token
reqs "$work/all"
$PY - "$work/audit.jsonl" "$work/o2" <<'PY' || fail "audit log"
import json, sys
audit = [json.loads(l) for l in open(sys.argv[1])]
http = [a for a in audit if a.get("kind") == "http" and a.get("layer") == "gitlab"]
keyset = json.loads(open(sys.argv[2]).readline())["pages"]
# 3 pages + keyset + 2 (ETag) + 2 (429) + 3 + 3 + 2 (retries) + 1 (401) + 8 (cap)
assert len(http) == 24 + keyset == len(audit), (len(http), keyset, len(audit))
for a in http:
    for k in ("method", "path", "status", "bytes", "duration_ms", "ts"):
        assert k in a, (k, a)
    assert a["path"].startswith("/api/v4/"), a
# the last run (the cap): 8 lines, each 200, duration about the latency
labels = [a for a in http if a["path"] == "/api/v4/projects/42/merge_requests/2"]
assert len(labels) == 8 and all(a["status"] == 200 and a["duration_ms"] >= 250 for a in labels), labels
mr = [a for a in http if a["path"].startswith("/api/v4/projects/duoterm-demo%2Ftools%2Fsandbox/merge_requests?state=opened")]
assert [a["status"] for a in mr] == [200, 304] and mr[1].get("cached"), mr
drop = [a for a in http if a["path"] == "/api/v4/projects/42/jobs"]
assert drop[0]["status"] == 0 and "error" in drop[0], drop
PY
grep -q -e glpat-demo -e glpat-wrong "$work/audit.jsonl" && fail "a token reached the audit log"
echo ok
