/*
 * A pane is a struct of operations over its own state (tig's views).  The
 * app draws the title bar and calls ops->draw() for dirty panes; keys reach
 * the focused pane as actions (ops->action) from the key contexts it
 * answers (ops->ctx), typed text through ops->text.
 *
 * The list pane (dt_list_pane_ops, the default) shows rows of text with a
 * selection, / search with n/N and f filter, both smart-case.  Its rows are
 * the model: producers add and clear them (dt_pane_add_row ...), the pane
 * only views them.  Row text is sanitised on the way in (tabs expanded,
 * control characters shown as U+FFFD), so drawing is a straight copy.
 *
 * Redraw manners: p->dirty & DT_DIRTY_ALL redraws the pane; moving the
 * selection inside the page only marks the two rows it touched
 * (DT_DIRTY_ROWS), and the title (DT_DIRTY_TITLE).
 */
#ifndef DUOTERM_UI_PANE_H
#define DUOTERM_UI_PANE_H

#include <stddef.h>

#include "duoterm/ui/action.h"
#include "duoterm/ui/layout.h"
#include "duoterm/ui/theme.h"

struct dt_pane;

struct dt_row {
	char *text;
	char *url; /* optional: opened by "open", an OSC 8 link when links are on */
	enum dt_elem elem;
};

struct dt_pane_ops {
	unsigned ctx; /* key contexts, e.g. DT_CTX_LIST */
	/* draws the content area, rows 1.. of the window (row 0 is the title) */
	void (*draw)(struct dt_pane *p);
	/* 1 when the action was for this pane */
	int (*action)(struct dt_pane *p, enum dt_action a);
	/* a key that types (only panes with text input); 1 when used */
	int (*text)(struct dt_pane *p, dt_key k);
	void (*paste)(struct dt_pane *p, const char *s, size_t n);
	/* 1 and where (window coordinates) when the terminal cursor belongs here */
	int (*cursor)(struct dt_pane *p, int *y, int *x);
	/* mouse: a click on content row y (0 = first row under the title) */
	void (*click)(struct dt_pane *p, int y, int x);
	void (*wheel)(struct dt_pane *p, int lines);
	/* what "copy" copies (owned by the pane), or NULL */
	const char *(*copy_text)(struct dt_pane *p);
	void (*free)(struct dt_pane *p);
};

enum {
	DT_DIRTY_ALL = 1,
	DT_DIRTY_TITLE = 2,
	DT_DIRTY_ROWS = 4,
};

#define DT_PANE_MAX_DIRTY_ROWS 4

struct dt_pane {
	enum dt_pane_id id;
	const struct dt_pane_ops *ops;
	void *win; /* WINDOW *, owned by the app */
	struct dt_rect r;
	int dirty, focused;
	size_t dirty_rows[DT_PANE_MAX_DIRTY_ROWS]; /* view indices, with DT_DIRTY_ROWS */
	int nr_dirty_rows;
	struct dt_row *rows;
	size_t nr_rows, top, sel; /* top and sel index the view (filtered rows) */
	size_t *view;             /* with a filter: the rows shown, in order */
	size_t nr_view;
	char *filter, *search;    /* smart-case strings, or NULL */
	char *empty;    /* shown when there are no rows: why, and what to do */
	char *subtitle; /* e.g. "6 open", shown in the title bar */
	int stale;      /* data kept from before a network drop */
	void *priv;
};

void dt_pane_init(struct dt_pane *p, enum dt_pane_id id);
void dt_pane_release(struct dt_pane *p);
void dt_pane_clear_rows(struct dt_pane *p);
void dt_pane_add_row(struct dt_pane *p, enum dt_elem elem, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Gives the last added row a URL (copied). */
void dt_pane_set_row_url(struct dt_pane *p, const char *url);
void dt_pane_set_empty(struct dt_pane *p, const char *msg);
void dt_pane_set_subtitle(struct dt_pane *p, const char *s);
/* Moves the selection by delta rows of the view (clamped), keeps it visible. */
void dt_pane_move(struct dt_pane *p, long delta);
/* Rows the content area has (the title bar takes one). */
int dt_pane_body_rows(const struct dt_pane *p);
/* Marks one view row for redrawing (or the whole pane when many are). */
void dt_pane_touch_row(struct dt_pane *p, size_t view_idx);

/* Rows in the view, and the row at a view index. */
size_t dt_pane_view_len(const struct dt_pane *p);
const struct dt_row *dt_pane_view_row(const struct dt_pane *p, size_t view_idx);
/* Shows only rows containing text (smart case); NULL or "" shows all. */
void dt_pane_set_filter(struct dt_pane *p, const char *text);
/* Selects the next (dir 1) or previous (-1) row matching text from the
 * selection (from_sel: including it), wrapping around; remembers text for
 * n/N and highlighting.  0, or -1 when nothing matches. */
int dt_pane_search(struct dt_pane *p, const char *text, int dir, int from_sel);

/* Smart case: case matters only if needle has a capital.  The first match
 * of needle in hay (length *len), or NULL. */
const char *dt_smartcase_find(const char *hay, const char *needle, size_t *len);

/* A copy of text that draws exactly as measured: tabs expanded, control
 * characters (and '\n' unless keep_newlines) and bad UTF-8 as U+FFFD. */
char *dt_text_sanitise(const char *s, size_t len, int keep_newlines);
/* Word-wraps text to width columns, calling put once per line; returns the
 * number of lines. */
size_t dt_wrap(const char *text, int width, void (*put)(void *ud, const char *s, size_t n),
	       void *ud);
/* Draws text at (y, x) of a curses window clipped to width columns and pads
 * with spaces; returns the columns the text took. */
int dt_put_clipped(void *win, int y, int x, int width, const char *text, size_t len, int attr);

extern const struct dt_pane_ops dt_list_pane_ops;

#endif
