#!/bin/sh
# The command line: --version, --help (every env var and config key), bad
# options, no terminal, TERM=dumb, status without a token.
BIN=${DUOTERM_BIN:-./duoterm}
fail() { echo "FAIL: $*"; exit 1; }
out=$(mktemp); trap 'rm -f "$out"' EXIT

"$BIN" --version | grep -Eq '^duoterm [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
"$BIN" --help >"$out" || fail "--help exit status"
for word in GITLAB_INSTANCE_URL GITLAB_TOKEN OPENAI_BASE_URL OPENAI_API_KEY ANTHROPIC_BASE_URL \
	ANTHROPIC_API_KEY GITLAB_AI_GATEWAY_URL GITLAB_SMALL_MODEL DUOTERM_PROVIDER DUOTERM_MODEL \
	SSL_CERT_FILE HTTPS_PROXY NO_PROXY NO_COLOR DUOTERM_LOG XDG_CONFIG_HOME --demo --project \
	--log --no-color status gitlab.instance_url tls.ca_file ui.theme; do
	grep -q -- "$word" "$out" || fail "--help does not mention $word"
done

"$BIN" --no-such-option >"$out" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown option exit $rc"
grep -q "Try 'duoterm --help'" "$out" || fail "unknown option message"

"$BIN" frobnicate >"$out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "unknown command 'frobnicate'" "$out" || fail "unknown command"

# not a terminal: a clear message, exit 1, no escape sequences
"$BIN" </dev/null >"$out" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "no tty exit $rc"
grep -q "needs a terminal" "$out" || fail "no tty message: $(cat "$out")"
grep -q "$(printf '\033')" "$out" && fail "escape sequences written without a terminal"

# TERM=dumb under a real pty
if command -v script >/dev/null; then
	TERM=dumb script -qec "$BIN" /dev/null >"$out" 2>&1 </dev/null
	grep -q "TERM is dumb" "$out" || fail "TERM=dumb message: $(cat "$out")"
fi

# status with no token says why and fails
dir=$(mktemp -d)
(cd "$dir" && "$BIN" status) >"$out" 2>&1; rc=$?
rm -rf "$dir"
[ $rc -eq 1 ] || fail "status without a token exit $rc"
grep -q "Not signed in to GitLab" "$out" || fail "status without token: $(cat "$out")"

# a broken config file is reported with its line, and duoterm still runs
cfg=$(mktemp -d)
mkdir -p "$cfg/duoterm"
printf '{\n  "gitlab": {\n    "instance_url": oops\n  }\n}\n' >"$cfg/duoterm/config.json"
XDG_CONFIG_HOME=$cfg "$BIN" status >"$out" 2>&1
grep -q "config.json: line 3: not valid JSON" "$out" || fail "bad config: $(cat "$out")"
rm -rf "$cfg"
echo ok
