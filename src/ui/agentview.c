#include "duoterm/ui/agentview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/agent/agent.h"
#include "duoterm/agent/policy.h"
#include "duoterm/agent/remote.h"
#include "duoterm/core/log.h"
#include "duoterm/git/proposal.h"
#include "duoterm/git/repo.h"
#include "duoterm/mcp/set.h"
#include "duoterm/providers/provider.h"
#include "duoterm/ui/chat.h"
#include "duoterm/ui/panel_review.h"
#include "duoterm/ui/panel_gitlab.h"

struct dt_agentview {
	struct dt_app *app;
	struct dt_agent *agent;
	struct dt_provider *provider;
	struct dt_remote *remote; /* the Duo Agent Platform runs the model instead */
	struct dt_panels *panels;
	char *models;        /* the provider's model list, once fetched */
	char *unavailable;   /* why there is no agent, and what to do */
	long stream_index;   /* transcript entry being streamed into the chat, or -1 */
	char *approval_call; /* the call the approval dialog is about */
	char *approval_pattern;
	enum dt_agent_state state;
	long plan_sel;       /* the Plan row to select when the plan is next shown, or -1 */
	size_t ask_step;     /* the step the open question is about */
	int busy;
};

static struct dt_proposal_store *proposals(struct dt_agentview *v)
{
	if (v->remote)
		return dt_remote_proposals(v->remote);
	return v->agent ? dt_agent_proposals(v->agent) : NULL;
}

static const char *const step_glyph[] = {"○", "▶", "✔", "✖"};
static const enum dt_elem step_elem[] = {DT_E_normal, DT_E_running, DT_E_ok, DT_E_dim};

static void on_plan(const struct dt_plan *plan, void *ud)
{
	struct dt_agentview *v = ud;
	struct dt_pane *p = dt_app_pane(v->app, DT_PANE_PLAN);
	long sel = v->plan_sel >= 0 ? v->plan_sel : (long)p->sel;
	size_t done = 0;
	char sub[32];

	v->plan_sel = -1;
	dt_pane_clear_rows(p);
	for (size_t i = 0; i < plan->nr; i++) {
		enum dt_step_status s = plan->step[i].status;

		dt_pane_add_row(p, step_elem[s], "%s %zu. %s", step_glyph[s], i + 1,
				plan->step[i].title ? plan->step[i].title : "");
		done += s == DT_STEP_DONE;
	}
	/* the selection stays on the step being edited (or where it was) */
	dt_pane_move(p, sel);
	snprintf(sub, sizeof(sub), "%zu/%zu done", done, plan->nr);
	dt_pane_set_subtitle(p, plan->nr ? sub : NULL);
}

static void tool_card(struct dt_agentview *v, const struct dt_entry *e)
{
	static const char *const mark[] = {"…", "?", "▶", "✔", "✖", "⊘", "⊘"};
	struct dt_sb sb = DT_SB_INIT;
	const char *args = e->args ? e->args : "";

	dt_sb_addf(&sb, "%s %s %.*s", mark[e->status], e->name ? e->name : "tool",
		   (int)(strlen(args) > 80 ? 80 : strlen(args)), args);
	if (e->status == DT_TOOL_FAILURE && e->text.len)
		dt_sb_addf(&sb, "\n%.*s", (int)(e->text.len > 300 ? 300 : e->text.len), e->text.buf);
	dt_app_chat(v->app, e->status == DT_TOOL_FAILURE ? DT_CHAT_ERROR : DT_CHAT_TOOL, sb.buf);
	dt_sb_release(&sb);
}

static void on_entry(size_t index, const struct dt_entry *e, const char *delta, size_t len,
		     void *ud)
{
	struct dt_agentview *v = ud;
	struct dt_sb sb = DT_SB_INIT;

	switch (e->kind) {
	case DT_ENTRY_ASSISTANT:
		if (!delta)
			break;
		dt_sb_add(&sb, delta, len);
		if (v->stream_index == (long)index)
			dt_app_chat_append(v->app, sb.buf);
		else
			dt_app_chat(v->app, DT_CHAT_AGENT, sb.buf);
		v->stream_index = (long)index;
		break;
	case DT_ENTRY_TOOL:
		/* a card when the call has an outcome; streamed output is not shown */
		if (!delta && e->status >= DT_TOOL_SUCCESS)
			tool_card(v, e);
		v->stream_index = -1;
		break;
	case DT_ENTRY_NOTICE:
	case DT_ENTRY_ERROR:
		if (!delta)
			dt_app_chat(v->app, e->kind == DT_ENTRY_ERROR ? DT_CHAT_ERROR : DT_CHAT_SYSTEM,
				    dt_sb_str(&e->text));
		v->stream_index = -1;
		break;
	case DT_ENTRY_USER:     /* the chat shows what was typed already */
	case DT_ENTRY_REASONING:
		break;
	}
	dt_sb_release(&sb);
}

static void on_approval_answer(void *ud, int choice)
{
	struct dt_agentview *v = ud;
	static const enum dt_approval answers[] = {DT_APPROVE_ONCE, DT_APPROVE_ALWAYS, DT_APPROVE_NO};

	if (!v->approval_call)
		return;
	if (choice < 0 || choice > 2)
		choice = 2; /* Esc: no */
	if (v->remote)
		dt_remote_approve(v->remote, v->approval_call, answers[choice],
				  choice == 2 ? "The user declined this tool call." : NULL);
	else
		dt_agent_approve(v->agent, v->approval_call, answers[choice],
				 choice == 2 ? "The user declined this tool call." : NULL);
	free(v->approval_call);
	free(v->approval_pattern);
	v->approval_call = v->approval_pattern = NULL;
}

static void on_approval(const char *call_id, const char *tool, const char *subject,
			const char *pattern, void *ud)
{
	struct dt_agentview *v = ud;
	struct dt_sb title = DT_SB_INIT, always = DT_SB_INIT, shown = DT_SB_INIT;
	const char *items[3];

	free(v->approval_call);
	free(v->approval_pattern);
	v->approval_call = dt_xstrdup(call_id);
	v->approval_pattern = pattern ? dt_xstrdup(pattern) : NULL;
	dt_visible(&shown, subject ? subject : "");
	dt_sb_addf(&title, "Allow %s: %s ?", tool, dt_sb_str(&shown));
	dt_sb_addf(&always, "Always allow %s", pattern ? pattern : "this command");
	items[0] = "Yes, this once";
	items[1] = always.buf;
	items[2] = "No (tell the agent why it was refused)";
	dt_app_notify(v->app, "duoterm: the agent needs approval");
	dt_app_pick(v->app, title.buf, items, 3, 0, on_approval_answer, v);
	dt_sb_release(&shown);
	dt_sb_release(&title);
	dt_sb_release(&always);
}

static void on_proposal(const char *path, void *ud)
{
	struct dt_agentview *v = ud;
	struct dt_pane *p = dt_app_pane(v->app, DT_PANE_REVIEW);
	struct dt_proposal_store *s = proposals(v);
	char sub[32];
	size_t n = s ? dt_proposal_nr(s) : 0;

	dt_app_message(v->app, "The agent proposed a change to %s (2 Review)", path);
	if (dt_review_pane_is(p)) {
		dt_review_pane_proposals_changed(p, path);
		return;
	}
	dt_pane_clear_rows(p);
	for (size_t i = 0; i < n; i++) {
		const struct dt_proposal *pr = dt_proposal_at(s, i);

		dt_pane_add_row(p, pr->stale ? DT_E_warn : DT_E_normal, "%s %s%s",
				pr->deleted ? "D" : pr->has_base ? "M" : "A", pr->path,
				pr->stale ? "  (stale: the file changed)" : "");
	}
	snprintf(sub, sizeof(sub), "%zu proposed", n);
	dt_pane_set_subtitle(p, sub);
}

static void on_review_decided(void *ud)
{
	struct dt_agentview *v = ud;

	if (v->agent)
		dt_agent_review_changed(v->agent);
}

static const char *const state_text[] = {"idle", "streaming", "running a tool",
					  "needs approval", "paused"};

static void on_state(enum dt_agent_state state, void *ud)
{
	struct dt_agentview *v = ud;

	v->busy = state != DT_AGENT_IDLE;
	v->state = state;
	dt_app_set_agent_busy(v->app, v->busy);
	dt_app_set_status(v->app, DT_ST_AGENT, state_text[state]);
	if (state != DT_AGENT_STREAMING)
		v->stream_index = -1;
}

static void on_turn_done(enum dt_turn_outcome outcome, const char *message, void *ud)
{
	struct dt_agentview *v = ud;

	v->stream_index = -1;
	/* the reason is already in the transcript as an error entry */
	(void)message;
	if (outcome == DT_TURN_FAILED && !v->remote)
		dt_app_chat(v->app, DT_CHAT_SYSTEM, "Type /retry to send it again.");
	else if (outcome == DT_TURN_STOPPED)
		dt_app_chat(v->app, DT_CHAT_SYSTEM, "Stopped.");
}

static void on_usage(const struct dt_prov_usage *u, void *ud)
{
	struct dt_agentview *v = ud;
	char buf[64];

	snprintf(buf, sizeof(buf), "%llu in / %llu out", (unsigned long long)u->input_tokens,
		 (unsigned long long)u->output_tokens);
	dt_app_set_status(v->app, DT_ST_TOKENS, buf);
}

static const struct dt_agent_cbs cbs = {
	.on_entry = on_entry,
	.on_plan = on_plan,
	.on_approval = on_approval,
	.on_proposal = on_proposal,
	.on_state = on_state,
	.on_turn_done = on_turn_done,
	.on_usage = on_usage,
};

static int is_gitlab_command(const char *text)
{
	static const char *const words[] = {"/mr", "/issue", "/pipeline"};

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		size_t n = strlen(words[i]);

		if (!strncmp(text, words[i], n) && (text[n] == ' ' || !text[n]))
			return 1;
	}
	return 0;
}

static int gitlab_slash(struct dt_agentview *v, const char *text)
{
	struct dt_sb out = DT_SB_INIT;
	enum dt_pane_id focus = DT_PANE_CHAT;

	if (!is_gitlab_command(text))
		return 0;
	dt_app_chat(v->app, DT_CHAT_USER, text);
	if (!v->panels) {
		dt_app_chat(v->app, DT_CHAT_ERROR, "GitLab is not available here.");
	} else {
		dt_gitlab_slash(v->panels, text, &out, &focus);
		if (out.len)
			dt_app_chat(v->app, DT_CHAT_SYSTEM, out.buf);
	}
	dt_sb_release(&out);
	return 1;
}

static void on_models(const char *const *ids, size_t n, const struct dt_prov_error *err, void *ud)
{
	struct dt_agentview *v = ud;
	struct dt_sb sb = DT_SB_INIT;

	if (err) {
		dt_app_chat(v->app, DT_CHAT_ERROR, err->message && *err->message ? err->message :
			    "the provider did not list its models");
		return;
	}
	dt_sb_addf(&sb, "%zu models (current: %s):", n, dt_provider_model(v->provider));
	for (size_t i = 0; i < n; i++)
		dt_sb_addf(&sb, "\n- %s", ids[i]);
	free(v->models);
	v->models = dt_sb_detach(&sb, NULL);
	dt_app_chat(v->app, DT_CHAT_SYSTEM, v->models);
}

/* /models lists what the provider offers (cached); /models --refresh asks again. */
static int models(struct dt_agentview *v, const char *text)
{
	int refresh = !strcmp(text, "/models --refresh");

	if (strcmp(text, "/models") && !refresh)
		return 0;
	if (!v->provider) {
		dt_app_chat(v->app, DT_CHAT_SYSTEM, "The Duo Agent Platform picks the model of a flow; "
			    "choose one with --provider duo-workflow-MODEL.");
		return 1;
	}
	if (v->models && !refresh) {
		dt_app_chat(v->app, DT_CHAT_SYSTEM, v->models);
		return 1;
	}
	if (dt_provider_list_models(v->provider, on_models, v))
		dt_app_chat(v->app, DT_CHAT_ERROR, "could not ask the provider for its models");
	return 1;
}

static void agent_pause(struct dt_agentview *v)
{
	dt_app_chat(v->app, DT_CHAT_SYSTEM, "Pausing after the running tool.");
	dt_agent_pause(v->agent);
}

static void agent_resume(struct dt_agentview *v)
{
	dt_app_chat(v->app, DT_CHAT_SYSTEM, "Resuming.");
	dt_agent_resume(v->agent);
}

static void agent_retry(struct dt_agentview *v)
{
	dt_app_chat(v->app, DT_CHAT_SYSTEM, "Sending the request again.");
	dt_agent_retry(v->agent);
}

static void agent_stop(struct dt_agentview *v)
{
	dt_agent_stop(v->agent);
}

/* /mcp: the MCP servers (.gitlab/duo/mcp.json) and their tools. */
static int mcp(struct dt_agentview *v, const char *text)
{
	struct dt_sb sb = DT_SB_INIT;

	if (strcmp(text, "/mcp"))
		return 0;
	dt_mcp_set_describe(v->remote ? dt_remote_mcp(v->remote) : dt_agent_mcp(v->agent), &sb);
	dt_app_chat(v->app, DT_CHAT_SYSTEM, sb.buf);
	dt_sb_release(&sb);
	return 1;
}

static int slash(struct dt_agentview *v, const char *text)
{
	static const struct {
		const char *name;
		void (*fn)(struct dt_agentview *);
	} cmds[] = {
		{"/stop", agent_stop},
		{"/pause", agent_pause},
		{"/resume", agent_resume},
		{"/retry", agent_retry},
	};

	if (models(v, text) || mcp(v, text))
		return 1;
	if (v->remote && !strcmp(text, "/stop")) {
		dt_remote_stop(v->remote);
		return 1;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++) {
		if (strcmp(text, cmds[i].name))
			continue;
		if (v->remote) {
			dt_app_chat(v->app, DT_CHAT_SYSTEM, "GitLab runs this flow: only /stop "
				    "applies.");
			return 1;
		}
		cmds[i].fn(v);
		return 1;
	}
	if (!strcmp(text, "/help")) {
		dt_app_chat(v->app, DT_CHAT_SYSTEM,
			    "/stop /pause /resume /retry — control the agent; Esc stops it too.\n"
			    "/models [--refresh] — the models the provider offers.\n"
			    "/mcp — the MCP servers of .gitlab/duo/mcp.json and their tools.\n"
			    "/mr list, /mr show N, /issue list, /issue show N, /pipeline list, "
			    "/pipeline show N — GitLab, in the chat and in its panel.\n"
			    "In Plan (1): e edit, a add, d remove, J/K move, c cancel a step, "
			    "p pause/resume, S stop.");
		return 1;
	}
	return gitlab_slash(v, text);
}

/* ---- the Plan pane: the user edits the plan, the model is told ---- */

/* A copy of the engine's plan to edit; the selected step's index in *sel
 * (-1 when the plan is empty). */
static void plan_copy(struct dt_agentview *v, struct dt_plan *plan, long *sel)
{
	struct dt_pane *p = dt_app_pane(v->app, DT_PANE_PLAN);
	const struct dt_row *r = dt_pane_view_row(p, p->sel);

	dt_plan_copy(plan, dt_engine_plan(dt_agent_engine(v->agent)));
	*sel = r && (size_t)(r - p->rows) < plan->nr ? (long)(r - p->rows) : -1;
}

/* Hands the edited plan to the agent (journaled, and told to the model
 * with its next request) and selects row sel. */
static void plan_commit(struct dt_agentview *v, struct dt_plan *plan, long sel)
{
	v->plan_sel = sel < 0 ? 0 : sel;
	dt_agent_set_plan(v->agent, plan);
	dt_plan_release(plan);
}

static void plan_insert(struct dt_plan *plan, size_t at, const char *title)
{
	struct dt_plan_step s;

	dt_plan_add(plan, title, DT_STEP_NOT_STARTED);
	s = plan->step[plan->nr - 1];
	memmove(&plan->step[at + 1], &plan->step[at], (plan->nr - 1 - at) * sizeof(s));
	plan->step[at] = s;
}

static void plan_asked(void *ud, const char *text, int add)
{
	struct dt_agentview *v = ud;
	struct dt_plan plan = DT_PLAN_INIT;
	long sel;
	size_t at = v->ask_step;

	if (!text || !v->agent)
		return;
	while (*text == ' ')
		text++;
	if (!*text) {
		dt_app_message(v->app, "a step needs a title: nothing changed");
		return;
	}
	plan_copy(v, &plan, &sel);
	if (add) {
		at = at > plan.nr ? plan.nr : at;
		plan_insert(&plan, at, text);
	} else if (at < plan.nr) {
		free(plan.step[at].title);
		plan.step[at].title = dt_xstrdup(text);
	} else {
		dt_app_message(v->app, "that step is gone (the agent changed the plan)");
		dt_plan_release(&plan);
		return;
	}
	plan_commit(v, &plan, (long)at);
}

static void plan_edited(void *ud, const char *text)
{
	plan_asked(ud, text, 0);
}

static void plan_added(void *ud, const char *text)
{
	plan_asked(ud, text, 1);
}

static void plan_pause(struct dt_agentview *v)
{
	/* idle but busy: a turn interrupted by a crash, resumable */
	if (v->state == DT_AGENT_PAUSED || (v->state == DT_AGENT_IDLE &&
					     dt_engine_busy(dt_agent_engine(v->agent))))
		agent_resume(v);
	else if (v->busy)
		agent_pause(v);
	else
		dt_app_message(v->app, "the agent is idle: nothing to pause");
}

static void plan_step_action(struct dt_agentview *v, enum dt_action a)
{
	struct dt_plan plan = DT_PLAN_INIT;
	struct dt_plan_step tmp;
	long sel;
	char label[32];

	plan_copy(v, &plan, &sel);
	if (sel < 0 && a != DT_ACT_PLAN_ADD) {
		dt_app_message(v->app, "no step selected: a adds one");
		dt_plan_release(&plan);
		return;
	}
	switch (a) {
	case DT_ACT_PLAN_EDIT:
		v->ask_step = (size_t)sel;
		snprintf(label, sizeof(label), "Step %ld: ", sel + 1);
		dt_app_ask(v->app, label, plan.step[sel].title, plan_edited, v);
		break;
	case DT_ACT_PLAN_ADD:
		v->ask_step = (size_t)(sel + 1);
		dt_app_ask(v->app, "New step: ", NULL, plan_added, v);
		break;
	case DT_ACT_PLAN_REMOVE:
		free(plan.step[sel].title);
		memmove(&plan.step[sel], &plan.step[sel + 1],
			(plan.nr - (size_t)sel - 1) * sizeof(tmp));
		plan.nr--;
		plan_commit(v, &plan, sel < (long)plan.nr ? sel : sel - 1);
		return;
	case DT_ACT_PLAN_MOVE_DOWN:
	case DT_ACT_PLAN_MOVE_UP: {
		long to = sel + (a == DT_ACT_PLAN_MOVE_DOWN ? 1 : -1);

		if (to < 0 || to >= (long)plan.nr)
			break;
		tmp = plan.step[sel];
		plan.step[sel] = plan.step[to];
		plan.step[to] = tmp;
		plan_commit(v, &plan, to);
		return;
	}
	case DT_ACT_PLAN_CANCEL_STEP:
		plan.step[sel].status = plan.step[sel].status == DT_STEP_CANCELLED ?
						DT_STEP_NOT_STARTED : DT_STEP_CANCELLED;
		plan_commit(v, &plan, sel);
		return;
	default:
		break;
	}
	dt_plan_release(&plan);
}

static struct dt_pane_ops plan_ops; /* the list pane's, plus the Plan keys */

static int plan_action(struct dt_pane *p, enum dt_action a)
{
	struct dt_agentview *v = p->priv;

	if (!(dt_action_ctx(a) & DT_CTX_PLAN))
		return dt_list_pane_ops.action(p, a);
	if (!v->agent) {
		dt_app_message(v->app, v->remote ? "GitLab runs this flow: only Esc (stop) applies" :
				       "there is no agent here: see Chat");
		if (v->remote && a == DT_ACT_PLAN_STOP)
			dt_remote_stop(v->remote);
		return 1;
	}
	if (a == DT_ACT_PLAN_PAUSE)
		plan_pause(v);
	else if (a == DT_ACT_PLAN_STOP && dt_engine_busy(dt_agent_engine(v->agent)))
		agent_stop(v);
	else if (a == DT_ACT_PLAN_STOP)
		dt_app_message(v->app, "the agent is idle: nothing to stop");
	else
		plan_step_action(v, a);
	return 1;
}

static void plan_attach(struct dt_agentview *v)
{
	struct dt_pane *p = dt_app_pane(v->app, DT_PANE_PLAN);

	plan_ops = dt_list_pane_ops;
	plan_ops.ctx |= DT_CTX_PLAN;
	plan_ops.action = plan_action;
	p->ops = &plan_ops;
	p->priv = v;
}

static void plan_detach(struct dt_agentview *v)
{
	struct dt_pane *p = dt_app_pane(v->app, DT_PANE_PLAN);

	if (p->ops == &plan_ops) {
		p->ops = &dt_list_pane_ops;
		p->priv = NULL;
	}
}

static void on_submit(void *ud, const char *text)
{
	struct dt_agentview *v = ud;

	if (text[0] == '/' && is_gitlab_command(text)) {
		gitlab_slash(v, text);
		return;
	}
	if (!v->agent && !v->remote) {
		dt_app_chat(v->app, DT_CHAT_ERROR, v->unavailable);
		return;
	}
	if (text[0] == '/' && slash(v, text))
		return;
	if (v->remote) {
		dt_remote_submit(v->remote, text);
		return;
	}
	dt_agent_submit(v->agent, text);
}

static void on_cancel(void *ud)
{
	struct dt_agentview *v = ud;

	if (v->remote && v->busy)
		dt_remote_stop(v->remote);
	else if (v->agent && v->busy)
		dt_agent_stop(v->agent);
}

static int start_remote(struct dt_agentview *v, struct dt_runtime *rt,
			const struct dt_config *cfg, const struct dt_context *ctx, const char *model,
			const char *resume, struct dt_sb *err)
{
	struct dt_remote_opts ro = DT_REMOTE_OPTS_INIT;
	char cwd[4096];

	ro.net = rt->net;
	ro.loop = &rt->loop;
	ro.instance_url = cfg->instance_url;
	ro.token = cfg->token;
	ro.token_source = cfg->token_source;
	ro.project = cfg->project ? cfg->project : ctx->project;
	ro.branch = ctx->branch;
	ro.repo = ctx->repo;
	ro.workdir = ctx->repo ? dt_repo_workdir(ctx->repo) : getcwd(cwd, sizeof(cwd));
	ro.model = cfg->model ? cfg->model : model;
	ro.insecure = dt_config_bool(cfg->tls_insecure);
	ro.resume = resume;
	ro.cbs = &cbs;
	ro.ud = v;
	return dt_remote_new(&v->remote, &ro, err);
}

static int start(struct dt_agentview *v, struct dt_runtime *rt, const struct dt_config *cfg,
		 const struct dt_context *ctx, struct dt_gl_client *gl, const char *resume,
		 struct dt_sb *err)
{
	struct dt_provider_opts po = DT_PROVIDER_OPTS_INIT;
	struct dt_agent_opts ao = DT_AGENT_OPTS_INIT;
	const char *model = NULL;
	char cwd[4096];

	if (cfg->provider && dt_remote_provider_name(cfg->provider, &model))
		return start_remote(v, rt, cfg, ctx, model, resume, err);
	if (dt_provider_opts_from_config(&po, cfg, err))
		return -1;
	v->provider = dt_provider_new(rt->net, &rt->loop, &po, err);
	if (!v->provider)
		return -1;
	ao.provider = v->provider;
	ao.loop = &rt->loop;
	ao.net = rt->net;
	ao.workdir = ctx->repo ? dt_repo_workdir(ctx->repo) : getcwd(cwd, sizeof(cwd));
	ao.repo = ctx->repo;
	ao.gitlab = gl;
	ao.project_id = ctx->project_id;
	ao.project = ctx->project;
	ao.cbs = &cbs;
	ao.ud = v;
	ao.resume = resume;
	return dt_agent_new(&v->agent, &ao, err);
}

/* A resumed session: its transcript into Chat and its plan into Plan, as
 * they were when it stopped. */
static void show_restored(struct dt_agentview *v)
{
	struct dt_engine *e = dt_agent_engine(v->agent);
	const struct dt_entry *entries;
	size_t n = dt_engine_entries(e, &entries);
	const char *id = dt_agent_session_id(v->agent);
	struct dt_sb sb = DT_SB_INIT;

	for (size_t i = 0; i < n; i++) {
		const struct dt_entry *en = &entries[i];

		switch (en->kind) {
		case DT_ENTRY_USER:
			dt_app_chat(v->app, DT_CHAT_USER, dt_sb_str(&en->text));
			break;
		case DT_ENTRY_ASSISTANT:
			if (en->text.len)
				dt_app_chat(v->app, DT_CHAT_AGENT, dt_sb_str(&en->text));
			break;
		case DT_ENTRY_TOOL:
			if (en->status >= DT_TOOL_SUCCESS)
				tool_card(v, en);
			break;
		case DT_ENTRY_NOTICE:
		case DT_ENTRY_ERROR:
			dt_app_chat(v->app, en->kind == DT_ENTRY_ERROR ? DT_CHAT_ERROR : DT_CHAT_SYSTEM,
				    dt_sb_str(&en->text));
			break;
		case DT_ENTRY_REASONING:
			break;
		}
	}
	on_plan(dt_engine_plan(e), v);
	dt_sb_addf(&sb, "Resumed session %s.", id ? id : "");
	if (dt_agent_interrupted(v->agent))
		dt_sb_adds(&sb, " It stopped in the middle of a turn: /resume continues it, or "
				"type something new.");
	dt_app_chat(v->app, DT_CHAT_SYSTEM, sb.buf);
	dt_sb_release(&sb);
}

/* A resumed flow: GitLab keeps its log, and sends it again with the next
 * turn; its proposals are back in Review. */
static void show_remote_resumed(struct dt_agentview *v)
{
	struct dt_sb sb = DT_SB_INIT;
	size_t n = dt_proposal_nr(dt_remote_proposals(v->remote));

	dt_sb_addf(&sb, "Resumed session %s: Duo Agent Platform workflow %s. Your next message "
		   "continues it (GitLab sends its earlier messages with the answer).",
		   dt_remote_session_id(v->remote) ?: "", dt_remote_workflow_id(v->remote) ?: "");
	if (n)
		dt_sb_addf(&sb, " %zu proposal%s wait%s in Review.", n, n == 1 ? "" : "s",
			   n == 1 ? "s" : "");
	dt_app_chat(v->app, DT_CHAT_SYSTEM, sb.buf);
	dt_sb_release(&sb);
}

struct dt_agentview *dt_agentview_new(struct dt_app *app, struct dt_runtime *rt,
				      const struct dt_config *cfg, const struct dt_context *ctx,
				      struct dt_gl_client *gl, const char *resume)
{
	struct dt_agentview *v = dt_xcalloc(1, sizeof(*v));
	struct dt_sb err = DT_SB_INIT;

	v->app = app;
	v->stream_index = -1;
	v->plan_sel = -1;
	dt_app_on_submit(app, on_submit, v);
	dt_app_on_cancel(app, on_cancel, v);
	if (start(v, rt, cfg, ctx, gl, resume, &err)) {
		dt_sb_addf(&err, "%sThe rest of the workbench works without it.",
			   err.len ? "\n" : "");
		v->unavailable = dt_sb_detach(&err, NULL);
		dt_pane_set_empty(dt_app_pane(app, DT_PANE_CHAT), v->unavailable);
		dt_app_set_status(app, DT_ST_AGENT, "unavailable");
		dt_warn("agent", "%s", v->unavailable);
	} else {
		/* review.stage_accepted: what is accepted is staged too */
		dt_proposal_set_flags(proposals(v),
				      dt_config_bool(cfg->review_stage) ? DT_PROPOSAL_STAGE : 0);
		dt_review_pane_set_proposals(dt_app_pane(app, DT_PANE_REVIEW), proposals(v),
					     on_review_decided, v);
		dt_app_set_status(app, DT_ST_AGENT, "idle");
		plan_attach(v);
		dt_pane_set_empty(dt_app_pane(app, DT_PANE_CHAT),
				  "Type a goal for the agent and press Enter.\n/help lists the "
				  "commands.");
		if (resume && v->remote)
			show_remote_resumed(v);
		else if (resume)
			show_restored(v);
	}
	dt_sb_release(&err);
	return v;
}

void dt_agentview_free(struct dt_agentview *v)
{
	if (!v)
		return;
	dt_review_pane_set_proposals(dt_app_pane(v->app, DT_PANE_REVIEW), NULL, NULL, NULL);
	plan_detach(v);
	dt_remote_free(v->remote);
	dt_agent_free(v->agent);
	dt_provider_free(v->provider);
	free(v->unavailable);
	free(v->models);
	free(v->approval_call);
	free(v->approval_pattern);
	free(v);
}

void dt_agentview_set_panels(struct dt_agentview *v, struct dt_panels *panels)
{
	v->panels = panels;
}

int dt_agentview_busy(const struct dt_agentview *v)
{
	return v && v->busy;
}
