/*
 * The workbench screen: owns ncurses, the panes, the layout, the keymap,
 * the theme and the terminal's extra features.  Everything here runs on the
 * main thread.
 *
 * Redraw: model changes mark panes dirty; dt_app_frame(), called once per
 * loop pass, draws what is dirty with wnoutrefresh and one doupdate — at
 * most one frame every 16 ms however fast events arrive (a one-shot timer
 * draws the rest), wrapped in synchronized output when the terminal said it
 * has it, and never a full clear except on resize or Ctrl-L.
 *
 * Input: the app reads the tty itself (see keys.h) and turns keys into
 * actions through the keymap (action.h): dialog or prompt first, then the
 * focused pane's contexts, then the global ones.
 *
 * Configuration read at start: the "keys" and "ui" sections of
 * $XDG_CONFIG_HOME/duoterm/config.json and ./.duoterm.json (ui.theme,
 * ui.mouse, ui.links); mistakes are shown on the status line and in Chat,
 * naming the file and line, and never stop the start.  Split sizes are
 * remembered in $XDG_STATE_HOME/duoterm/ui.json.
 *
 * Hidden, for benchmarks: DUOTERM_BENCH_LIST=N fills Plan with N rows;
 * DUOTERM_BENCH_OUT=FILE writes keystroke-to-frame times there at exit;
 * DUOTERM_BENCH=1 makes F12 stream one line into Chat, F11 one line in
 * eight pieces, F10 toggle "the agent is busy" (for tests).
 */
#ifndef DUOTERM_UI_APP_H
#define DUOTERM_UI_APP_H

#include <stddef.h>

#include "duoterm/core/config.h"
#include "duoterm/core/loop.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/ui/chat.h"
#include "duoterm/ui/dialog.h"
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
	int use_colour;          /* 0 for NO_COLOR / --no-color */
	const char *theme;       /* --theme NAME|FILE; NULL: ui.theme from the config */
	int mouse;               /* 1: on whatever the config says */
	const struct dt_config *cfg; /* optional: ui.theme and ui.mouse from it */
};

struct dt_app;

/* Starts curses on the terminal; NULL with a reason in err when there is no
 * usable terminal (not a tty, TERM unset or dumb). */
struct dt_app *dt_app_new(struct dt_loop *loop, const struct dt_app_opts *opts, struct dt_sb *err);
/* Restores the terminal.  Safe to call twice (also from the OOM hook). */
void dt_app_end_screen(void);
/* Saves the split sizes, restores the terminal and frees everything. */
void dt_app_free(struct dt_app *app);

struct dt_pane *dt_app_pane(struct dt_app *app, enum dt_pane_id id);
/* The loop the app runs on (for a pane's timers). */
struct dt_loop *dt_app_loop(struct dt_app *app);
void dt_app_set_status(struct dt_app *app, enum dt_status_field f, const char *text);
void dt_app_set_conn(struct dt_app *app, enum dt_conn_state s, const char *detail);
/* A transient message on the status line (clears after a few seconds). */
void dt_app_message(struct dt_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same in the error colour, shown longer. */
void dt_app_error(struct dt_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* After SIGWINCH: takes the new size (the lead's loop owns the signal). */
void dt_app_resize(struct dt_app *app);
/* Draws what is dirty, paced to ~60 frames a second. */
void dt_app_frame(struct dt_app *app);
int dt_app_should_quit(const struct dt_app *app);

/* ---- the agent side ---- */

/* Enter in Chat: the text (already shown in the transcript) goes to cb. */
void dt_app_on_submit(struct dt_app *app, dt_submit_cb cb, void *ud);
/* Esc / C-c while the agent is busy: stop it. */
void dt_app_on_cancel(struct dt_app *app, void (*cb)(void *ud), void *ud);
/* Enter on a list row (MR, issue, pipeline ...): row is the index among
 * the pane's rows (dt_pane_add_row order), whatever the filter. */
void dt_app_on_open(struct dt_app *app, void (*cb)(void *ud, enum dt_pane_id pane, size_t row),
		    void *ud);
/* While busy, q asks before quitting and Esc stops the agent. */
void dt_app_set_agent_busy(struct dt_app *app, int busy);
/* Transcript: a new message, or a streamed piece of the agent's reply. */
void dt_app_chat(struct dt_app *app, enum dt_chat_role role, const char *text);
void dt_app_chat_append(struct dt_app *app, const char *delta);
/* The agent needs the user (an approval): bell + OSC 9 + a message. */
void dt_app_notify(struct dt_app *app, const char *text);

/* ---- dialogs and the clipboard ---- */

void dt_app_confirm(struct dt_app *app, const char *title, const char *text, dt_dialog_cb cb,
		    void *ud);
void dt_app_pick(struct dt_app *app, const char *title, const char *const *items, size_t n,
		 size_t sel, dt_dialog_cb cb, void *ud);
/* Hands the terminal to a child (an editor) and takes it back: curses and
 * the modes dt_term_start() turned on (bracketed paste, modifyOtherKeys,
 * the mouse) are off in between; resume redraws everything. */
void dt_app_suspend(struct dt_app *app, int *mouse, int *links);
void dt_app_resume(struct dt_app *app, int mouse, int links);
/* The answer to dt_app_ask(): the text, or NULL when the user cancelled. */
typedef void (*dt_ask_cb)(void *ud, const char *text);
/* Asks for a line of text on the status line (the line editor, with its
 * own history), prefilled with initial; cb gets the text on Enter, NULL on
 * Esc.  A prompt already open is cancelled first. */
void dt_app_ask(struct dt_app *app, const char *label, const char *initial, dt_ask_cb cb,
		void *ud);
/* OSC 52; reports on the status line.  0 or -1. */
int dt_app_copy(struct dt_app *app, const char *text, size_t len);
/* Runs an action by its config name (the palette does this); 0 or -1. */
int dt_app_run(struct dt_app *app, const char *action);

/* For tests and benchmarks. */
unsigned long dt_app_frames(const struct dt_app *app);

#endif
