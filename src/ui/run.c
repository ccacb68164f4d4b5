/* `duoterm run --json`: the agent headless (see run.h). */
#include "duoterm/ui/run.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/agent/agent.h"
#include "duoterm/agent/remote.h"
#include "duoterm/core/log.h"
#include "duoterm/git/proposal.h"
#include "duoterm/git/repo.h"
#include "duoterm/gitlab/client.h"
#include "duoterm/providers/provider.h"
#include "duoterm/ui/runtime.h"

struct run {
	struct dt_runtime rt;
	struct dt_agent *agent;
	struct dt_remote *remote; /* --provider duo-workflow */
	const struct dt_run_opts *o;
	int done, status;
	enum dt_tool_status *seen; /* last printed status per entry */
	size_t n_seen;
};

/* Events emitted while a resumed session is restored (a call that was
 * running when duoterm died gets its "interrupted" result) are held until
 * the session line, which comes first. */
static struct dt_sb held = DT_SB_INIT;
static int holding;

static void print(cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);

	if (holding) {
		dt_sb_adds(&held, text);
		dt_sb_addc(&held, '\n');
	} else {
		fputs(text, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(text);
	cJSON_Delete(o);
}

static cJSON *event(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	return o;
}

static void print_tool(struct run *r, size_t i, const struct dt_entry *en)
{
	cJSON *o;

	if (i >= r->n_seen) {
		r->seen = dt_xrealloc(r->seen, (i + 1) * sizeof(*r->seen));
		for (size_t k = r->n_seen; k <= i; k++)
			r->seen[k] = (enum dt_tool_status)-1;
		r->n_seen = i + 1;
	}
	if (r->seen[i] == en->status)
		return;
	r->seen[i] = en->status;
	o = event("tool");
	cJSON_AddStringToObject(o, "id", en->call_id);
	cJSON_AddStringToObject(o, "name", en->name);
	cJSON_AddStringToObject(o, "args", en->args ? en->args : "");
	cJSON_AddStringToObject(o, "status", dt_tool_status_name(en->status));
	if (en->status >= DT_TOOL_SUCCESS)
		cJSON_AddStringToObject(o, "result", en->text.buf ? en->text.buf : "");
	print(o);
}

static void on_entry(size_t i, const struct dt_entry *en, const char *delta, size_t len, void *ud)
{
	struct run *r = ud;
	cJSON *o;
	char *d;

	if (en->kind == DT_ENTRY_TOOL) {
		if (!delta) {
			print_tool(r, i, en);
			return;
		}
		o = event("tool_output");
		cJSON_AddStringToObject(o, "id", en->call_id);
	} else if (delta) {
		o = event(en->kind == DT_ENTRY_REASONING ? "reasoning" : "text");
	} else if (en->kind == DT_ENTRY_ASSISTANT || en->kind == DT_ENTRY_REASONING) {
		return; /* streamed already; a "cut" mark only */
	} else {
		o = event(en->kind == DT_ENTRY_USER ? "user" : en->kind == DT_ENTRY_ERROR ? "error" :
			  "notice");
		cJSON_AddStringToObject(o, "text", en->text.buf ? en->text.buf : "");
		print(o);
		return;
	}
	d = dt_xstrndup(delta, len);
	cJSON_AddStringToObject(o, en->kind == DT_ENTRY_TOOL ? "data" : "delta", d);
	free(d);
	print(o);
}

static void on_plan(const struct dt_plan *plan, void *ud)
{
	cJSON *o = dt_plan_to_json(plan);

	(void)ud;
	cJSON_AddStringToObject(o, "type", "plan");
	print(o);
}

static void on_approval(const char *id, const char *tool, const char *subject, const char *pattern,
			void *ud)
{
	struct run *r = ud;
	cJSON *o = event("approval");
	struct dt_sb vis = DT_SB_INIT;

	dt_visible(&vis, subject ? subject : "");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "tool", tool);
	cJSON_AddStringToObject(o, "subject", vis.buf ? vis.buf : "");
	cJSON_AddStringToObject(o, "pattern", pattern ? pattern : "");
	cJSON_AddStringToObject(o, "decision", "needed");
	print(o);
	dt_sb_release(&vis);
	o = event("done");
	cJSON_AddStringToObject(o, "outcome", "approval_needed");
	cJSON_AddStringToObject(o, "message", "run again with --resume and --approve PATTERN");
	print(o);
	r->status = 3;
	r->done = 1;
}

static void on_proposal(const char *path, void *ud)
{
	struct run *r = ud;
	struct dt_proposal_store *s = r->remote ? dt_remote_proposals(r->remote) :
				      dt_agent_proposals(r->agent);
	struct dt_sb err = DT_SB_INIT;
	long i = dt_proposal_find(s, path);
	int accepted = 0;
	cJSON *o = event("proposal");

	if (r->o->accept_proposals && i >= 0)
		accepted = dt_proposal_decide_all(s, (size_t)i, 1, &err) == 0;
	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddBoolToObject(o, "accepted", accepted);
	if (err.len)
		cJSON_AddStringToObject(o, "error", err.buf);
	print(o);
	dt_sb_release(&err);
}

static void on_state(enum dt_agent_state st, void *ud)
{
	cJSON *o = event("state");

	(void)ud;
	cJSON_AddStringToObject(o, "state", dt_agent_state_name(st));
	print(o);
}

static void on_usage(const struct dt_prov_usage *u, void *ud)
{
	cJSON *o = event("usage");

	(void)ud;
	cJSON_AddNumberToObject(o, "input_tokens", (double)u->input_tokens);
	cJSON_AddNumberToObject(o, "output_tokens", (double)u->output_tokens);
	print(o);
}

static void on_turn_done(enum dt_turn_outcome outcome, const char *message, void *ud)
{
	struct run *r = ud;
	cJSON *o = event("done");

	if (r->done)
		return;
	cJSON_AddStringToObject(o, "outcome", dt_turn_outcome_name(outcome));
	if (message)
		cJSON_AddStringToObject(o, "message", message);
	print(o);
	r->status = outcome == DT_TURN_DONE ? 0 : 1;
	r->done = 1;
}

static const struct dt_agent_cbs cbs = {
	.on_entry = on_entry, .on_plan = on_plan, .on_approval = on_approval,
	.on_proposal = on_proposal, .on_state = on_state, .on_turn_done = on_turn_done,
	.on_usage = on_usage,
};

static int fail(const char *what, const char *why)
{
	cJSON *o = event("done");
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_addf(&sb, "%s: %s", what, why ? why : "");
	cJSON_AddStringToObject(o, "outcome", "failed");
	cJSON_AddStringToObject(o, "message", sb.buf);
	print(o);
	dt_sb_release(&sb);
	return 1;
}

static int start(struct run *r, const struct dt_config *cfg, const struct dt_context *ctx,
		 struct dt_provider *p, struct dt_gl_client *gl)
{
	struct dt_agent_opts ao = DT_AGENT_OPTS_INIT;
	struct dt_sb err = DT_SB_INIT;
	char cwd[PATH_MAX];
	cJSON *o;
	int rc;

	ao.provider = p;
	ao.loop = &r->rt.loop;
	ao.net = r->rt.net;
	ao.repo = ctx->repo;
	ao.workdir = ctx->repo ? dt_repo_workdir(ctx->repo) : getcwd(cwd, sizeof(cwd));
	ao.gitlab = gl;
	ao.project_id = ctx->project_id;
	ao.project = ctx->project;
	ao.model = r->o->model ? r->o->model : cfg->model;
	ao.resume = r->o->resume;
	ao.approve = r->o->approve;
	ao.cbs = &cbs;
	ao.ud = r;
	holding = 1;
	rc = dt_agent_new(&r->agent, &ao, &err);
	holding = 0;
	if (rc) {
		dt_sb_release(&held);
		rc = fail("cannot start the agent", err.buf);
		dt_sb_release(&err);
		return rc;
	}
	dt_proposal_set_flags(dt_agent_proposals(r->agent),
			      dt_config_bool(cfg->review_stage) ? DT_PROPOSAL_STAGE : 0);
	o = event("session");
	cJSON_AddStringToObject(o, "id", dt_agent_session_id(r->agent));
	cJSON_AddBoolToObject(o, "resumed", r->o->resume != NULL);
	print(o);
	if (held.len) {
		fwrite(held.buf, 1, held.len, stdout);
		fflush(stdout);
	}
	dt_sb_release(&held);
	if (r->o->goal && *r->o->goal)
		dt_agent_submit(r->agent, r->o->goal);
	else if (dt_agent_interrupted(r->agent))
		dt_agent_resume(r->agent);
	else
		return fail("nothing to do", "give a goal, or --resume a session that was interrupted");
	return -1;
}

/* The Duo Agent Platform flow (agent/remote.h): same callbacks, same events. */
static int start_remote(struct run *r, const struct dt_config *cfg, const struct dt_context *ctx,
			const char *model)
{
	struct dt_remote_opts ro = DT_REMOTE_OPTS_INIT;
	struct dt_sb err = DT_SB_INIT;
	char cwd[PATH_MAX];
	cJSON *o;
	int rc;

	ro.net = r->rt.net;
	ro.loop = &r->rt.loop;
	ro.instance_url = cfg->instance_url;
	ro.token = cfg->token;
	ro.token_source = cfg->token_source;
	ro.project = cfg->project ? cfg->project : ctx->project;
	ro.branch = ctx->branch;
	ro.repo = ctx->repo;
	ro.workdir = ctx->repo ? dt_repo_workdir(ctx->repo) : getcwd(cwd, sizeof(cwd));
	ro.model = r->o->model ? r->o->model : model;
	ro.context = r->o->context;
	ro.approve = r->o->approve;
	ro.insecure = dt_config_bool(cfg->tls_insecure);
	ro.resume = r->o->resume;
	ro.cbs = &cbs;
	ro.ud = r;
	if (!r->o->goal || !*r->o->goal)
		return fail("nothing to do", r->o->resume ? "give the message that continues the flow"
							  : "give a goal");
	if (dt_remote_new(&r->remote, &ro, &err)) {
		rc = fail("cannot start the Duo Agent Platform flow", err.buf);
		dt_sb_release(&err);
		return rc;
	}
	dt_proposal_set_flags(dt_remote_proposals(r->remote),
			      dt_config_bool(cfg->review_stage) ? DT_PROPOSAL_STAGE : 0);
	o = event("session");
	cJSON_AddStringToObject(o, "id", dt_remote_session_id(r->remote) ?: "");
	cJSON_AddStringToObject(o, "provider", "duo-workflow");
	cJSON_AddBoolToObject(o, "resumed", r->o->resume != NULL);
	if (dt_remote_workflow_id(r->remote))
		cJSON_AddStringToObject(o, "workflow", dt_remote_workflow_id(r->remote));
	print(o);
	dt_remote_submit(r->remote, r->o->goal);
	return -1;
}

int dt_run_headless(const struct dt_config *cfg, const struct dt_context *ctx,
		    const struct dt_run_opts *opts)
{
	struct run r = {.o = opts};
	struct dt_provider_opts po = DT_PROVIDER_OPTS_INIT;
	struct dt_provider *p = NULL;
	struct dt_gl_client gl = {0};
	struct dt_sb err = DT_SB_INIT;
	const char *model = NULL;
	int rc, have_gl = 0;

	if (dt_runtime_init(&r.rt, cfg, &err)) {
		rc = fail("cannot start", err.buf);
		dt_sb_release(&err);
		return rc;
	}
	if (dt_remote_provider_name(cfg->provider, &model)) {
		rc = start_remote(&r, cfg, ctx, model);
		goto loop;
	}
	if (dt_provider_opts_from_config(&po, cfg, &err) ||
	    !(p = dt_provider_new(r.rt.net, &r.rt.loop, &po, &err))) {
		rc = fail("provider", err.buf);
		goto done;
	}
	if (cfg->token && ctx->project_id) {
		dt_gl_client_init(&gl, r.rt.net, cfg->instance_url, cfg->token, cfg->token_source);
		have_gl = 1;
	}
	rc = start(&r, cfg, ctx, p, have_gl ? &gl : NULL);
loop:
	if (rc < 0) {
		while (!r.done)
			dt_loop_run_once(&r.rt.loop, -1);
		rc = r.status;
	}
done:
	dt_remote_free(r.remote);
	dt_agent_free(r.agent);
	dt_provider_free(p);
	dt_runtime_release(&r.rt);
	if (have_gl)
		dt_gl_client_release(&gl);
	free(r.seen);
	dt_sb_release(&err);
	return rc;
}
