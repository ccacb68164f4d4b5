#include "duoterm/ui/pane.h"

#include <ctype.h>
#include <curses.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/core/utf8.h"
#include "duoterm/ui/term.h"

void dt_pane_init(struct dt_pane *p, enum dt_pane_id id)
{
	*p = (struct dt_pane){.id = id, .ops = &dt_list_pane_ops, .dirty = DT_DIRTY_ALL};
}

static void free_rows(struct dt_pane *p)
{
	for (size_t i = 0; i < p->nr_rows; i++) {
		free(p->rows[i].text);
		free(p->rows[i].url);
	}
	free(p->rows);
	free(p->view);
	p->rows = NULL;
	p->view = NULL;
	p->nr_rows = p->nr_view = p->top = p->sel = 0;
}

void dt_pane_clear_rows(struct dt_pane *p)
{
	free_rows(p);
	p->dirty |= DT_DIRTY_ALL;
}

void dt_pane_release(struct dt_pane *p)
{
	if (p->ops && p->ops->free)
		p->ops->free(p);
	free_rows(p);
	free(p->empty);
	free(p->subtitle);
	free(p->filter);
	free(p->search);
	p->empty = p->subtitle = p->filter = p->search = NULL;
}

size_t dt_pane_view_len(const struct dt_pane *p)
{
	return p->filter ? p->nr_view : p->nr_rows;
}

const struct dt_row *dt_pane_view_row(const struct dt_pane *p, size_t i)
{
	if (i >= dt_pane_view_len(p))
		return NULL;
	return &p->rows[p->filter ? p->view[i] : i];
}

/* ---- smart case ---- */

static int has_upper(const char *s)
{
	for (; *s; s++)
		if (isupper((unsigned char)*s))
			return 1;
	return 0;
}

const char *dt_smartcase_find(const char *hay, const char *needle, size_t *len)
{
	size_t n = strlen(needle);
	const char *m;

	if (!n)
		return NULL;
	m = has_upper(needle) ? strstr(hay, needle) : strcasestr(hay, needle);
	if (m && len)
		*len = n;
	return m;
}

/* ---- rows ---- */

/* Expands tabs and replaces control characters and bad UTF-8 with U+FFFD,
 * so that what is drawn is exactly what was measured. */
char *dt_text_sanitise(const char *s, size_t len, int keep_newlines)
{
	struct dt_sb out = DT_SB_INIT;
	int col = 0;

	dt_sb_grow(&out, len);
	dt_sb_add(&out, "", 0);
	for (size_t i = 0; i < len;) {
		wchar_t wc;
		size_t k = dt_utf8_decode(s + i, len - i, &wc);

		if (wc == '\n' && keep_newlines) {
			dt_sb_addc(&out, '\n');
			col = 0;
		} else if (wc == '\t') {
			do
				dt_sb_addc(&out, ' ');
			while (++col % 8);
		} else if (wc < 0x20 || wc == 0x7f || (wc >= 0x80 && wc < 0xa0) || wc == 0xfffd ||
			   wcwidth(wc) < 0) {
			dt_sb_adds(&out, "\xef\xbf\xbd");
			col++;
		} else {
			dt_sb_add(&out, s + i, k);
			col += dt_wcwidth(wc);
		}
		i += k;
	}
	return dt_sb_detach(&out, NULL);
}

static char *sanitise(char *s, size_t len)
{
	char *clean;
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			break;
	if (i == len)
		return s; /* plain ASCII: the common case, no copy */
	clean = dt_text_sanitise(s, len, 0);
	free(s);
	return clean;
}

static int row_matches(const struct dt_pane *p, size_t i)
{
	return !p->filter || dt_smartcase_find(p->rows[i].text, p->filter, NULL);
}

void dt_pane_add_row(struct dt_pane *p, enum dt_elem elem, const char *fmt, ...)
{
	struct dt_sb sb = DT_SB_INIT;
	size_t len;
	char *text;
	va_list ap;

	va_start(ap, fmt);
	dt_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	text = dt_sb_detach(&sb, &len);
	if ((p->nr_rows & (p->nr_rows - 1)) == 0) /* grow at powers of two */
		p->rows = dt_xrealloc(p->rows, (p->nr_rows ? p->nr_rows * 2 : 1) * sizeof(*p->rows));
	p->rows[p->nr_rows] = (struct dt_row){sanitise(text, len), NULL, elem};
	if (p->filter && row_matches(p, p->nr_rows)) {
		if ((p->nr_view & (p->nr_view - 1)) == 0)
			p->view = dt_xrealloc(p->view, (p->nr_view ? p->nr_view * 2 : 1) *
							       sizeof(*p->view));
		p->view[p->nr_view++] = p->nr_rows;
	}
	p->nr_rows++;
	p->dirty |= DT_DIRTY_ALL;
}

void dt_pane_set_row_url(struct dt_pane *p, const char *url)
{
	if (!p->nr_rows)
		return;
	free(p->rows[p->nr_rows - 1].url);
	p->rows[p->nr_rows - 1].url = url ? dt_xstrdup(url) : NULL;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? dt_xstrdup(s) : NULL;
}

void dt_pane_set_empty(struct dt_pane *p, const char *msg)
{
	set_str(&p->empty, msg);
	p->dirty |= DT_DIRTY_ALL;
}

void dt_pane_set_subtitle(struct dt_pane *p, const char *s)
{
	if ((s && p->subtitle && !strcmp(s, p->subtitle)) || (!s && !p->subtitle))
		return;
	set_str(&p->subtitle, s);
	p->dirty |= DT_DIRTY_TITLE;
}

int dt_pane_body_rows(const struct dt_pane *p)
{
	return p->r.h > 1 ? p->r.h - 1 : 0;
}

void dt_pane_touch_row(struct dt_pane *p, size_t i)
{
	if (p->dirty & DT_DIRTY_ALL)
		return;
	for (int k = 0; k < p->nr_dirty_rows; k++)
		if (p->dirty_rows[k] == i)
			return;
	if (p->nr_dirty_rows == DT_PANE_MAX_DIRTY_ROWS) {
		p->dirty |= DT_DIRTY_ALL;
		return;
	}
	p->dirty_rows[p->nr_dirty_rows++] = i;
	p->dirty |= DT_DIRTY_ROWS;
}

void dt_pane_move(struct dt_pane *p, long delta)
{
	size_t n = dt_pane_view_len(p), old_sel = p->sel, old_top = p->top;
	long sel = (long)p->sel + delta;
	int h = dt_pane_body_rows(p);

	if (!n)
		return;
	if (sel < 0)
		sel = 0;
	if (sel >= (long)n)
		sel = (long)n - 1;
	p->sel = (size_t)sel;
	if (p->top >= n)
		p->top = n - 1;
	if (p->sel < p->top)
		p->top = p->sel;
	if (h > 0 && p->sel >= p->top + (size_t)h)
		p->top = p->sel - (size_t)h + 1;
	if (p->top != old_top) {
		p->dirty |= DT_DIRTY_ALL;
	} else if (p->sel != old_sel) {
		dt_pane_touch_row(p, old_sel);
		dt_pane_touch_row(p, p->sel);
		p->dirty |= DT_DIRTY_TITLE;
	}
}

void dt_pane_set_filter(struct dt_pane *p, const char *text)
{
	size_t keep = p->nr_rows ? (p->filter ? (p->nr_view ? p->view[p->sel] : 0) : p->sel) : 0;

	free(p->filter);
	free(p->view);
	p->filter = NULL;
	p->view = NULL;
	p->nr_view = 0;
	if (text && *text) {
		p->filter = dt_xstrdup(text);
		p->view = dt_xmalloc((p->nr_rows ? p->nr_rows : 1) * sizeof(*p->view));
		for (size_t i = 0; i < p->nr_rows; i++)
			if (row_matches(p, i))
				p->view[p->nr_view++] = i;
	}
	/* the selected row stays selected if it is still shown, else the first */
	p->sel = p->top = 0;
	for (size_t i = 0; i < dt_pane_view_len(p); i++)
		if ((p->filter ? p->view[i] : i) == keep) {
			p->sel = i;
			break;
		}
	p->dirty |= DT_DIRTY_ALL;
	dt_pane_move(p, 0);
}

int dt_pane_search(struct dt_pane *p, const char *text, int dir, int from_sel)
{
	size_t n = dt_pane_view_len(p), i = p->sel;

	if (text != p->search)
		set_str(&p->search, text && *text ? text : NULL);
	p->dirty |= DT_DIRTY_ALL; /* highlights change */
	if (!p->search || !n)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (k || !from_sel)
			i = dir < 0 ? (i + n - 1) % n : (i + 1) % n;
		if (dt_smartcase_find(dt_pane_view_row(p, i)->text, p->search, NULL)) {
			dt_pane_move(p, (long)i - (long)p->sel);
			return 0;
		}
	}
	return -1;
}

/* ---- drawing ---- */

int dt_put_clipped(void *win, int y, int x, int width, const char *text, size_t len, int attr)
{
	WINDOW *w = win;
	int used = 0;
	size_t n = dt_utf8_fit(text, len, width, &used);

	wattrset(w, attr);
	wmove(w, y, x);
	waddnstr(w, text, (int)n);
	if (used < width)
		whline(w, ' ', width - used); /* the padding, in one call */
	return used;
}

/* Word-wraps text (with its own newlines) to width columns; calls put for
 * each line.  Pure, so it is unit-tested. */
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

	if (d->y >= d->h)
		return;
	dt_put_clipped(d->w, d->y + 1, 1, d->width, s, n, dt_theme_attr(DT_E_empty));
	d->y++;
}

/* One row, with the search match highlighted. */
static void draw_row(struct dt_pane *p, size_t i)
{
	WINDOW *w = p->win;
	int y = (int)(i - p->top) + 1, width = p->r.w - 1, used = 0, u;
	const struct dt_row *row = dt_pane_view_row(p, i);
	const char *t, *m;
	size_t len, mlen = 0;
	int attr;

	if (!row) {
		dt_put_clipped(w, y, 1, width, "", 0, dt_theme_attr(DT_E_normal));
		return;
	}
	attr = dt_theme_attr(row->elem);
	if (i == p->sel)
		attr = dt_theme_attr(p->focused ? DT_E_selected_focus : DT_E_selected);
	t = row->text;
	len = strlen(t);
	if (row->url) /* an OSC 8 link over the text, when links are on */
		dt_term_link(p->r.y + y, p->r.x + 1, t, dt_utf8_fit(t, len, width, NULL), row->url,
			     attr);
	m = p->search ? dt_smartcase_find(t, p->search, &mlen) : NULL;
	if (!m) {
		dt_put_clipped(w, y, 1, width, t, len, attr);
		return;
	}
	wmove(w, y, 1);
	wattrset(w, attr);
	used = dt_utf8_width(t, (size_t)(m - t));
	if (used >= width) {
		dt_put_clipped(w, y, 1, width, t, len, attr);
		return;
	}
	waddnstr(w, t, (int)(m - t));
	u = dt_put_clipped(w, y, 1 + used, width - used, m, mlen,
			   dt_theme_attr(DT_E_search_match));
	used += u;
	if (used < width)
		dt_put_clipped(w, y, 1 + used, width - used, m + mlen, strlen(m + mlen), attr);
}

static void list_draw(struct dt_pane *p)
{
	int h = dt_pane_body_rows(p), width = p->r.w - 1;

	if (!dt_pane_view_len(p) && (p->empty || p->filter)) {
		struct wrap_draw d = {p->win, 0, h, width};

		dt_wrap(p->filter ? "Nothing matches the filter (f, then Esc clears it)." : p->empty,
			width, put_wrapped, &d);
		for (; d.y < h; d.y++)
			dt_put_clipped(p->win, d.y + 1, 1, width, "", 0, dt_theme_attr(DT_E_normal));
		return;
	}
	if (!(p->dirty & DT_DIRTY_ALL) && (p->dirty & DT_DIRTY_ROWS)) {
		for (int k = 0; k < p->nr_dirty_rows; k++)
			if (p->dirty_rows[k] >= p->top && p->dirty_rows[k] < p->top + (size_t)h)
				draw_row(p, p->dirty_rows[k]);
		return;
	}
	for (int y = 0; y < h; y++)
		draw_row(p, p->top + (size_t)y);
}

static int list_action(struct dt_pane *p, enum dt_action a)
{
	int h = dt_pane_body_rows(p);
	long page = h > 1 ? h - 1 : 1;

	switch (a) {
	case DT_ACT_DOWN: dt_pane_move(p, 1); return 1;
	case DT_ACT_UP: dt_pane_move(p, -1); return 1;
	case DT_ACT_PAGE_DOWN: dt_pane_move(p, page); return 1;
	case DT_ACT_PAGE_UP: dt_pane_move(p, -page); return 1;
	case DT_ACT_FIRST: dt_pane_move(p, -(long)dt_pane_view_len(p)); return 1;
	case DT_ACT_LAST: dt_pane_move(p, (long)dt_pane_view_len(p)); return 1;
	default: return 0;
	}
}

static void list_click(struct dt_pane *p, int y, int x)
{
	(void)x;
	if (y >= 0 && p->top + (size_t)y < dt_pane_view_len(p))
		dt_pane_move(p, (long)(p->top + (size_t)y) - (long)p->sel);
}

static void list_scroll(struct dt_pane *p, int lines)
{
	dt_pane_move(p, lines);
}

static const char *list_copy(struct dt_pane *p)
{
	const struct dt_row *r = dt_pane_view_row(p, p->sel);

	return r ? r->text : NULL;
}

const struct dt_pane_ops dt_list_pane_ops = {
	.ctx = DT_CTX_LIST,
	.draw = list_draw,
	.action = list_action,
	.click = list_click,
	.wheel = list_scroll,
	.copy_text = list_copy,
};
