#!/bin/sh
# Pipelines pushed over ActionCable: duoterm subscribes to each unfinished
# pipeline of the list (GraphqlChannel, ciPipelineStatusUpdated with the
# pipeline's global id) and to the one open in detail; when the simulator
# changes a pipeline the row shows it within a second, through one
# conditional request for the pipelines and no polling of the other panels
# (polling is set to a minute here, so any request is the push's doing).
# Finished pipelines and a closed detail are unsubscribed; after a
# reconnect the subscriptions are sent again.
. "$(dirname "$0")/panels-lib.sh"
gl_sim
gl_start 200 40 DUOTERM_POLL_MS=60000:60000:60000:60000
screen_wait "6 Pipelines · 8 pipelines" 10
# static.json: #312 running, #311 pending; the rest finished
gl_wait_subs "311 312"

# #311 starts: pushed, shown within a second, one request for it
seq=$(gl_seq)
gl_push '{"type": "pipeline_status", "id": 311, "status": "running"}'
t0=$(date +%s%N)
screen_wait "#311 ▶ feature/peek · running" 2
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 1000 ] || die "the push took $(( (t1 - t0) / 1000000 )) ms to show"
gl_reqs "$seq" > "$work/r1"
[ "$(cat "$work/r1")" = "GET /pipelines 200 -" ] ||
	die "expected one request for the pipelines after the push, got: $(cat "$work/r1")"

# it finishes: shown, and its subscription goes
seq=$(gl_seq)
gl_push '{"type": "pipeline_status", "id": 311, "status": "success"}'
screen_wait "#311 ✔ feature/peek · success" 2
gl_wait_subs "312"
gl_reqs "$seq" | grep -v "^GET /pipelines 200 -$" && die "requests other than the pipelines list"

# a finished pipeline open in detail is followed too (it can be retried);
# a job of it changing status refreshes the jobs shown
screen_keys 6 j j
screen_keys Enter
screen_wait "6 Pipelines · detail" 5
screen_wait "test:lint · failed" 5
gl_wait_subs "310 312"
seq=$(gl_seq)
gl_push '{"type": "job_status", "id": 3103, "status": "running"}'
screen_wait "▶ test:lint · running" 2
gl_reqs "$seq" | sort > "$work/r2"
printf '%s\n' "GET /pipelines 200 -" "GET /pipelines/310/jobs 200 -" | diff -u - "$work/r2" ||
	die "the push did not bring exactly the list and the jobs"

# back to the list: 310 is running now, so it stays subscribed as one of
# the list's unfinished pipelines; when it finishes (test:lint may fail)
# its subscription goes
screen_keys Escape
screen_wait "6 Pipelines · 8 pipelines" 5
screen_wait "#310 ▶ perf/drain-memcpy · running" 2
gl_wait_subs "310 312"
gl_push '{"type": "job_status", "id": 3103, "status": "failed"}'
screen_wait "#310 ✔ perf/drain-memcpy · success" 2
gl_wait_subs "312"
# and a finished pipeline's detail, closed, leaves nothing behind
screen_keys Enter
screen_wait "6 Pipelines · detail" 5
gl_wait_subs "310 312"
screen_keys h
screen_wait "6 Pipelines · 8 pipelines" 5
gl_wait_subs "312"

# a job's log open: its pipeline and the job itself are followed; a push
# for the job (its status) makes the log look again at once instead of
# after the quiet backoff (3 s and more) — the footer shows within a second
screen_keys g Enter
screen_wait "test:asan · running" 5
screen_keys G Enter
screen_wait "job 3124 log · live" 5
gl_wait_subs "312 j3124"
sleep 2.5 # the log went quiet: its next look is seconds away
seq=$(gl_seq)
gl_push '{"type": "job_status", "id": 3124, "status": "failed"}'
i=0
until gl_reqs "$seq" | grep -q "^GET /jobs/3124/trace 206"; do
	i=$((i + 1))
	[ $i -gt 20 ] && die "the log was not asked again within a second: $(gl_reqs "$seq")"
	sleep 0.05
done
screen_keys G
screen_wait "ERROR: Job failed" 2
screen_wait "job 3124 log · failed" 5
gl_wait_subs "312"
screen_keys Escape
screen_wait "test:asan · failed" 5
screen_keys Escape
screen_wait "6 Pipelines · 8 pipelines" 5

# the simulator restarts (same port, its world as at the start: #311 pending
# again): after the reconnect the subscription is sent again and the list is
# asked once for what was missed, which brings #311's back
port=$(cat "$work/port")
kill "$simpid"
wait "$simpid" 2>/dev/null
gl_sim static.json "$port"
gl_wait_subs "311 312" 20
screen_wait "#311 … feature/peek · pending" 5
grep -q "glpat-demo" "$work/log" && die "the token reached the log"
echo ok
