/*
 * Inside the app: its state, shared by app.c (screen, frames, the public
 * API) and dispatch.c (input events -> actions, the prompts).  Nothing
 * outside src/ui includes this.
 */
#ifndef DUOTERM_UI_DISPATCH_H
#define DUOTERM_UI_DISPATCH_H

#include <stdint.h>

#include "duoterm/ui/action.h"
#include "duoterm/ui/app.h"
#include "duoterm/ui/input.h"
#include "duoterm/ui/keys.h"
#include "duoterm/ui/term.h"
#include "duoterm/ui/theme.h"

enum dt_prompt_kind {
	DT_PROMPT_SEARCH,
	DT_PROMPT_FILTER,
	DT_PROMPT_PALETTE,
	DT_PROMPT_TEXT, /* dt_app_ask(): a line of text for a caller */
	DT_PROMPT_COUNT
};


#define DT_PALETTE_SHOWN 8

struct dt_prompt {
	int active, dirty;
	enum dt_prompt_kind kind;
	struct dt_input in[DT_PROMPT_COUNT]; /* one each, so each keeps its history */
	int pane;                            /* the list it works on */
	size_t orig_sel, orig_top;
	char *orig_filter, *orig_search;
	int nomatch;
	int matches[DT_ACT_COUNT], nr_matches, match_sel;
	void *popup; /* WINDOW * for the palette's candidates */
	char *label; /* DT_PROMPT_TEXT: the question */
	dt_ask_cb ask_cb;
	void *ask_ud;
};

struct dt_bench {
	int on;
	uint64_t key_us;     /* when the key being timed was read */
	double *lat_us;      /* keystroke-to-frame times */
	size_t n, alloc;
	char *out;
	int stream_left;
	uint64_t stream_timer;
	unsigned long lines;
};

struct dt_app {
	struct dt_loop *loop;
	struct dt_app_opts opts;
	struct dt_pane panes[DT_PANE_COUNT];
	struct dt_layout layout;
	struct dt_layout_state lstate;
	struct dt_layout_prefs prefs;
	int prefs_dirty;
	uint64_t save_timer;
	char *state_file;
	struct dt_keymap keymap;
	struct dt_kp kp;
	uint64_t esc_timer;
	int esc_ms;
	struct dt_term term;
	struct dt_theme theme;
	int focus, busy;
	int status_dirty, layout_dirty, clear_next;
	char *status[DT_ST_COUNT];
	enum dt_conn_state conn;
	char *message;
	int message_error;
	uint64_t message_timer, frame_timer, last_frame_ms;
	unsigned long frames;
	int quit, cursor_shown;
	void *status_win; /* WINDOW * */
	struct dt_dialog *dialog;
	struct dt_prompt prompt;
	dt_submit_cb submit_cb;
	void *submit_ud;
	void (*cancel_cb)(void *ud);
	void *cancel_ud;
	void (*open_cb)(void *ud, enum dt_pane_id pane, size_t row);
	void *open_ud;
	struct dt_bench bench;
};

/* dispatch.c */
void dt_app_on_tty(struct dt_loop *loop, int fd, short revents, void *ud);
void dt_app_prompt_release(struct dt_app *app);
/* app.c */
void dt_app_set_focus(struct dt_app *app, int pane);
void dt_app_open_dialog(struct dt_app *app, struct dt_dialog *d);
void dt_app_close_dialog(struct dt_app *app);
void dt_app_apply_theme(struct dt_app *app, const char *name);
void dt_app_save_prefs_soon(struct dt_app *app);
void dt_app_bench_key(struct dt_app *app);
void dt_app_bench_stream(struct dt_app *app, int pieces);

#endif
