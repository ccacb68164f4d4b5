/*
 * `duoterm run --json "GOAL"`: the agent without a terminal.  The same
 * engine, tools and proposal store as the workbench; one JSON event per
 * line on stdout:
 *
 *   {"type":"session","id":...}           first line (resume with --resume ID)
 *   {"type":"user","text"}  {"type":"text","delta"}  {"type":"reasoning","delta"}
 *   {"type":"tool","id","name","args","status"[,"result"]}   on every status change
 *   {"type":"tool_output","id","data"}    a command's output as it arrives
 *   {"type":"plan","steps":[{"title","status"}]}
 *   {"type":"approval","id","tool","subject","pattern","decision":"approved"|"needed"}
 *   {"type":"proposal","path","accepted":bool}
 *   {"type":"notice"|"error","text"}  {"type":"usage",...}  {"type":"state","state"}
 *   {"type":"done","outcome":"done"|"stopped"|"failed"|"approval_needed","message"}
 *
 * Approvals come from opts.approve (patterns, as remembered ones; "*" approves
 * everything); a call that needs another approval ends the run with status 3
 * (resume it with more --approve flags).  Proposals are accepted whole with
 * accept_proposals, else left pending in the session.
 * Returns the exit status: 0 success, 1 failure, 3 approval needed.
 */
#ifndef DUOTERM_UI_RUN_H
#define DUOTERM_UI_RUN_H

#include "duoterm/core/config.h"
#include "duoterm/ui/context.h"

struct dt_run_opts {
	const char *goal;            /* may be NULL with resume */
	const char *const *approve;  /* NULL-terminated patterns (--approve, repeatable) */
	int accept_proposals;        /* --accept-proposals */
	const char *resume;          /* --resume ID ("" = latest); NULL: new session */
	const char *model;           /* --model, overrides cfg */
	/* --context (repeatable; duo-workflow): "#12" issue, "!4" MR, a file */
	const char *const *context;
};

#define DT_RUN_OPTS_INIT {0}

int dt_run_headless(const struct dt_config *cfg, const struct dt_context *ctx,
		    const struct dt_run_opts *opts);

#endif
