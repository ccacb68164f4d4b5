/*
 * The audit log: one JSON object per line in $XDG_STATE_HOME/duoterm/audit.jsonl
 * (mode 0600), for every outbound request and every tool run.
 *
 * A tiny shared API so that every layer writes the same way: the caller
 * builds the object (no secrets in it: method, path, status, bytes,
 * duration ...), dt_audit_write() adds "ts" when absent, serialises it on one
 * line, passes it through dt_redact() (a token that slipped in is still
 * masked) and appends it with a single write(2) on an O_APPEND descriptor, so
 * lines from two processes never interleave.  Main thread or any thread.
 */
#ifndef DUOTERM_CORE_AUDIT_H
#define DUOTERM_CORE_AUDIT_H

#include <cjson/cJSON.h>

/* Appends one line.  0, or -errno (the log is best effort: callers carry on). */
int dt_audit_write(const cJSON *record);

/* Sends the lines to `path` instead (tests); NULL goes back to the default
 * ($DUOTERM_AUDIT_FILE when set, else the state directory); "" turns the
 * audit log off. */
void dt_audit_set_file(const char *path);

#endif
