/*
 * The local agent driver (agent.h): runs the engine's effects and feeds
 * it the results.  Everything that reaches the engine goes through one
 * queue, so nothing is fed from inside an effect (file tools answer at
 * once, while the engine is still emitting).
 */
#include "duoterm/agent/agent.h"

#include <stdlib.h>
#include <string.h>

#include "duoterm/agent/session.h"
#include "duoterm/agent/tools.h"
#include "duoterm/core/config.h"
#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/git/proposal.h"
#include "duoterm/mcp/set.h"

static const char default_system[] =
	"You are duoterm's coding agent, working in a git repository on the user's behalf.\n"
	"- First make a short plan with update_plan (3-7 steps), keep it current as you work "
	"(one step in_progress), and mark steps done or cancelled.\n"
	"- Use the tools to read before you change anything. Paths are relative to the top of "
	"the repository.\n"
	"- write_file and edit_file do not touch the working tree: they make proposals that the "
	"user accepts or rejects hunk by hunk. You will be told which hunks were accepted and "
	"rejected; never assume a proposal landed.\n"
	"- run_command and git commands that change things need the user's approval; if one is "
	"refused, respect the reason and find another way.\n"
	"- Finish with a short answer in Markdown saying what you did and what is left.";

enum { Q_ENGINE, Q_PROV_FAILED };

struct qev {
	struct qev *next;
	int kind;
	struct dt_engine_ev ev;
	char *s1, *s2, *s3;
	struct dt_plan plan;
};

struct dt_agent {
	struct dt_agent_opts o;
	struct dt_engine *engine;
	struct dt_tools *tools;
	struct dt_proposal_store *store;
	struct dt_session *session;
	struct dt_policy policy;
	struct dt_prov_stream *stream;
	struct qev *head, **tail;
	int busy, interrupted;
	/* when each running tool started (read-only ones run several at once) */
	struct tool_clock {
		char *call_id;
		uint64_t start;
	} *clocks;
	size_t n_clocks;
	char *project, *approvals_file;
	struct dt_mcp_set *mcp;        /* .gitlab/duo/mcp.json's servers, or NULL */
	struct dt_prov_tool *schema;   /* built-in + MCP tools, owned */
	size_t n_schema;
};

/* Milliseconds since the tool call_id started (and forgets it). */
static uint64_t tool_ms(struct dt_agent *a, const char *call_id)
{
	for (size_t i = 0; i < a->n_clocks; i++) {
		struct tool_clock *c = &a->clocks[i];
		uint64_t ms;

		if (strcmp(c->call_id, call_id))
			continue;
		ms = dt_now_ms() - c->start;
		free(c->call_id);
		*c = a->clocks[--a->n_clocks];
		return ms;
	}
	return 0;
}

/* ---- the queue --------------------------------------------------------------- */

static void drain(struct dt_agent *a);

static void post(struct dt_agent *a, struct qev *q)
{
	q->next = NULL;
	*a->tail = q;
	a->tail = &q->next;
	drain(a);
}

static struct qev *new_ev(enum dt_engine_ev_type type, const char *s1, const char *s2)
{
	struct qev *q = dt_xcalloc(1, sizeof(*q));

	q->ev.type = type;
	q->s1 = s1 ? dt_xstrdup(s1) : NULL;
	q->s2 = s2 ? dt_xstrdup(s2) : NULL;
	return q;
}

static void free_ev(struct qev *q)
{
	free(q->s1);
	free(q->s2);
	free(q->s3);
	dt_plan_release(&q->plan);
	free(q);
}

static void pick_decisions(struct dt_agent *a)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_proposal_decisions_json(a->store, &sb);
	if (sb.len && strcmp(sb.buf, "[]"))
		dt_engine_feed(a->engine, &(struct dt_engine_ev){.type = DT_EEV_DECISIONS,
								 .text = sb.buf});
	dt_sb_release(&sb);
}

static void feed_queued(struct dt_agent *a, struct qev *q)
{
	struct dt_prov_error err = {.kind = DT_PROV_ERR_CONFIG, .message = q->s1, .type = ""};
	struct dt_prov_event pev = {.type = DT_PROV_EV_ERROR, .error = &err};

	if (q->kind == Q_PROV_FAILED) {
		dt_engine_feed(a->engine, &(struct dt_engine_ev){.type = DT_EEV_PROVIDER, .prov = &pev});
		return;
	}
	switch (q->ev.type) {
	case DT_EEV_USER:
	case DT_EEV_TOOL_RESULT:
	case DT_EEV_RESUME:
	case DT_EEV_RETRY:
		pick_decisions(a);
		break;
	default:
		break;
	}
	q->ev.call_id = q->ev.type == DT_EEV_USER ? NULL : q->s1;
	q->ev.text = q->ev.type == DT_EEV_USER ? q->s1 : q->s2;
	q->ev.path = q->s3;
	q->ev.plan = &q->plan;
	dt_engine_feed(a->engine, &q->ev);
}

static void drain(struct dt_agent *a)
{
	struct qev *q;

	if (a->busy)
		return;
	a->busy = 1;
	while ((q = a->head)) {
		a->head = q->next;
		if (!a->head)
			a->tail = &a->head;
		feed_queued(a, q);
		free_ev(q);
	}
	a->busy = 0;
}

/* ---- effects ----------------------------------------------------------------- */

static void on_prov(const struct dt_prov_event *ev, void *ud)
{
	struct dt_agent *a = ud;

	if (ev->type == DT_PROV_EV_FINISH || ev->type == DT_PROV_EV_ERROR)
		a->stream = NULL;
	if (a->busy) { /* never expected: streams answer from the loop */
		dt_warn("agent", "provider event while busy; dropped");
		return;
	}
	a->busy = 1;
	dt_engine_feed(a->engine, &(struct dt_engine_ev){.type = DT_EEV_PROVIDER, .prov = ev});
	a->busy = 0;
	drain(a);
}

static void audit_request(struct dt_agent *a, const struct dt_prov_request *req)
{
	cJSON *f = cJSON_CreateObject();

	if (a->session)
		cJSON_AddStringToObject(f, "session", dt_session_id(a->session));
	cJSON_AddStringToObject(f, "provider", dt_prov_kind_name(dt_provider_kind(a->o.provider)));
	cJSON_AddStringToObject(f, "model", req->model ? req->model :
				dt_provider_model(a->o.provider));
	cJSON_AddNumberToObject(f, "messages", (double)req->n_messages);
	cJSON_AddNumberToObject(f, "tools", (double)req->n_tools);
	dt_audit(a->o.audit_file, "request", f);
}

static void start_request(struct dt_agent *a, const struct dt_prov_request *req)
{
	struct qev *q;
	int rc;

	audit_request(a, req);
	rc = dt_provider_stream(a->o.provider, req, on_prov, a, &a->stream);
	if (rc) {
		a->stream = NULL;
		q = new_ev(0, "the request could not be sent (see the log)", NULL);
		q->kind = Q_PROV_FAILED;
		post(a, q);
	}
}

static void on_tool_done(const struct dt_tool_result *r, void *ud)
{
	struct dt_agent *a = ud;
	struct qev *q = new_ev(DT_EEV_TOOL_RESULT, r->call_id, r->text);
	cJSON *f = cJSON_CreateObject();

	q->ev.is_error = r->is_error;
	q->s3 = r->proposed ? dt_xstrdup(r->proposed) : NULL;
	if (a->session)
		cJSON_AddStringToObject(f, "session", dt_session_id(a->session));
	cJSON_AddStringToObject(f, "call_id", r->call_id);
	cJSON_AddBoolToObject(f, "ok", !r->is_error);
	cJSON_AddNumberToObject(f, "ms", (double)tool_ms(a, r->call_id));
	cJSON_AddNumberToObject(f, "result_bytes", r->text ? (double)strlen(r->text) : 0);
	if (r->proposed)
		cJSON_AddStringToObject(f, "proposed", r->proposed);
	dt_audit(a->o.audit_file, "tool_result", f);
	post(a, q);
}

static void on_tool_output(const char *call_id, const char *data, size_t len, void *ud)
{
	struct dt_agent *a = ud;
	struct qev *q = new_ev(DT_EEV_TOOL_OUTPUT, call_id, NULL);

	q->s2 = dt_xstrndup(data, len);
	q->ev.len = len;
	post(a, q);
}

static void run_tool(struct dt_agent *a, const struct dt_fx *fx)
{
	cJSON *f = cJSON_CreateObject();
	char *args = fx->args ? cJSON_PrintUnformatted(fx->args) : NULL;

	if (a->session)
		cJSON_AddStringToObject(f, "session", dt_session_id(a->session));
	cJSON_AddStringToObject(f, "call_id", fx->call_id);
	cJSON_AddStringToObject(f, "tool", fx->name);
	cJSON_AddStringToObject(f, "args", args ? args : "{}");
	free(args);
	dt_audit(a->o.audit_file, "tool", f);
	a->clocks = dt_xrealloc(a->clocks, (a->n_clocks + 1) * sizeof(*a->clocks));
	a->clocks[a->n_clocks++] = (struct tool_clock){dt_xstrdup(fx->call_id), dt_now_ms()};
	dt_tools_run(a->tools, fx->call_id, fx->name, fx->args, on_tool_done, on_tool_output, a);
}

#define CB(a, name, ...) do { if ((a)->o.cbs && (a)->o.cbs->name) (a)->o.cbs->name(__VA_ARGS__, (a)->o.ud); } while (0)

static void on_fx(const struct dt_fx *fx, void *ud)
{
	struct dt_agent *a = ud;

	switch (fx->type) {
	case DT_FX_REQUEST:
		start_request(a, fx->request);
		break;
	case DT_FX_CANCEL_REQUEST:
		if (a->stream)
			dt_prov_stream_cancel(a->stream);
		a->stream = NULL;
		break;
	case DT_FX_RUN_TOOL:
		run_tool(a, fx);
		break;
	case DT_FX_CANCEL_TOOL:
		dt_tools_cancel(a->tools, fx->call_id);
		break;
	case DT_FX_ASK_APPROVAL:
		CB(a, on_approval, fx->call_id, fx->name, fx->subject, fx->pattern);
		break;
	case DT_FX_REMEMBER:
		dt_policy_save_pattern(a->approvals_file, a->project, fx->pattern);
		break;
	case DT_FX_PLAN:
		CB(a, on_plan, fx->plan);
		break;
	case DT_FX_ENTRY:
		CB(a, on_entry, fx->index, fx->entry, fx->delta, fx->delta_len);
		break;
	case DT_FX_PROPOSAL:
		CB(a, on_proposal, fx->path);
		break;
	case DT_FX_USAGE:
		CB(a, on_usage, &fx->usage);
		break;
	case DT_FX_STATE:
		CB(a, on_state, fx->state);
		break;
	case DT_FX_RECORD:
		if (a->session && dt_session_append(a->session, fx->record))
			dt_warn("agent", "cannot write the session journal");
		break;
	case DT_FX_TURN_DONE:
		CB(a, on_turn_done, fx->outcome, fx->message);
		break;
	}
}

/* ---- life ------------------------------------------------------------------------ */

static void restore_cb(const cJSON *rec, void *ud)
{
	dt_engine_restore(ud, rec);
}

static int open_session(struct dt_agent *a, struct dt_sb *err)
{
	cJSON *rec;
	int remote;

	if (a->o.no_journal)
		return 0;
	if (a->o.resume) {
		if (dt_session_open_kind(&a->session, a->o.sessions_dir, a->o.resume, 0, err))
			return -1;
		rec = dt_session_remote(a->session);
		remote = rec != NULL;
		cJSON_Delete(rec);
		if (remote) {
			dt_sb_addf(err, "session %s is a Duo Agent Platform flow: resume it with "
				   "--provider duo-workflow", dt_session_id(a->session));
			return -1;
		}
		return 0;
	}
	if (dt_session_create(&a->session, a->o.sessions_dir, err))
		return -1;
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "t", "session");
	cJSON_AddStringToObject(rec, "workdir", a->o.workdir);
	dt_session_append(a->session, rec);
	cJSON_Delete(rec);
	return 0;
}

static int open_parts(struct dt_agent *a, struct dt_sb *err)
{
	struct dt_tools_opts to = DT_TOOLS_OPTS_INIT;

	if (open_session(a, err))
		return -1;
	if (dt_proposal_store_open(&a->store, a->o.workdir,
				   a->session ? dt_session_proposals_dir(a->session) : NULL,
				   a->o.repo, err))
		return -1;
	to.workdir = a->o.workdir;
	to.store = a->store;
	to.repo = a->o.repo;
	to.loop = a->o.loop;
	to.gitlab = a->o.gitlab;
	to.project_id = a->o.project_id;
	if (!a->o.no_mcp)
		a->mcp = dt_mcp_set_open(a->o.loop, a->o.net, a->o.workdir, 0, NULL);
	to.mcp = a->mcp;
	return dt_tools_new(&a->tools, &to, err);
}

static void make_engine(struct dt_agent *a)
{
	struct dt_engine_opts eo = DT_ENGINE_OPTS_INIT;

	eo.emit = on_fx;
	eo.ud = a;
	eo.system = a->o.system ? a->o.system : default_system;
	eo.model = a->o.model;
	a->schema = dt_tools_schema_mcp(a->mcp, &a->n_schema);
	eo.tools = a->schema;
	eo.n_tools = a->n_schema;
	eo.policy = &a->policy;
	eo.cut_retries = a->o.cut_retries;
	a->engine = dt_engine_new(&eo);
}

static void load_policy(struct dt_agent *a)
{
	struct dt_sb sb = DT_SB_INIT;
	char *state;

	a->project = dt_xstrdup(a->o.project ? a->o.project : a->o.workdir);
	if (a->o.approvals_file) {
		a->approvals_file = dt_xstrdup(a->o.approvals_file);
	} else {
		state = dt_state_dir();
		dt_sb_addf(&sb, "%s/approvals.json", state);
		free(state);
		a->approvals_file = dt_sb_detach(&sb, NULL);
	}
	dt_policy_load(&a->policy, a->approvals_file, a->project);
	for (const char *const *p = a->o.approve; p && *p; p++) {
		if (!strcmp(*p, "*"))
			a->policy.approve_all = 1;
		else
			dt_policy_allow(&a->policy, *p);
	}
}

int dt_agent_new(struct dt_agent **out, const struct dt_agent_opts *opts, struct dt_sb *err)
{
	struct dt_agent *a = dt_xcalloc(1, sizeof(*a));

	a->o = *opts;
	a->tail = &a->head;
	if (!opts->provider || !opts->loop || !opts->workdir) {
		dt_sb_adds(err, "the agent needs a provider, a loop and a work tree");
		goto fail;
	}
	if (open_parts(a, err))
		goto fail;
	load_policy(a);
	make_engine(a);
	if (a->session && opts->resume) {
		a->busy = 1;
		dt_session_load(a->session, restore_cb, a->engine);
		a->interrupted = dt_engine_restored(a->engine);
		a->busy = 0;
	}
	*out = a;
	return 0;
fail:
	dt_agent_free(a);
	return -1;
}

void dt_agent_free(struct dt_agent *a)
{
	struct qev *q;

	if (!a)
		return;
	if (a->stream)
		dt_prov_stream_cancel(a->stream);
	while ((q = a->head)) {
		a->head = q->next;
		free_ev(q);
	}
	dt_tools_free(a->tools);
	dt_mcp_set_free(a->mcp);
	dt_engine_free(a->engine);
	dt_tools_schema_free(a->schema, a->n_schema);
	dt_proposal_store_free(a->store);
	dt_session_free(a->session);
	dt_policy_release(&a->policy);
	while (a->n_clocks)
		free(a->clocks[--a->n_clocks].call_id);
	free(a->clocks);
	free(a->project);
	free(a->approvals_file);
	free(a);
}

/* ---- the API ------------------------------------------------------------------------ */

void dt_agent_submit(struct dt_agent *a, const char *text)
{
	post(a, new_ev(DT_EEV_USER, text, NULL));
}

void dt_agent_pause(struct dt_agent *a)
{
	post(a, new_ev(DT_EEV_PAUSE, NULL, NULL));
}

void dt_agent_resume(struct dt_agent *a)
{
	a->interrupted = 0;
	post(a, new_ev(DT_EEV_RESUME, NULL, NULL));
}

void dt_agent_stop(struct dt_agent *a)
{
	post(a, new_ev(DT_EEV_STOP, NULL, NULL));
}

void dt_agent_retry(struct dt_agent *a)
{
	post(a, new_ev(DT_EEV_RETRY, NULL, NULL));
}

void dt_agent_approve(struct dt_agent *a, const char *call_id, enum dt_approval answer,
		      const char *reason)
{
	struct qev *q = new_ev(DT_EEV_APPROVAL, call_id, reason);

	q->ev.approval = answer;
	post(a, q);
}

void dt_agent_set_plan(struct dt_agent *a, const struct dt_plan *plan)
{
	struct qev *q = new_ev(DT_EEV_PLAN_SET, NULL, NULL);

	dt_plan_copy(&q->plan, plan);
	post(a, q);
}

void dt_agent_review_changed(struct dt_agent *a)
{
	if (a->busy)
		return; /* picked up before the next request anyway */
	a->busy = 1;
	pick_decisions(a);
	a->busy = 0;
	drain(a);
}

struct dt_engine *dt_agent_engine(struct dt_agent *a)
{
	return a->engine;
}

struct dt_proposal_store *dt_agent_proposals(struct dt_agent *a)
{
	return a->store;
}

const char *dt_agent_session_id(const struct dt_agent *a)
{
	return a->session ? dt_session_id(a->session) : NULL;
}

struct dt_mcp_set *dt_agent_mcp(struct dt_agent *a)
{
	return a->mcp;
}

int dt_agent_interrupted(const struct dt_agent *a)
{
	return a->interrupted;
}
