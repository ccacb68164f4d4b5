# Shared by tests/integration/agent-*.sh (sourced; not a test itself): the
# real duoterm binary, through its net thread, against its own simulator on
# 127.0.0.1 port 0, in its own temporary repository and XDG directories.
#
#   . "$(dirname "$0")/agent-lib.sh"
#   start_sim agent-main.json        $URL, $work/repo (the demo checkout)
#   dt OUT run --json ... GOAL       runs duoterm in the repo; $rc, stdout in OUT
#   check_run OUT                    the JSON lines parse; no secret leaked
#   check_audit                      one audit line per request and tool run
# DT_KEEP=1 keeps the work directory.
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
DT_BUILD=${DT_BUILD:-$SRCDIR/build}
SIM=$SRCDIR/tests/sim/duoterm-sim
SCEN=$SRCDIR/tests/sim/scenarios
PY=/usr/bin/python3
TOKEN=glpat-demo-0000000000000000
KEY=sk-demo-0000000000000000

$PY -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
[ -x "$BIN" ] || { echo "FAIL: no binary $BIN (make first)"; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }

work=$(mktemp -d /tmp/dt-agent.XXXXXX)
simpid='' dtpid=''
cleanup() {
	[ -n "$dtpid" ] && kill -9 "$dtpid" 2>/dev/null
	[ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	if [ -n "$DT_KEEP" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

STATE=$work/state
mkdir -p "$STATE" "$work/config" "$work/home"
export HOME=$work/home XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$work/config
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset DUOTERM_PROVIDER DUOTERM_MODEL DUOTERM_LOG GITLAB_AI_GATEWAY_URL GITLAB_SMALL_MODEL
unset ANTHROPIC_BASE_URL ANTHROPIC_API_KEY OPENAI_API_VERSION
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy

# start_sim SCENARIO: the simulator on a free port and the demo checkout in
# $work/repo.  Sets URL and exports the settings duoterm reads.
start_sim() {
	"$SIM" --scenario "$SCEN/$1" --port 0 --port-file "$work/port" --quiet \
		</dev/null >/dev/null 2>"$work/sim.err" &
	simpid=$!
	i=0
	while [ ! -s "$work/port" ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "the simulator did not start: $(cat "$work/sim.err")"
		kill -0 "$simpid" 2>/dev/null || fail "the simulator exited: $(cat "$work/sim.err")"
		sleep 0.05
	done
	URL=http://127.0.0.1:$(cat "$work/port")
	export GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=$TOKEN
	export OPENAI_BASE_URL=$URL/v1 OPENAI_API_KEY=$KEY
	"$SRCDIR/tests/sim/make-demo-repo" "$work/repo" "$URL" >/dev/null 2>&1 || fail "make-demo-repo"
}

# dt OUT ARGS...: duoterm ARGS in the repository, stdout (JSON lines) in
# OUT, stderr in OUT.err; the exit status in $rc.
dt() {
	out=$1
	shift
	(cd "$work/repo" && exec timeout 60 "$BIN" --model demo-model "$@") >"$out" 2>"$out.err"
	rc=$?
}

# dt_bg OUT ARGS...: the same in the background; $dtpid is duoterm's own pid
dt_bg() {
	out=$1
	shift
	(cd "$work/repo" && exec "$BIN" --model demo-model "$@") >"$out" 2>"$out.err" &
	dtpid=$!
}

# wait_for FILE STRING [TENTHS]: until FILE contains STRING
wait_for() {
	i=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt "${3:-200}" ] && return 1
		sleep 0.1
	done
	return 0
}

# The simulator's record of the requests (JSON list) into FILE.
sim_requests() {
	$PY - "$URL" "$1" <<'PY' || fail "cannot read /__sim/requests"
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/__sim/requests", timeout=10) as r:
    data = json.load(r)
json.dump(data.get("requests", data) if isinstance(data, dict) else data, open(sys.argv[2], "w"))
PY
}

# sid_of OUT: the session id on OUT's first line
sid_of() { $PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' "$1"; }

session_dir() {
	set -- "$STATE"/duoterm/sessions/*
	[ $# -eq 1 ] && [ -d "$1" ] || fail "expected one session in $STATE/duoterm/sessions: $*"
	echo "$1"
}

# check_run OUT: every line is a JSON object with a type, one session line
# first, one done line last; no credential anywhere in the output; stderr empty.
check_run() {
	$PY - "$1" <<'PY' || fail "bad JSON output in $1: $(tail -n 5 "$1")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
ev = [json.loads(l) for l in lines]
assert ev and all(isinstance(e, dict) and "type" in e for e in ev), lines[:3]
assert ev[0]["type"] == "session", ev[0]
assert ev[-1]["type"] == "done", ev[-1]
assert sum(e["type"] == "done" for e in ev) == 1, "more than one done"
PY
	for f in "$1" "$1.err"; do
		grep -q -e glpat-demo -e sk-demo "$f" && fail "a credential reached $f"
	done
	# nothing on stderr (sanitizers report their suppressions there)
	[ -n "$DT_SANITIZED" ] || [ ! -s "$1.err" ] || fail "stderr of $1: $(head -c 2000 "$1.err")"
	return 0
}

# check_audit: the audit log exists, every line is JSON, one "request" line
# per model request the simulator answered (minus $1 retried at the HTTP
# level), one "tool" line (and one "tool_result") per tool run, and no token or
# key anywhere in the state directory.
check_audit() {
	audit=$STATE/duoterm/audit.jsonl
	[ -s "$audit" ] || fail "no audit log"
	sim_requests "$work/reqs.json"
	$PY - "$audit" "$work/reqs.json" "${1:-0}" "$work"/out*.json <<'PY' || fail "audit log"
import json, sys
audit = [json.loads(l) for l in open(sys.argv[1])]
reqs = json.load(open(sys.argv[2]))
retried = int(sys.argv[3])
model = [r for r in reqs if r["method"] == "POST" and r["path"].endswith("/chat/completions")]
n_req = sum(a["kind"] == "request" for a in audit)
assert n_req == len(model) - retried, ("request lines", n_req, "model requests", len(model), retried)
running = set()
for f in sys.argv[4:]:
    for l in open(f):
        e = json.loads(l)
        if e["type"] == "tool" and e["status"] == "running":
            running.add(e["id"])
tools = [a for a in audit if a["kind"] == "tool"]
results = [a for a in audit if a["kind"] == "tool_result"]
assert sorted(a["call_id"] for a in tools) == sorted(running), ("tool lines", tools, running)
assert len(results) <= len(tools), (results, tools)
for a in audit:
    assert a.get("ts") and a.get("kind"), a
PY
	if grep -rq -e glpat-demo -e sk-demo "$STATE"; then
		fail "a credential reached the state directory: $(grep -rl -e glpat-demo -e sk-demo "$STATE")"
	fi
	return 0
}

# The session's journal and proposal store exist; the journal's lines parse.
check_journal() {
	sd=$(session_dir)
	[ -s "$sd/journal.jsonl" ] || fail "no journal in $sd"
	[ -d "$sd/proposals" ] || fail "no proposal store in $sd"
	$PY - "$sd/journal.jsonl" <<'PY' || fail "journal does not parse"
import json, sys
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)
PY
}
