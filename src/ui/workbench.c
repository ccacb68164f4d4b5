#include "duoterm/ui/workbench.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/core/log.h"
#include "duoterm/gitlab/client.h"
#include "duoterm/gitlab/model.h"
#include "duoterm/ui/app.h"
#include "duoterm/ui/agentview.h"
#include "duoterm/ui/context.h"
#include "duoterm/ui/runtime.h"

struct workbench {
	const struct dt_workbench_opts *opts;
	struct dt_config *cfg;
	struct dt_runtime rt;
	struct dt_app *app;
	struct dt_context ctx;
	struct dt_gl_client gl;
	struct dt_agentview *agent;
	int gl_ready;
	int exit_signal;
	int loads_failed;
};

static void on_signal(struct dt_loop *loop, int signo, void *ud)
{
	struct workbench *wb = ud;

	if (signo == SIGWINCH) {
		dt_app_resize(wb->app);
		return;
	}
	dt_info("main", "signal %d: leaving", signo);
	wb->exit_signal = signo;
	dt_loop_quit(loop);
}

static void exit_after(struct dt_loop *loop, void *ud)
{
	(void)ud;
	dt_loop_quit(loop);
}

static const char *host_of(const char *url)
{
	const char *p = strstr(url, "://");

	return p ? p + 3 : url;
}

/* A GitLab list loaded into a side panel. */
struct panel_load {
	struct workbench *wb;
	enum dt_pane_id pane;
	int (*parse)(const char *, size_t, struct dt_gl_list *);
	void (*row)(struct dt_pane *p, const void *item);
	void (*release)(void *item);
	const char *noun; /* "open", "recent" */
};

static enum dt_elem status_elem(const char *s)
{
	if (!s)
		return DT_E_normal;
	if (!strcmp(s, "success"))
		return DT_E_ok;
	if (!strcmp(s, "failed"))
		return DT_E_error;
	if (!strcmp(s, "running") || !strcmp(s, "pending") || !strcmp(s, "preparing"))
		return DT_E_running;
	if (!strcmp(s, "canceled") || !strcmp(s, "skipped") || !strcmp(s, "manual"))
		return DT_E_dim;
	return DT_E_normal;
}

static const char *status_glyph(const char *s)
{
	static const struct {
		const char *status, *glyph;
	} g[] = {
		{"success", "✔"}, {"failed", "✖"}, {"running", "▶"}, {"pending", "…"},
		{"canceled", "⊘"}, {"canceling", "⊘"}, {"skipped", "»"}, {"manual", "⚙"},
		{"created", "○"}, {"scheduled", "◷"}, {"preparing", "…"},
		{"waiting_for_resource", "…"}, {"waiting_for_callback", "…"},
	};

	for (size_t i = 0; s && i < sizeof(g) / sizeof(*g); i++)
		if (!strcmp(s, g[i].status))
			return g[i].glyph;
	return " ";
}

static void mr_row(struct dt_pane *p, const void *item)
{
	const struct dt_gl_mr *m = item;
	enum dt_elem e = m->draft ? DT_E_draft : DT_E_normal;

	if (m->has_conflicts || (m->detailed_merge_status &&
				 !strcmp(m->detailed_merge_status, "conflict")))
		e = DT_E_error;
	/* the title first: side panels are narrow */
	dt_pane_add_row(p, e, "!%-3ld %s %s · %s", m->iid, status_glyph(m->pipeline_status),
			m->title ? m->title : "",
			m->draft ? "draft" : dt_gl_merge_status_label(m->detailed_merge_status));
}

static void issue_row(struct dt_pane *p, const void *item)
{
	const struct dt_gl_issue *i = item;

	dt_pane_add_row(p, DT_E_normal, "#%-3ld %s%s%s%s", i->iid, i->title ? i->title : "",
			i->labels ? "  [" : "", i->labels ? i->labels : "", i->labels ? "]" : "");
}

static void pipeline_row(struct dt_pane *p, const void *item)
{
	const struct dt_gl_pipeline *pl = item;

	dt_pane_add_row(p, status_elem(pl->status), "#%ld %s %s · %s · %.8s", pl->id,
			status_glyph(pl->status), pl->ref ? pl->ref : "",
			pl->status ? pl->status : "?", pl->sha ? pl->sha : "");
}

static void on_panel(const struct dt_gl_response *r, void *ud)
{
	struct panel_load *pl = ud;
	struct workbench *wb = pl->wb;
	struct dt_pane *p = dt_app_pane(wb->app, pl->pane);
	struct dt_gl_list list;
	struct dt_sb sub = DT_SB_INIT;

	if (r->error) {
		wb->loads_failed++;
		dt_pane_set_empty(p, r->error);
		if (!r->status)
			dt_app_set_conn(wb->app, DT_CONN_ERROR, NULL);
		dt_app_message(wb->app, "%s: %s", dt_pane_name(pl->pane), r->error);
		return;
	}
	if (pl->parse(r->body, r->len, &list)) {
		dt_pane_set_empty(p, "GitLab sent something that is not a list here; "
				     "the log (--log FILE) has the details.");
		dt_warn("gitlab", "%s: unparsable reply (%zu bytes)", dt_pane_name(pl->pane), r->len);
		return;
	}
	dt_pane_clear_rows(p);
	for (size_t i = 0; i < list.nr; i++)
		pl->row(p, (char *)list.items + i * list.size);
	if (!list.nr)
		dt_pane_set_empty(p, "None.");
	dt_sb_addf(&sub, "%s %s", r->x_total && *r->x_total ? r->x_total : "0", pl->noun);
	dt_pane_set_subtitle(p, sub.buf);
	dt_gl_list_release(&list, pl->release);
	dt_sb_release(&sub);
}

static void load_panel(struct workbench *wb, enum dt_pane_id pane, const char *query,
		       const struct panel_load *tmpl)
{
	struct panel_load *pl = dt_xmalloc(sizeof(*pl));
	struct dt_sb path = DT_SB_INIT;

	*pl = *tmpl;
	pl->wb = wb;
	pl->pane = pane;
	dt_sb_addf(&path, "/projects/%s/%s", wb->ctx.project_id, query);
	if (dt_gl_get_owned(&wb->gl, path.buf, on_panel, pl))
		dt_pane_set_empty(dt_app_pane(wb->app, pane), "Busy: could not queue the request.");
	dt_sb_release(&path);
}

static void on_user(const struct dt_gl_response *r, void *ud)
{
	struct workbench *wb = ud;
	struct dt_gl_user u;
	struct dt_sb sb = DT_SB_INIT;

	if (r->error) {
		dt_app_set_conn(wb->app, r->status ? DT_CONN_ONLINE : DT_CONN_ERROR, NULL);
		dt_app_message(wb->app, "%s", r->error);
		return;
	}
	if (!dt_gl_parse_user(r->body, r->len, &u)) {
		dt_sb_addf(&sb, "@%s", u.username);
		dt_app_set_conn(wb->app, DT_CONN_ONLINE, sb.buf);
		dt_gl_user_release(&u);
	}
	dt_sb_release(&sb);
}

static void start_gitlab(struct workbench *wb)
{
	static const struct panel_load mrs = {
		.parse = dt_gl_parse_mrs, .row = mr_row,
		.release = (void (*)(void *))dt_gl_mr_release, .noun = "open"};
	static const struct panel_load issues = {
		.parse = dt_gl_parse_issues, .row = issue_row,
		.release = (void (*)(void *))dt_gl_issue_release, .noun = "open"};
	static const struct panel_load pipelines = {
		.parse = dt_gl_parse_pipelines, .row = pipeline_row,
		.release = (void (*)(void *))dt_gl_pipeline_release, .noun = "pipelines"};

	dt_gl_client_init(&wb->gl, wb->rt.net, wb->cfg->instance_url, wb->cfg->token,
			  wb->cfg->token_source);
	wb->gl_ready = 1;
	if (wb->ctx.no_gitlab) {
		for (int p = DT_PANE_MRS; p <= DT_PANE_PIPELINES; p++)
			dt_pane_set_empty(dt_app_pane(wb->app, (enum dt_pane_id)p), wb->ctx.no_gitlab);
		dt_app_set_conn(wb->app, DT_CONN_OFFLINE, NULL);
		return;
	}
	dt_app_set_conn(wb->app, DT_CONN_CONNECTING, NULL);
	dt_gl_get(&wb->gl, "/user", on_user, wb);
	/* all at once: the three panels load in about one round trip */
	load_panel(wb, DT_PANE_MRS, "merge_requests?state=opened&per_page=50", &mrs);
	load_panel(wb, DT_PANE_ISSUES, "issues?state=opened&per_page=50", &issues);
	load_panel(wb, DT_PANE_PIPELINES, "pipelines?per_page=20", &pipelines);
	for (int p = DT_PANE_MRS; p <= DT_PANE_PIPELINES; p++)
		dt_pane_set_empty(dt_app_pane(wb->app, (enum dt_pane_id)p), "Loading…");
}

static void fill_local_panes(struct workbench *wb)
{
	struct dt_app *app = wb->app;

	dt_pane_set_empty(dt_app_pane(app, DT_PANE_PLAN),
			  "No plan yet.\nGive the agent a goal in Chat (3); its plan appears here.");
	dt_pane_set_empty(dt_app_pane(app, DT_PANE_CHAT), "Chat with the agent here.");
	if (wb->ctx.repo)
		dt_pane_set_empty(dt_app_pane(app, DT_PANE_REVIEW),
				  "Nothing to review yet.\nChanges the agent proposes, and your "
				  "own unstaged work, are reviewed here hunk by hunk.");
	else
		dt_pane_set_empty(dt_app_pane(app, DT_PANE_REVIEW),
				  "Not in a git repository:\nstart duoterm inside one to review "
				  "changes.");
}

int dt_workbench_run(const struct dt_workbench_opts *opts)
{
	static const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGWINCH, SIGQUIT, 0};
	struct workbench wb = {.opts = opts, .cfg = opts->cfg};
	struct dt_app_opts ao = {.demo = opts->demo, .use_colour = !opts->no_colour};
	struct dt_sb err = DT_SB_INIT;
	int rc = 0;

	dt_context_detect(&wb.ctx, wb.cfg);
	if (dt_runtime_init(&wb.rt, wb.cfg, &err)) {
		fprintf(stderr, "duoterm: %s\n", err.buf);
		dt_context_release(&wb.ctx);
		dt_sb_release(&err);
		return 1;
	}
	wb.app = dt_app_new(&wb.rt.loop, &ao, &err);
	if (!wb.app) {
		fputs(err.buf, stderr);
		rc = 1;
		goto done;
	}
	dt_set_oom_hook(dt_app_end_screen);
	signal(SIGPIPE, SIG_IGN);
	dt_loop_catch_signals(&wb.rt.loop, sigs, on_signal, &wb);
	dt_app_set_status(wb.app, DT_ST_INSTANCE, host_of(wb.cfg->instance_url));
	dt_app_set_status(wb.app, DT_ST_PROJECT, wb.ctx.project);
	dt_app_set_status(wb.app, DT_ST_BRANCH, wb.ctx.branch);
	fill_local_panes(&wb);
	start_gitlab(&wb);
	wb.agent = dt_agentview_new(wb.app, &wb.rt, wb.cfg, &wb.ctx, wb.gl_ready ? &wb.gl : NULL);
	if (opts->exit_after_ms)
		dt_loop_add_timer(&wb.rt.loop, (uint64_t)opts->exit_after_ms, exit_after, &wb);
	dt_app_frame(wb.app);
	while (!wb.rt.loop.quit && !dt_app_should_quit(wb.app)) {
		if (dt_loop_run_once(&wb.rt.loop, -1))
			break;
		dt_app_frame(wb.app);
	}
done:
	/* the agent cancels its requests while the net thread still runs */
	dt_agentview_free(wb.agent);
	dt_app_free(wb.app);
	dt_set_oom_hook(NULL);
	dt_runtime_release(&wb.rt);
	if (wb.gl_ready)
		dt_gl_client_release(&wb.gl);
	dt_context_release(&wb.ctx);
	dt_sb_release(&err);
	if (wb.exit_signal == SIGHUP)
		dt_info("main", "terminal hung up; leaving cleanly");
	return rc;
}
