/*
 * The remote agent driver: a GitLab Duo Agent Platform flow (protocols/dap.md)
 * whose model runs in GitLab and whose tool actions run here, through the
 * same tools (tools.h), approval policy (policy.h) and proposal store as the
 * local agent (agent.h).  It reports with the same callbacks (struct
 * dt_agent_cbs), so the workbench and `duoterm run --json` render both alike.
 * Main thread only.
 *
 *	struct dt_remote_opts o = DT_REMOTE_OPTS_INIT;
 *	o.net = rt.net; o.loop = &rt.loop; o.instance_url = ...; o.token = ...;
 *	o.project = "group/project"; o.workdir = ...; o.cbs = &cbs; o.ud = me;
 *	dt_remote_new(&r, &o, &err);
 *	dt_remote_submit(r, "goal");   creates the workflow, opens the socket
 *	... on_entry / on_plan / on_approval / on_proposal / on_turn_done ...
 *	dt_remote_submit(r, "next message");   same workflow, a new socket
 *	dt_remote_approve(r, id, DT_APPROVE_ONCE, NULL);
 *	dt_remote_stop(r);             stopWorkflow + close
 *
 * Turns: one WebSocket per turn.  A turn ends when the server closes with
 * 1000; the last checkpoint's status says why (INPUT_REQUIRED and FINISHED
 * are DT_TURN_DONE, FAILED is FAILED, STOPPED is STOPPED; the two
 * *_APPROVAL_REQUIRED statuses call on_approval and wait for
 * dt_remote_approve, which reconnects with the decision).  1001 and a
 * dropped link reconnect and resume; a held workflow lock (1013, or an
 * upgrade refused with 409/429) retries with backoff; 1008 (quota), 4400
 * (invalid request) and a refused upgrade (401/403/404) end the turn with a
 * message saying what to do.
 *
 * Approvals happen twice, on purpose: GitLab asks for the tools it gates
 * (TOOL_CALL_APPROVAL_REQUIRED: approved automatically when a remembered or
 * --approve pattern matches the same subject, else on_approval with the
 * entry's message_id as call_id), and every action runs through the local
 * policy (a command the user approved once in this session is not asked
 * again).  Writes and edits become proposals (on_proposal); the review
 * decisions go back to the flow with the next message.
 */
#ifndef DUOTERM_AGENT_REMOTE_H
#define DUOTERM_AGENT_REMOTE_H

#include "duoterm/agent/agent.h"
#include "duoterm/agent/dap.h"

struct dt_net;
struct dt_loop;
struct dt_repo;
struct dt_remote;

struct dt_remote_opts {
	struct dt_net *net;             /* borrowed (required) */
	struct dt_loop *loop;           /* borrowed (required) */
	const char *instance_url;       /* https://host[/root] (required) */
	const char *token;              /* PAT or OAuth token (required) */
	const char *token_source;       /* for messages ("GITLAB_TOKEN") */
	const char *project;            /* group/project path (required) */
	const char *branch;             /* current branch (context), may be NULL */
	const char *workdir;            /* work tree (required) */
	struct dt_repo *repo;           /* may be NULL */
	const char *workflow_definition; /* NULL: "chat" */
	const char *model;              /* user_selected_model_identifier; NULL: default */
	const char *workflow_id;        /* continue this workflow; NULL: create one */
	const char *resume;             /* a session to continue ("" the latest): its workflow,
					 * its proposals; NULL: a new session */
	const char *sessions_dir;       /* NULL: $XDG_STATE_HOME/duoterm/sessions */
	int no_journal;                 /* no session at all (proposals in memory) */
	const char *const *context;     /* "#12" issue, "!4" MR, "path" file; NULL-terminated */
	const char *proposals_dir;      /* NULL: the session's (in memory without one) */
	const char *approvals_file;     /* NULL: $XDG_STATE_HOME/duoterm/approvals.json */
	const char *audit_file;         /* NULL: the default */
	const char *const *approve;     /* extra allow-patterns; "*" approves all */
	int insecure;                   /* TLS verification off (ws) */
	int no_mcp;                     /* do not start .gitlab/duo/mcp.json's servers */
	unsigned max_reconnects;        /* 1001/drops per turn; 0: 5 */
	unsigned lock_retries;          /* lock held; 0: 8 */
	unsigned lock_backoff_ms;       /* 0: 1500 (×n) */
	const struct dt_agent_cbs *cbs;
	void *ud;
};

#define DT_REMOTE_OPTS_INIT {0}

struct dt_mcp_set;

int dt_remote_new(struct dt_remote **out, const struct dt_remote_opts *o, struct dt_sb *err);
/* Closes the socket, kills running commands, frees (no more callbacks). */
void dt_remote_free(struct dt_remote *r);
/* The MCP servers whose tools the flow may run (NULL when none). */
struct dt_mcp_set *dt_remote_mcp(struct dt_remote *r);

/* A user message: the first creates the workflow; later ones start a new
 * turn of the same workflow (queued while a turn runs). */
void dt_remote_submit(struct dt_remote *r, const char *text);
/* Answers an on_approval: a local action (call_id = the action's
 * requestID) or GitLab's request (call_id = the request's message_id, or
 * "plan" for PLAN_APPROVAL_REQUIRED). */
void dt_remote_approve(struct dt_remote *r, const char *call_id, enum dt_approval answer,
		       const char *reason);
void dt_remote_stop(struct dt_remote *r);

struct dt_proposal_store *dt_remote_proposals(struct dt_remote *r);
const char *dt_remote_workflow_id(const struct dt_remote *r); /* NULL before creation */
/* The session (agent/session.h) the flow is kept in: its workflow id (a
 * {"t":"remote"} record once created) and its proposals, so that
 * `--resume=ID` continues the same workflow after duoterm was closed, killed
 * or lost its terminal.  NULL with no_journal. */
const char *dt_remote_session_id(const struct dt_remote *r);
enum dt_dap_status dt_remote_status(const struct dt_remote *r);
const struct dt_plan *dt_remote_plan(const struct dt_remote *r);
size_t dt_remote_entries(const struct dt_remote *r, const struct dt_entry **out);

/* Whether a provider name selects this driver: "duo-workflow" or
 * "duo-workflow-<model>" (then *model is the model ref, else NULL). */
int dt_remote_provider_name(const char *name, const char **model);

/* The WebSocket URL for a workflow (newly allocated), for tests. */
char *dt_remote_ws_url(const char *instance_url, const char *project_id, const char *namespace_id,
		       const char *definition, const char *model);

#endif
