#include "duoterm/ui/workbench.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/core/bus.h"
#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/git/repo.h"
#include "duoterm/gitlab/remote.h"
#include "duoterm/ui/app.h"

struct workbench {
	const struct dt_workbench_opts *opts;
	struct dt_config *cfg;
	struct dt_loop loop;
	struct dt_queue to_main;
	struct dt_app *app;
	struct dt_repo *repo;
	char *project;
	int exit_signal;
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

static void dispatch(struct dt_msg *msg)
{
	/* net, gitlab and agent messages get their dispatchers here as those
	 * layers land; anything unknown is dropped, never leaked */
	dt_msg_free(msg);
}

static void on_wake(struct dt_loop *loop, void *ud)
{
	struct workbench *wb = ud;
	struct dt_msg *list = dt_queue_pop_all(&wb->to_main);

	(void)loop;
	while (list) {
		struct dt_msg *next = list->next;

		dispatch(list);
		list = next;
	}
}

static void exit_after(struct dt_loop *loop, void *ud)
{
	(void)ud;
	dt_loop_quit(loop);
}

/* Which project: the config/--project, else the origin remote. */
static void detect_project(struct workbench *wb)
{
	struct dt_sb err = DT_SB_INIT;
	char *url = NULL, *branch;
	struct dt_remote r;

	if (dt_repo_open(&wb->repo, ".", &err) == 0) {
		branch = dt_repo_branch(wb->repo);
		dt_app_set_status(wb->app, DT_ST_BRANCH, branch);
		free(branch);
		url = dt_repo_remote_url(wb->repo, "origin");
	}
	if (wb->cfg->project) {
		wb->project = dt_xstrdup(wb->cfg->project);
	} else if (url && dt_remote_parse(&r, url, wb->cfg->instance_url) == 0) {
		if (dt_remote_matches_instance(&r, wb->cfg->instance_url))
			wb->project = dt_xstrdup(r.path);
		else
			dt_app_message(wb->app, "origin (%s) is not on %s; use --project PATH", r.host,
				       wb->cfg->instance_url);
		dt_remote_release(&r);
	}
	free(url);
	dt_sb_release(&err);
}

static const char *host_of(const char *url)
{
	const char *p = strstr(url, "://");

	return p ? p + 3 : url;
}

static void fill_empty_panes(struct workbench *wb)
{
	struct dt_app *app = wb->app;
	const char *why;

	dt_pane_set_empty(dt_app_pane(app, DT_PANE_PLAN),
			  "No plan yet.\nGive the agent a goal in Chat (3);\nits plan appears here.");
	dt_pane_set_empty(dt_app_pane(app, DT_PANE_CHAT),
			  "Chat with the agent here.");
	if (wb->repo)
		dt_pane_set_empty(dt_app_pane(app, DT_PANE_REVIEW),
				  "Nothing to review yet.\nChanges the agent proposes, and your "
				  "own unstaged work,\nare reviewed here hunk by hunk.");
	else
		dt_pane_set_empty(dt_app_pane(app, DT_PANE_REVIEW),
				  "Not in a git repository:\nstart duoterm inside one to review "
				  "changes.");
	if (!wb->cfg->token)
		why = "Not signed in to GitLab.\nSet GITLAB_TOKEN or run 'duoterm login'.";
	else if (!wb->project)
		why = "No GitLab project: origin is not a\nGitLab remote. Use --project PATH.";
	else
		why = "Loading…";
	for (int p = DT_PANE_MRS; p <= DT_PANE_PIPELINES; p++)
		dt_pane_set_empty(dt_app_pane(app, (enum dt_pane_id)p), why);
}

int dt_workbench_run(const struct dt_workbench_opts *opts)
{
	static const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGWINCH, SIGQUIT, 0};
	struct workbench wb = {.opts = opts, .cfg = opts->cfg};
	struct dt_app_opts ao = {.demo = opts->demo, .use_colour = !opts->no_colour};
	struct dt_sb err = DT_SB_INIT;
	int rc = 0;

	if (dt_loop_init(&wb.loop) || dt_queue_init(&wb.to_main, 0, dt_loop_wake_cb, &wb.loop)) {
		fprintf(stderr, "duoterm: cannot set up the event loop\n");
		return 1;
	}
	wb.app = dt_app_new(&wb.loop, &ao, &err);
	if (!wb.app) {
		fputs(err.buf, stderr);
		rc = 1;
		goto done;
	}
	dt_set_oom_hook(dt_app_end_screen);
	signal(SIGPIPE, SIG_IGN);
	dt_loop_catch_signals(&wb.loop, sigs, on_signal, &wb);
	dt_loop_on_wake(&wb.loop, on_wake, &wb);
	dt_app_set_status(wb.app, DT_ST_INSTANCE, host_of(wb.cfg->instance_url));
	detect_project(&wb);
	dt_app_set_status(wb.app, DT_ST_PROJECT, wb.project);
	dt_app_set_conn(wb.app, DT_CONN_OFFLINE, NULL);
	fill_empty_panes(&wb);
	if (opts->exit_after_ms)
		dt_loop_add_timer(&wb.loop, (uint64_t)opts->exit_after_ms, exit_after, &wb);
	dt_app_frame(wb.app);
	while (!wb.loop.quit && !dt_app_should_quit(wb.app)) {
		if (dt_loop_run_once(&wb.loop, -1))
			break;
		dt_app_frame(wb.app);
	}
done:
	dt_app_free(wb.app);
	dt_set_oom_hook(NULL);
	dt_queue_close(&wb.to_main);
	dt_queue_release(&wb.to_main);
	dt_loop_release(&wb.loop);
	dt_repo_free(wb.repo);
	free(wb.project);
	dt_sb_release(&err);
	if (wb.exit_signal == SIGHUP)
		dt_info("main", "terminal hung up; state saved");
	return rc;
}
