#include "duoterm/ui/dialog.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/utf8.h"
#include "duoterm/ui/pane.h"

enum kind { HELP, CONFIRM, PICK };

struct dt_dialog {
	enum kind kind;
	char *title, *text, *footer;
	struct dt_pane list; /* pick items; help: its rows' top scrolls */
	struct line {
		char *keys, *text;
		enum dt_elem elem;
	} *lines;            /* help */
	size_t nr_lines;
	WINDOW *win;
	int h, w, y, x;
	int result, dirty;
	dt_dialog_cb cb;
	void *ud;
};

#define KEY_COL 24

static struct dt_dialog *new_dialog(enum kind kind, const char *title, dt_dialog_cb cb, void *ud)
{
	struct dt_dialog *d = dt_xcalloc(1, sizeof(*d));

	d->kind = kind;
	d->title = dt_xstrdup(title);
	d->cb = cb;
	d->ud = ud;
	d->dirty = 1;
	dt_pane_init(&d->list, DT_PANE_PLAN);
	return d;
}

static void add_line(struct dt_dialog *d, const char *keys, size_t klen, const char *text,
		     enum dt_elem elem)
{
	d->lines = dt_xrealloc(d->lines, (d->nr_lines + 1) * sizeof(*d->lines));
	d->lines[d->nr_lines++] = (struct line){dt_text_sanitise(keys, klen, 0),
						dt_text_sanitise(text, strlen(text), 0), elem};
}

struct dt_dialog *dt_dialog_help(const struct dt_keymap *km)
{
	struct dt_dialog *d = new_dialog(HELP, "Keys", NULL, NULL);
	struct dt_sb text = DT_SB_INIT;
	char *save = NULL;

	dt_keymap_help(km, &text);
	for (char *l = strtok_r(text.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t tab = strcspn(l, "\t");

		if (l[0] == '#') {
			if (d->nr_lines)
				add_line(d, "", 0, "", DT_E_dialog);
			add_line(d, "", 0, l + 2, DT_E_help_section);
		} else {
			add_line(d, l, tab, l[tab] ? l + tab + 1 : "", DT_E_help_key);
		}
	}
	dt_sb_release(&text);
	d->footer = dt_xstrdup(" j/k PgUp/PgDn scroll · Esc or ? closes · keys are set in config.json ");
	return d;
}

struct dt_dialog *dt_dialog_confirm(const char *title, const char *text, dt_dialog_cb cb,
				    void *ud)
{
	struct dt_dialog *d = new_dialog(CONFIRM, title, cb, ud);

	d->text = dt_xstrdup(text);
	d->footer = dt_xstrdup(" y yes · n no · Esc cancels ");
	return d;
}

struct dt_dialog *dt_dialog_pick(const char *title, const char *const *items, size_t n,
				 size_t sel, dt_dialog_cb cb, void *ud)
{
	struct dt_dialog *d = new_dialog(PICK, title, cb, ud);

	for (size_t i = 0; i < n; i++)
		dt_pane_add_row(&d->list, DT_E_dialog, "%s", items[i]);
	d->list.sel = sel < n ? sel : 0;
	d->list.focused = 1;
	d->footer = dt_xstrdup(" Enter picks · Esc cancels ");
	return d;
}

unsigned dt_dialog_ctx(const struct dt_dialog *d)
{
	switch (d->kind) {
	case HELP: return DT_CTX_LIST | DT_CTX_GLOBAL;
	case CONFIRM: return DT_CTX_DIALOG;
	default: return DT_CTX_DIALOG | DT_CTX_LIST;
	}
}

const char *dt_dialog_title(const struct dt_dialog *d)
{
	return d->title;
}

int dt_dialog_dirty(const struct dt_dialog *d)
{
	return d->dirty || (d->list.dirty & ~DT_DIRTY_TITLE);
}

static int body_rows(const struct dt_dialog *d)
{
	return d->h - 2;
}

static void help_scroll(struct dt_dialog *d, long delta)
{
	long top = (long)d->list.top + delta, max = (long)d->nr_lines - body_rows(d);

	if (top > max)
		top = max;
	if (top < 0)
		top = 0;
	if ((size_t)top != d->list.top) {
		d->list.top = (size_t)top;
		d->dirty = 1;
	}
}

static int help_action(struct dt_dialog *d, enum dt_action a)
{
	long page = body_rows(d) > 1 ? body_rows(d) - 1 : 1;

	switch (a) {
	case DT_ACT_DOWN: help_scroll(d, 1); return 0;
	case DT_ACT_UP: help_scroll(d, -1); return 0;
	case DT_ACT_PAGE_DOWN: help_scroll(d, page); return 0;
	case DT_ACT_PAGE_UP: help_scroll(d, -page); return 0;
	case DT_ACT_FIRST: help_scroll(d, -(long)d->nr_lines); return 0;
	case DT_ACT_LAST: help_scroll(d, (long)d->nr_lines); return 0;
	case DT_ACT_CANCEL: case DT_ACT_HELP: case DT_ACT_QUIT: case DT_ACT_ACCEPT: return 1;
	default: return 0;
	}
}

int dt_dialog_action(struct dt_dialog *d, enum dt_action a)
{
	if (d->kind == HELP)
		return help_action(d, a);
	if (a == DT_ACT_CANCEL || a == DT_ACT_NO) {
		d->result = d->kind == CONFIRM ? 0 : -1;
		return 1;
	}
	if (a == DT_ACT_YES && d->kind == CONFIRM) {
		d->result = 1;
		return 1;
	}
	if (a == DT_ACT_ACCEPT) {
		d->result = d->kind == CONFIRM ? 1 : (int)d->list.sel;
		return 1;
	}
	if (d->kind == PICK && dt_list_pane_ops.action(&d->list, a))
		d->dirty = 1;
	return 0;
}

void dt_dialog_close(struct dt_dialog *d)
{
	dt_dialog_cb cb = d->cb;
	void *ud = d->ud;
	int result = d->result;

	if (d->win)
		delwin(d->win);
	dt_pane_release(&d->list);
	for (size_t i = 0; i < d->nr_lines; i++) {
		free(d->lines[i].keys);
		free(d->lines[i].text);
	}
	free(d->lines);
	free(d->title);
	free(d->text);
	free(d->footer);
	free(d);
	if (cb)
		cb(ud, result);
}

/* ---- drawing ---- */

static void count(void *ud, const char *s, size_t n)
{
	(void)s, (void)n;
	++*(int *)ud;
}

static void geometry(struct dt_dialog *d, int cols, int rows)
{
	int w, h;

	if (d->kind == HELP) {
		w = cols - 4 < 100 ? cols - 4 : 100;
		h = rows - 3;
	} else if (d->kind == CONFIRM) {
		int lines = 0;

		w = cols - 4 < 60 ? cols - 4 : 60;
		dt_wrap(d->text, w - 4, count, &lines);
		h = lines + 4;
	} else {
		int widest = dt_utf8_width(d->title, strlen(d->title)) + 6;

		for (size_t i = 0; i < d->list.nr_rows; i++) {
			int iw = dt_utf8_width(d->list.rows[i].text, strlen(d->list.rows[i].text)) + 4;

			widest = iw > widest ? iw : widest;
		}
		w = widest < 30 ? 30 : widest;
		w = w > cols - 4 ? cols - 4 : w;
		h = (int)d->list.nr_rows + 2;
	}
	h = h > rows - 2 ? rows - 2 : h;
	d->w = w < 10 ? (cols < 10 ? cols : 10) : w;
	d->h = h < 3 ? (rows < 3 ? rows : 3) : h;
	d->y = (rows - 1 - d->h) / 2 > 0 ? (rows - 1 - d->h) / 2 : 0;
	d->x = (cols - d->w) / 2 > 0 ? (cols - d->w) / 2 : 0;
}

static void draw_frame(struct dt_dialog *d)
{
	WINDOW *w = d->win;
	int tw;
	size_t n;

	wattrset(w, dt_theme_attr(DT_E_dialog_border));
	box(w, 0, 0);
	wattrset(w, dt_theme_attr(DT_E_dialog_title));
	n = dt_utf8_fit(d->title, strlen(d->title), d->w - 6, &tw);
	mvwaddstr(w, 0, 2, " ");
	waddnstr(w, d->title, (int)n);
	waddstr(w, " ");
	if (d->footer) {
		n = dt_utf8_fit(d->footer, strlen(d->footer), d->w - 4, &tw);
		wattrset(w, dt_theme_attr(DT_E_dialog_border));
		mvwaddnstr(w, d->h - 1, d->w - 2 - tw, d->footer, (int)n);
	}
}

static void draw_help_row(struct dt_dialog *d, int y, const struct line *l)
{
	int width = d->w - 4, kw = KEY_COL < width ? KEY_COL : width;

	if (!l) {
		dt_put_clipped(d->win, y, 2, width, "", 0, dt_theme_attr(DT_E_dialog));
		return;
	}
	if (l->elem != DT_E_help_key) {
		dt_put_clipped(d->win, y, 2, width, l->text, strlen(l->text), dt_theme_attr(l->elem));
		return;
	}
	dt_put_clipped(d->win, y, 2, kw, l->keys, strlen(l->keys), dt_theme_attr(DT_E_help_key));
	if (width > KEY_COL)
		dt_put_clipped(d->win, y, 2 + KEY_COL, width - KEY_COL, l->text, strlen(l->text),
			       dt_theme_attr(DT_E_dialog));
}

struct text_draw {
	struct dt_dialog *d;
	int y;
};

static void put_text(void *ud, const char *s, size_t n)
{
	struct text_draw *t = ud;

	if (t->y < t->d->h - 2)
		dt_put_clipped(t->d->win, t->y++, 2, t->d->w - 4, s, n, dt_theme_attr(DT_E_dialog));
}

static void draw_body(struct dt_dialog *d)
{
	int rows = body_rows(d);

	for (int y = 1; y <= rows; y++)
		dt_put_clipped(d->win, y, 1, d->w - 2, "", 0, dt_theme_attr(DT_E_dialog));
	if (d->kind == CONFIRM) {
		struct text_draw t = {d, 2};

		dt_wrap(d->text, d->w - 4, put_text, &t);
		return;
	}
	for (int y = 0; y < rows; y++) {
		size_t i = d->list.top + (size_t)y;
		const struct dt_row *r = i < d->list.nr_rows ? &d->list.rows[i] : NULL;

		if (d->kind == HELP) {
			draw_help_row(d, y + 1, i < d->nr_lines ? &d->lines[i] : NULL);
		} else if (r) {
			int attr = dt_theme_attr(i == d->list.sel ? DT_E_selected_focus : DT_E_dialog);

			dt_put_clipped(d->win, y + 1, 1, d->w - 2, " ", 1, attr);
			dt_put_clipped(d->win, y + 1, 2, d->w - 3, r->text, strlen(r->text), attr);
		}
	}
}

void dt_dialog_draw(struct dt_dialog *d, int cols, int rows, int full)
{
	int oy = d->y, ox = d->x, oh = d->h, ow = d->w;

	geometry(d, cols, rows);
	if (d->h < 3 || d->w < 6)
		return;
	if (!d->win || oy != d->y || ox != d->x || oh != d->h || ow != d->w) {
		if (d->win)
			delwin(d->win);
		d->win = newwin(d->h, d->w, d->y, d->x);
		d->dirty = 1;
		if (!d->win)
			return;
	}
	d->list.r = (struct dt_rect){0, 0, d->h - 1, d->w};
	if (d->kind == PICK)
		dt_pane_move(&d->list, 0);
	if (d->dirty || (d->list.dirty & ~DT_DIRTY_TITLE)) {
		draw_frame(d);
		draw_body(d);
	} else if (full) {
		touchwin(d->win);
	}
	d->dirty = 0;
	d->list.dirty = 0;
	d->list.nr_dirty_rows = 0;
	wnoutrefresh(d->win);
}
