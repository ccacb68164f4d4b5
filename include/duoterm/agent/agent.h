/*
 * The local agent driver: the engine (engine.h) wired to a provider, the
 * tools, the proposal store, a session journal and the audit log.  This is
 * what the workbench and `duoterm run` call.  Main thread only.
 *
 *	struct dt_agent_opts o = DT_AGENT_OPTS_INIT;
 *	o.provider = p; o.loop = &rt.loop; o.workdir = ...; o.cbs = &my_cbs; o.ud = pane;
 *	if (dt_agent_new(&a, &o, &err)) ...
 *	dt_agent_submit(a, "fix the leak");      chat input, any time
 *	... callbacks arrive from the loop (provider events, tool output) ...
 *	dt_agent_approve(a, call_id, DT_APPROVE_ONCE, NULL);
 *	dt_agent_review_changed(a);             after the user decided hunks in Review
 *	dt_agent_free(a);
 *
 * Callbacks (each may be NULL) run on the main thread, never from inside
 * an API call's caller stack in a way that re-enters the engine: calling
 * any dt_agent_* function from a callback is allowed (it is queued).
 *
 *  on_entry(index, entry, delta, len): transcript entry `index` was added or
 *      changed; for streamed text `delta` is what was appended (else NULL).
 *      Tool output streams as deltas of the tool's entry (entry->text is
 *      set only when the result arrives).
 *  on_plan(plan): the plan changed (model or user).
 *  on_approval(call_id, tool, subject, pattern): a tool call waits for
 *      dt_agent_approve.  Show `subject` through dt_visible() (control
 *      characters made visible); offer once / always for `pattern` / no
 *      with a reason.
 *  on_proposal(path): the agent proposed a change (refresh Review).
 *  on_state(state): idle / streaming / tools / approval / paused.
 *  on_turn_done(outcome, message): the turn ended (done, stopped, failed).
 *  on_usage(usage): token counts of the last request.
 */
#ifndef DUOTERM_AGENT_AGENT_H
#define DUOTERM_AGENT_AGENT_H

#include "duoterm/agent/engine.h"
#include "duoterm/agent/policy.h"

struct dt_loop;
struct dt_net;
struct dt_repo;
struct dt_provider;
struct dt_gl_client;
struct dt_proposal_store;
struct dt_mcp_set;

struct dt_agent_cbs {
	void (*on_entry)(size_t index, const struct dt_entry *entry, const char *delta, size_t len,
			 void *ud);
	void (*on_plan)(const struct dt_plan *plan, void *ud);
	void (*on_approval)(const char *call_id, const char *tool, const char *subject,
			    const char *pattern, void *ud);
	void (*on_proposal)(const char *path, void *ud);
	void (*on_state)(enum dt_agent_state state, void *ud);
	void (*on_turn_done)(enum dt_turn_outcome outcome, const char *message, void *ud);
	void (*on_usage)(const struct dt_prov_usage *usage, void *ud);
};

struct dt_agent_opts {
	struct dt_provider *provider;   /* borrowed (required) */
	struct dt_loop *loop;           /* borrowed (required: commands, timers) */
	struct dt_net *net;             /* borrowed; HTTP MCP servers (may be NULL) */
	const char *workdir;            /* the work tree (required) */
	struct dt_repo *repo;           /* borrowed; .gitignore, staging (may be NULL) */
	struct dt_gl_client *gitlab;    /* borrowed; GitLab tools (may be NULL) */
	const char *project_id;         /* URL-escaped project path, for GitLab tools */
	const char *project;            /* key of remembered approvals (default: workdir) */
	const char *model;              /* NULL: the provider's */
	const char *system;             /* NULL: the built-in system prompt */
	const char *sessions_dir;       /* NULL: $XDG_STATE_HOME/duoterm/sessions */
	const char *resume;             /* resume this session id ("" = latest); NULL: new */
	const char *approvals_file;     /* NULL: $XDG_STATE_HOME/duoterm/approvals.json */
	const char *audit_file;         /* NULL: $XDG_STATE_HOME/duoterm/audit.jsonl */
	const char *const *approve;     /* extra allow-patterns (NULL-terminated), not saved */
	int no_journal;                 /* tests: no session directory */
	int no_mcp;                     /* do not start .gitlab/duo/mcp.json's servers */
	unsigned cut_retries;           /* see engine.h; default 1 */
	const struct dt_agent_cbs *cbs;
	void *ud;
};

#define DT_AGENT_OPTS_INIT {.cut_retries = 1}

struct dt_agent;

/* 0, or -1 with the reason (no work tree, a session that cannot be
 * created or found).  With opts.resume the transcript, plan and proposals
 * are restored; a turn that was under way continues with dt_agent_resume(). */
int dt_agent_new(struct dt_agent **out, const struct dt_agent_opts *opts, struct dt_sb *err);
/* Cancels the stream and commands in flight (no callbacks) and frees. */
void dt_agent_free(struct dt_agent *a);

void dt_agent_submit(struct dt_agent *a, const char *text);
void dt_agent_pause(struct dt_agent *a);
/* Continues after a pause, or a turn interrupted by a crash (resumed session). */
void dt_agent_resume(struct dt_agent *a);
void dt_agent_stop(struct dt_agent *a);
/* Sends the failed request again. */
void dt_agent_retry(struct dt_agent *a);
/* reason: for DT_APPROVE_NO, told to the model (may be NULL). */
void dt_agent_approve(struct dt_agent *a, const char *call_id, enum dt_approval answer,
		      const char *reason);
void dt_agent_set_plan(struct dt_agent *a, const struct dt_plan *plan);
/* Picks up the review decisions (dt_proposal_decisions_json) for the
 * model's next request.  Also done before every request the agent sends. */
void dt_agent_review_changed(struct dt_agent *a);

struct dt_engine *dt_agent_engine(struct dt_agent *a);
struct dt_proposal_store *dt_agent_proposals(struct dt_agent *a);
const char *dt_agent_session_id(const struct dt_agent *a); /* NULL without a journal */
/* The MCP servers started for this agent (NULL when none are configured). */
struct dt_mcp_set *dt_agent_mcp(struct dt_agent *a);
/* Whether the restored session stopped in the middle of a turn. */
int dt_agent_interrupted(const struct dt_agent *a);

#endif
