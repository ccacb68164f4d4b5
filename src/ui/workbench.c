#include "duoterm/ui/workbench.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/core/log.h"
#include "duoterm/ui/app.h"
#include "duoterm/ui/agentview.h"
#include "duoterm/ui/context.h"
#include "duoterm/ui/panel_review.h"
#include "duoterm/ui/panel_gitlab.h"
#include "duoterm/ui/runtime.h"

struct workbench {
	const struct dt_workbench_opts *opts;
	struct dt_config *cfg;
	struct dt_runtime rt;
	struct dt_app *app;
	struct dt_context ctx;
	struct dt_panels *panels; /* the GitLab side panels and their client */
	struct dt_agentview *agent;
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

static void on_open(void *ud, enum dt_pane_id pane, size_t row)
{
	struct workbench *wb = ud;

	dt_panels_open(wb->panels, pane, row);
}

/* review.max_file_size, or 0 (the default) when unset or not a size */
static size_t review_max_size(struct workbench *wb)
{
	size_t n = 0;

	if (dt_config_size(wb->cfg->review_max_size, &n)) {
		dt_app_error(wb->app, "review.max_file_size: \"%s\" is not a size (bytes, or a "
			     "number with K, M or G); using 8M", wb->cfg->review_max_size);
		n = 0;
	}
	return n;
}

static void fill_local_panes(struct workbench *wb)
{
	struct dt_app *app = wb->app;

	dt_pane_set_empty(dt_app_pane(app, DT_PANE_PLAN),
			  "No plan yet.\nGive the agent a goal in Chat (3); its plan appears here.");
	dt_pane_set_empty(dt_app_pane(app, DT_PANE_CHAT), "Chat with the agent here.");
	if (wb->ctx.repo)
		dt_review_pane_attach(dt_app_pane(app, DT_PANE_REVIEW), app, wb->ctx.repo,
				      review_max_size(wb));
	else
		dt_pane_set_empty(dt_app_pane(app, DT_PANE_REVIEW),
				  "Not in a git repository:\nstart duoterm inside one to review "
				  "changes.");
}

/* The GitLab panel fetched a merge request's diffs: Review shows them as
 * its read-only "MR !N" source, and takes the focus. */
static void on_mr_diffs(void *ud, long iid, const char *json, size_t len)
{
	struct workbench *wb = ud;
	struct dt_pane *p = dt_app_pane(wb->app, DT_PANE_REVIEW);

	if (!dt_review_pane_is(p)) /* outside a repository: the MR source only */
		dt_review_pane_attach(p, wb->app, NULL, 0);
	dt_review_pane_show_mr(p, iid, json, len);
	dt_app_run(wb->app, "focus-review");
}

int dt_workbench_run(const struct dt_workbench_opts *opts)
{
	static const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGWINCH, SIGQUIT, 0};
	struct workbench wb = {.opts = opts, .cfg = opts->cfg};
	struct dt_app_opts ao = {.demo = opts->demo, .use_colour = !opts->no_colour,
				 .theme = opts->theme, .cfg = opts->cfg};
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
	wb.panels = dt_panels_start(wb.app, &wb.rt.loop, wb.rt.net, wb.cfg, &wb.ctx, NULL);
	dt_panels_on_review(wb.panels, on_mr_diffs, &wb);
	dt_app_on_open(wb.app, on_open, &wb);
	wb.agent = dt_agentview_new(wb.app, &wb.rt, wb.cfg, &wb.ctx, dt_panels_client(wb.panels),
				    opts->resume);
	dt_agentview_set_panels(wb.agent, wb.panels);
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
	dt_panels_free(wb.panels);
	dt_context_release(&wb.ctx);
	dt_sb_release(&err);
	if (wb.exit_signal == SIGHUP)
		dt_info("main", "terminal hung up; leaving cleanly");
	return rc;
}
