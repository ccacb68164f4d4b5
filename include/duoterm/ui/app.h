/*
 * The workbench screen: owns ncurses, the panes and the status bar.
 * Everything here runs on the main thread.  Model changes mark panes dirty;
 * dt_app_frame(), called once per loop pass, draws the dirty ones with
 * wnoutrefresh and one doupdate — at most one frame every 16 ms however
 * fast events arrive (a one-shot timer draws the rest), never a full clear
 * except on resize or Ctrl-L.
 */
#ifndef DUOTERM_UI_APP_H
#define DUOTERM_UI_APP_H

#include "duoterm/core/loop.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/ui/layout.h"
#include "duoterm/ui/pane.h"

enum dt_status_field {
	DT_ST_INSTANCE,
	DT_ST_PROJECT,
	DT_ST_BRANCH,
	DT_ST_CONN,
	DT_ST_AGENT,
	DT_ST_TOKENS,
	DT_ST_COUNT
};

enum dt_conn_state { DT_CONN_OFFLINE, DT_CONN_CONNECTING, DT_CONN_ONLINE, DT_CONN_ERROR };

struct dt_app_opts {
	int demo;
	int use_colour; /* 0 for NO_COLOR */
	int left_pct;   /* Plan/Chat column share of the width */
};

struct dt_app;

/* Starts curses on the terminal; NULL with a reason in err when there is no
 * usable terminal (not a tty, TERM unset or dumb). */
struct dt_app *dt_app_new(struct dt_loop *loop, const struct dt_app_opts *opts, struct dt_sb *err);
/* Restores the terminal.  Safe to call twice (also from the OOM hook). */
void dt_app_end_screen(void);
void dt_app_free(struct dt_app *app);

struct dt_pane *dt_app_pane(struct dt_app *app, enum dt_pane_id id);
void dt_app_set_status(struct dt_app *app, enum dt_status_field f, const char *text);
void dt_app_set_conn(struct dt_app *app, enum dt_conn_state s, const char *detail);
/* A transient message on the status line (clears after a few seconds). */
void dt_app_message(struct dt_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dt_app_resize(struct dt_app *app);
/* Draws what is dirty, paced to ~60 frames a second. */
void dt_app_frame(struct dt_app *app);
int dt_app_should_quit(const struct dt_app *app);

/* For tests and benchmarks. */
unsigned long dt_app_frames(const struct dt_app *app);

#endif
