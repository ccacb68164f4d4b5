/*
 * The GitLab side panels (Merge requests, Issues, Pipelines): loading,
 * staying live, detail views and the chat's slash commands.  Main thread.
 *
 * Loading: the three lists start together (one round trip with latency).
 * Staying live, kindly: each panel re-asks with If-None-Match on its own
 * one-shot timer — 10 s while it is focused, 30 s while it is on screen,
 * 2 min while it is not (a tab behind another, or hidden by a zoomed pane),
 * the interval doubling (up to 5 min) while GitLab answers 304 and going
 * back to the base on a change; a panel that comes into sight (or focus)
 * is due at once if its last request is older than its new base.  Pipelines are followed over ActionCable
 * (one GraphqlChannel subscription per unfinished pipeline in the list and
 * for the one open in detail); a push refreshes that row and detail at once.
 * Nothing ticks when nothing is due.  On a network failure the rows
 * stay, marked stale, the status bar says reconnecting, and the next try
 * backs off.
 *
 * Job logs are tailed incrementally (gitlab/trace.h): Range: bytes=N- (206)
 * or, when the server ignores Range, the whole log with what is shown
 * skipped; new lines are appended as rows, never a re-render.
 */
#ifndef DUOTERM_UI_PANEL_GITLAB_H
#define DUOTERM_UI_PANEL_GITLAB_H

#include "duoterm/core/config.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/ui/layout.h"

struct dt_app;
struct dt_loop;
struct dt_net;
struct dt_context;
struct dt_panels;

struct dt_panels_opts {
	/* 0: the default; DUOTERM_POLL_MS=F:V:H:M overrides */
	unsigned focused_ms;  /* 0: 10000 */
	unsigned visible_ms;  /* 0: 30000 */
	unsigned hidden_ms;   /* 0: 120000 */
	unsigned max_ms;      /* 0: 300000 */
	int no_cable;         /* no ActionCable (tests) */
};

/* Starts the panels (or fills them with why they are empty). */
struct dt_panels *dt_panels_start(struct dt_app *app, struct dt_loop *loop, struct dt_net *net,
				  const struct dt_config *cfg, const struct dt_context *ctx,
				  const struct dt_panels_opts *opts);
/* Enter on a row of one of the three panels (hook for dt_app_on_open):
 * opens the detail (MR: description, diff stats, discussions, approvals;
 * issue: notes; pipeline: jobs by stage; job: its log, tailed).  1 when the
 * pane was one of ours. */
int dt_panels_open(struct dt_panels *p, enum dt_pane_id pane, size_t row);
/* Back from a detail to the list (from a job's log to its pipeline's
 * jobs).  1 when there was a detail open.  The panes' key "panel-back". */
int dt_panels_back(struct dt_panels *p, enum dt_pane_id pane);
/*
 * A chat slash command: "/mr list", "/mr show N", "/issue list",
 * "/issue show N", "/pipeline list", "/pipeline show N".  Appends the
 * answer's lines to out ("\n"-separated), sets *focus to the panel it
 * concerns (and opens the detail there).  0, or -1 when text is not one of
 * these commands (out says how to use them).
 */
int dt_gitlab_slash(struct dt_panels *p, const char *text, struct dt_sb *out,
		    enum dt_pane_id *focus);
/* Comments and actions (POST/PUT); the result goes to the status line.
 * The panes' keys (context S) call them: panel-comment (c), panel-assign
 * (a, a pick of /members/all), job-retry (r) and job-cancel (x) after a
 * confirmation, and panel-diff (d) fetches /diffs for the review hook. */
int dt_panels_comment(struct dt_panels *p, enum dt_pane_id pane, long iid, const char *body);
int dt_panels_assign(struct dt_panels *p, long issue_iid, long user_id);
int dt_panels_job_action(struct dt_panels *p, long job_id, const char *action /* retry|cancel */);
/* Review hook: called with an MR's diffs (JSON text of /diffs, every page)
 * when the user asks for them (panel-diff), to open them read-only in
 * Review. */
void dt_panels_on_review(struct dt_panels *p,
			 void (*cb)(void *ud, long iid, const char *diffs_json, size_t len),
			 void *ud);
/* The GitLab client the panels use (for the agent's GitLab tools), or NULL
 * when there is no GitLab to talk to. */
struct dt_gl_client *dt_panels_client(struct dt_panels *p);
/* Requests so far (for the idle benchmark). */
unsigned long dt_panels_requests(const struct dt_panels *p);
/* After dt_net_stop. */
void dt_panels_free(struct dt_panels *p);

#endif
