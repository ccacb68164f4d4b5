/*
 * A pane is a struct of operations over its own state (tig's views): the
 * app calls draw() for dirty panes and offers keys to the focused pane first.
 * Every pane here shows a list of text rows (its model) with a selection;
 * richer panes keep their state behind `priv`.
 */
#ifndef DUOTERM_UI_PANE_H
#define DUOTERM_UI_PANE_H

#include <stddef.h>

#include "duoterm/ui/layout.h"
#include "duoterm/ui/theme.h"

struct dt_app;
struct dt_pane;

struct dt_row {
	char *text;
	enum dt_elem elem;
};

struct dt_pane_ops {
	/* draws the content area (the title bar is the app's) */
	void (*draw)(struct dt_pane *p);
	/* 1 when the key was used, 0 to let the app try it */
	int (*key)(struct dt_pane *p, int key);
	void (*free)(struct dt_pane *p);
};

struct dt_pane {
	enum dt_pane_id id;
	const struct dt_pane_ops *ops;
	void *win; /* WINDOW *, owned by the app */
	struct dt_rect r;
	int dirty, focused;
	struct dt_row *rows;
	size_t nr_rows, top, sel;
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
void dt_pane_set_empty(struct dt_pane *p, const char *msg);
void dt_pane_set_subtitle(struct dt_pane *p, const char *s);
/* Moves the selection by delta rows (clamped) and keeps it visible. */
void dt_pane_move(struct dt_pane *p, long delta);
/* Rows the content area has (the title bar takes one). */
int dt_pane_body_rows(const struct dt_pane *p);

/* Word-wraps text to width columns, calling put once per line; returns the
 * number of lines. */
size_t dt_wrap(const char *text, int width, void (*put)(void *ud, const char *s, size_t n),
	       void *ud);

extern const struct dt_pane_ops dt_list_pane_ops;

#endif
