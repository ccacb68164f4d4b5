#include "duoterm/ui/pane.h"

#include <curses.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/core/utf8.h"

void dt_pane_init(struct dt_pane *p, enum dt_pane_id id)
{
	*p = (struct dt_pane){.id = id, .ops = &dt_list_pane_ops, .dirty = 1};
}

void dt_pane_clear_rows(struct dt_pane *p)
{
	for (size_t i = 0; i < p->nr_rows; i++)
		free(p->rows[i].text);
	free(p->rows);
	p->rows = NULL;
	p->nr_rows = p->top = p->sel = 0;
	p->dirty = 1;
}

void dt_pane_release(struct dt_pane *p)
{
	if (p->ops && p->ops->free)
		p->ops->free(p);
	dt_pane_clear_rows(p);
	free(p->empty);
	free(p->subtitle);
	p->empty = p->subtitle = NULL;
}

void dt_pane_add_row(struct dt_pane *p, enum dt_elem elem, const char *fmt, ...)
{
	struct dt_sb sb = DT_SB_INIT;
	va_list ap;

	va_start(ap, fmt);
	dt_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if ((p->nr_rows & (p->nr_rows - 1)) == 0) /* grow at powers of two */
		p->rows = dt_xrealloc(p->rows, (p->nr_rows ? p->nr_rows * 2 : 1) * sizeof(*p->rows));
	p->rows[p->nr_rows].text = dt_sb_detach(&sb, NULL);
	p->rows[p->nr_rows].elem = elem;
	p->nr_rows++;
	p->dirty = 1;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? dt_xstrdup(s) : NULL;
}

void dt_pane_set_empty(struct dt_pane *p, const char *msg)
{
	set_str(&p->empty, msg);
	p->dirty = 1;
}

void dt_pane_set_subtitle(struct dt_pane *p, const char *s)
{
	set_str(&p->subtitle, s);
	p->dirty = 1;
}

int dt_pane_body_rows(const struct dt_pane *p)
{
	return p->r.h > 1 ? p->r.h - 1 : 0;
}

void dt_pane_move(struct dt_pane *p, long delta)
{
	long sel = (long)p->sel + delta;
	int h = dt_pane_body_rows(p);

	if (!p->nr_rows)
		return;
	if (sel < 0)
		sel = 0;
	if (sel >= (long)p->nr_rows)
		sel = (long)p->nr_rows - 1;
	if ((size_t)sel == p->sel)
		return;
	p->sel = (size_t)sel;
	if (p->sel < p->top)
		p->top = p->sel;
	if (h > 0 && p->sel >= p->top + (size_t)h)
		p->top = p->sel - (size_t)h + 1;
	p->dirty = 1;
}

/* Draws text clipped to width columns, padding the rest with spaces. */
static void put_clipped(WINDOW *w, int y, int x, int width, const char *text, int attr)
{
	size_t len = strlen(text);
	int used = 0;
	size_t n = dt_utf8_fit(text, len, width, &used);

	wattrset(w, attr);
	wmove(w, y, x);
	for (size_t off = 0; off < n;) {
		wchar_t wc;
		size_t k = dt_utf8_decode(text + off, n - off, &wc);

		if (wc < 0x20 || wc == 0x7f)
			wc = 0xfffd;
		waddnwstr(w, &wc, 1);
		off += k;
	}
	for (; used < width; used++)
		waddch(w, ' ');
}

/* Word-wraps text (with its own newlines) to width columns; calls put for
 * each line until it returns nonzero.  Pure, so it is unit-tested. */
size_t dt_wrap(const char *text, int width, void (*put)(void *, const char *, size_t), void *ud)
{
	size_t lines = 0;

	if (width < 1)
		width = 1;
	while (*text) {
		size_t len = strcspn(text, "\n"), fit, cut;

		do {
			fit = dt_utf8_fit(text, len, width, NULL);
			cut = fit;
			if (fit < len) {
				/* break at the last space that fits, if any */
				while (cut > 0 && text[cut] != ' ')
					cut--;
				if (!cut)
					cut = fit ? fit : 1;
			}
			put(ud, text, cut);
			lines++;
			text += cut;
			len -= cut;
			while (len && *text == ' ')
				text++, len--;
		} while (len);
		if (*text == '\n')
			text++;
	}
	return lines;
}

struct wrap_draw {
	WINDOW *w;
	int y, h, width;
};

static void put_wrapped(void *ud, const char *s, size_t n)
{
	struct wrap_draw *d = ud;
	char *line;

	if (d->y >= d->h)
		return;
	line = dt_xstrndup(s, n);
	put_clipped(d->w, d->y + 1, 1, d->width, line, dt_theme_attr(DT_E_empty));
	free(line);
	d->y++;
}

static void list_draw(struct dt_pane *p)
{
	WINDOW *w = p->win;
	int h = dt_pane_body_rows(p), width = p->r.w - 1;

	if (!p->nr_rows && p->empty) {
		struct wrap_draw d = {w, 0, h, width};

		dt_wrap(p->empty, width, put_wrapped, &d);
		for (; d.y < h; d.y++)
			put_clipped(w, d.y + 1, 1, width, "", dt_theme_attr(DT_E_normal));
		return;
	}

	for (int y = 0; y < h; y++) {
		size_t i = p->top + (size_t)y;
		int attr = dt_theme_attr(DT_E_normal);
		const char *text = "";

		if (i < p->nr_rows) {
			text = p->rows[i].text;
			attr = dt_theme_attr(p->rows[i].elem);
			if (i == p->sel)
				attr = dt_theme_attr(p->focused ? DT_E_selected_focus : DT_E_selected);
		}
		put_clipped(w, y + 1, 1, width, text, attr);
	}
}

static int list_key(struct dt_pane *p, int key)
{
	int h = dt_pane_body_rows(p);

	switch (key) {
	case 'j':
	case KEY_DOWN:
		dt_pane_move(p, 1);
		return 1;
	case 'k':
	case KEY_UP:
		dt_pane_move(p, -1);
		return 1;
	case KEY_NPAGE:
	case ' ':
		dt_pane_move(p, h > 1 ? h - 1 : 1);
		return 1;
	case KEY_PPAGE:
	case '-':
		dt_pane_move(p, -(h > 1 ? h - 1 : 1));
		return 1;
	case 'g':
	case KEY_HOME:
		dt_pane_move(p, -(long)p->nr_rows);
		return 1;
	case 'G':
	case KEY_END:
		dt_pane_move(p, (long)p->nr_rows);
		return 1;
	}
	return 0;
}

const struct dt_pane_ops dt_list_pane_ops = {
	.draw = list_draw,
	.key = list_key,
};
