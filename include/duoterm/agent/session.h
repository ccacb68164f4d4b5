/*
 * Sessions and the audit log.
 *
 * A session is a directory $XDG_STATE_HOME/duoterm/sessions/<id>/ holding
 * journal.jsonl (one JSON record per line, appended and fsync'ed one by
 * one: a crash loses at most the record being written, and a torn last line
 * is skipped on load) and proposals/ (the proposal store's directory).
 * Ids sort by creation time: 20260822-101500-1a2b3c.
 *
 * The audit log $XDG_STATE_HOME/duoterm/audit.jsonl gets one line per
 * outbound model request and per tool run, passed through dt_redact().
 */
#ifndef DUOTERM_AGENT_SESSION_H
#define DUOTERM_AGENT_SESSION_H

#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"

struct dt_session;

/* base: the sessions directory (NULL: $XDG_STATE_HOME/duoterm/sessions).
 * 0 or -1 + err. */
int dt_session_create(struct dt_session **out, const char *base, struct dt_sb *err);
/* id NULL or "": the most recent session (the journal written last). */
int dt_session_open(struct dt_session **out, const char *base, const char *id, struct dt_sb *err);
/* The same, the most recent of one kind: remote 1 a Duo Agent Platform
 * flow's session, 0 a local agent's, -1 either (a named id is opened
 * whatever its kind). */
int dt_session_open_kind(struct dt_session **out, const char *base, const char *id, int remote,
			 struct dt_sb *err);
void dt_session_free(struct dt_session *s);

const char *dt_session_id(const struct dt_session *s);
const char *dt_session_dir(const struct dt_session *s);
/* <dir>/proposals */
const char *dt_session_proposals_dir(const struct dt_session *s);

/* Appends one record and fsyncs.  0 or -errno. */
int dt_session_append(struct dt_session *s, const cJSON *record);
/* Calls cb for each complete record, in order.  Returns how many. */
int dt_session_load(struct dt_session *s, void (*cb)(const cJSON *rec, void *ud), void *ud);

/* A Duo Agent Platform flow's session holds {"t":"remote", "workflow_id",
 * "project_id", "namespace_id", "definition", ...} records; the last one (a
 * copy, for cJSON_Delete), or NULL in a local agent's session. */
cJSON *dt_session_remote(struct dt_session *s);

/* Appends a redacted line {"ts":..., "kind":kind, ...fields} to the audit
 * log (file NULL: the default).  fields is consumed. */
int dt_audit(const char *file, const char *kind, cJSON *fields);

#endif
