#include "duoterm/ui/chat.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/utf8.h"
#include "duoterm/ui/markdown.h"
#include "duoterm/ui/term.h"

#define INDENT 2

#define CHECK_EVERY 64

struct msg {
	enum dt_chat_role role;
	struct dt_sb text; /* sanitised, '\n' kept */
	int wrap_w;        /* the width nlines was counted at, 0: not yet */
	size_t nlines;
	/* where every CHECK_EVERY-th line starts, so drawing the end of a long
	 * message (a big paste) does not wrap all of it again */
	size_t *check, nr_check;
	/* the agent's messages are Markdown: laid out at wrap_w, again only
	 * when drawn after the text changed (not per streamed delta) */
	struct dt_md md;
};

struct chat {
	struct msg *msgs;
	size_t n;
	struct dt_input in;
	size_t top;      /* first transcript line shown */
	int follow;      /* keep the end in view */
	int busy;
	dt_submit_cb submit;
	void *submit_ud;
	int input_rows;  /* rows the input took at the last draw */
	int cy, cx;      /* the cursor at the last draw */
	unsigned long drawn_gen;
};

static const struct {
	const char *prefix;
	enum dt_elem elem;
} roles[] = {
	[DT_CHAT_USER] = {"> ", DT_E_chat_user},
	[DT_CHAT_AGENT] = {"  ", DT_E_chat_agent},
	[DT_CHAT_TOOL] = {"~ ", DT_E_chat_tool},
	[DT_CHAT_SYSTEM] = {"- ", DT_E_chat_system},
	[DT_CHAT_ERROR] = {"! ", DT_E_chat_error},
};

static struct chat *chat_of(const struct dt_pane *p)
{
	return p->priv;
}

struct dt_input *dt_chat_input(struct dt_pane *p)
{
	return &chat_of(p)->in;
}

size_t dt_chat_count(const struct dt_pane *p)
{
	return chat_of(p)->n;
}

void dt_chat_init(struct dt_pane *p)
{
	struct chat *c = dt_xcalloc(1, sizeof(*c));

	dt_input_init(&c->in, 1);
	c->follow = 1;
	p->priv = c;
	p->ops = &dt_chat_pane_ops;
	p->dirty |= DT_DIRTY_ALL;
}

static void chat_free(struct dt_pane *p)
{
	struct chat *c = chat_of(p);

	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		dt_sb_release(&c->msgs[i].text);
		free(c->msgs[i].check);
		dt_md_release(&c->msgs[i].md);
	}
	free(c->msgs);
	dt_input_release(&c->in);
	free(c);
	p->priv = NULL;
}

void dt_chat_add(struct dt_pane *p, enum dt_chat_role role, const char *text)
{
	struct chat *c = chat_of(p);
	struct msg *m;
	char *clean = dt_text_sanitise(text, strlen(text), 1);

	c->msgs = dt_xrealloc(c->msgs, (c->n + 1) * sizeof(*c->msgs));
	m = &c->msgs[c->n++];
	*m = (struct msg){.role = role};
	dt_sb_adds(&m->text, clean);
	free(clean);
	p->dirty |= DT_DIRTY_ALL;
}

void dt_chat_append(struct dt_pane *p, const char *text)
{
	struct chat *c = chat_of(p);
	struct msg *m;
	char *clean;

	if (!c->n || c->msgs[c->n - 1].role != DT_CHAT_AGENT) {
		dt_chat_add(p, DT_CHAT_AGENT, text);
		return;
	}
	m = &c->msgs[c->n - 1];
	clean = dt_text_sanitise(text, strlen(text), 1);
	dt_sb_adds(&m->text, clean);
	free(clean);
	m->wrap_w = 0;
	p->dirty |= DT_DIRTY_ALL;
}

void dt_chat_on_submit(struct dt_pane *p, dt_submit_cb cb, void *ud)
{
	chat_of(p)->submit = cb;
	chat_of(p)->submit_ud = ud;
}

void dt_chat_set_busy(struct dt_pane *p, int busy)
{
	if (chat_of(p)->busy != busy) {
		chat_of(p)->busy = busy;
		p->dirty |= DT_DIRTY_ALL;
	}
}

/* ---- transcript lines ---- */

static void count_line(void *ud, const char *s, size_t n)
{
	struct msg *m = ud;

	(void)n;
	if (m->nlines++ % CHECK_EVERY)
		return;
	if ((m->nr_check & (m->nr_check - 1)) == 0)
		m->check = dt_xrealloc(m->check, (m->nr_check ? m->nr_check * 2 : 1) *
							 sizeof(*m->check));
	m->check[m->nr_check++] = (size_t)(s - m->text.buf);
}

static size_t msg_lines(struct msg *m, int width)
{
	if (m->wrap_w != width && m->role == DT_CHAT_AGENT) {
		m->nlines = dt_md_render(&m->md, m->text.buf, m->text.len, width, DT_E_chat_agent);
		if (!m->nlines)
			m->nlines = 1;
		m->wrap_w = width;
	} else if (m->wrap_w != width) {
		m->nlines = m->nr_check = 0;
		if (m->text.len)
			dt_wrap(m->text.buf, width, count_line, m);
		else
			m->nlines = 1;
		m->wrap_w = width;
	}
	return m->nlines + (m->role == DT_CHAT_USER); /* a blank line before what you say */
}

size_t dt_chat_lines(struct dt_pane *p, int width)
{
	struct chat *c = chat_of(p);
	size_t total = 0;

	for (size_t i = 0; i < c->n; i++)
		total += msg_lines(&c->msgs[i], width - INDENT);
	return total;
}

struct line_draw {
	struct dt_pane *p;
	WINDOW *w;
	int y, y_end, width;
	size_t skip; /* lines of this message above the view */
	size_t line;
	const struct msg *m;
};

static void put_line(void *ud, const char *s, size_t n)
{
	struct line_draw *d = ud;
	int attr = dt_theme_attr(roles[d->m->role].elem);

	if (d->line++ < d->skip || d->y >= d->y_end)
		return;
	wattrset(d->w, attr);
	wmove(d->w, d->y, 1);
	waddstr(d->w, d->line == 1 ? roles[d->m->role].prefix : "  ");
	dt_put_clipped(d->w, d->y, 1 + INDENT, d->width, s, n, attr);
	d->y++;
}

/* Where the view starts: following, the end jumps up half a page when it
 * falls off the bottom; scrolled back, the view stays put. */
static void place_view(struct chat *c, size_t total, int h)
{
	size_t rows = (size_t)h;

	if (total <= rows) {
		c->top = 0;
		return;
	}
	if (c->top > total - rows && !c->follow)
		c->top = total - rows;
	if (c->follow && total - c->top > rows)
		c->top = total - (rows + 1) / 2;
}

static void blank(WINDOW *w, int y, int width)
{
	dt_put_clipped(w, y, 1, width, "", 0, dt_theme_attr(DT_E_normal));
}

static int curses_attrs(unsigned a)
{
	return (a & DT_A_BOLD ? A_BOLD : 0) | (a & DT_A_ITALIC ? A_ITALIC : 0);
}

/* Markdown: the lines are laid out already, draw the ones in view. */
static void draw_md(const struct msg *m, struct line_draw *d, int width)
{
	const struct dt_md *md = &m->md;
	int base = dt_theme_attr(roles[m->role].elem);

	for (size_t i = d->skip; i < md->nr_lines && d->y < d->y_end; i++) {
		const struct dt_md_line *ln = &md->lines[i];
		const char *text = dt_md_line_text(md, i);
		int x = 1 + INDENT;

		dt_put_clipped(d->w, d->y, 1, INDENT, roles[m->role].prefix, 0, base);
		for (size_t k = 0; k < ln->nr_spans; k++) {
			const struct dt_md_span *sp = &md->spans[ln->span + k];
			const char *url = dt_md_span_url(md, sp);
			int attr = dt_theme_attr(sp->elem) | curses_attrs(sp->attrs);
			int cols = dt_utf8_width(text + sp->off, sp->len);

			if (x - 1 - INDENT + cols > width)
				cols = width - (x - 1 - INDENT);
			if (url) /* an OSC 8 link over the text, when links are on */
				dt_term_link(d->p->r.y + d->y, d->p->r.x + x, text + sp->off, sp->len,
					     url, attr);
			x += dt_put_clipped(d->w, d->y, x, cols, text + sp->off, sp->len, attr);
		}
		if (x < 1 + INDENT + width)
			dt_put_clipped(d->w, d->y, x, 1 + INDENT + width - x, "", 0, base);
		d->y++;
	}
	if (!md->nr_lines && d->y < d->y_end && !d->skip)
		blank(d->w, d->y++, width + INDENT);
}

/* Wraps from the checkpoint at or before the first line shown. */
static void draw_msg(const struct msg *m, struct line_draw *d, int width)
{
	size_t ck = d->skip / CHECK_EVERY, from;

	if (m->role == DT_CHAT_AGENT) {
		draw_md(m, d, width);
		return;
	}

	if (!m->text.len) {
		dt_wrap(" ", width, put_line, d);
		return;
	}
	if (ck >= m->nr_check)
		ck = m->nr_check ? m->nr_check - 1 : 0;
	from = m->nr_check ? m->check[ck] : 0;
	d->line = ck * CHECK_EVERY;
	dt_wrap(m->text.buf + from, width, put_line, d);
}


struct empty_draw {
	WINDOW *w;
	int y, y_end, width;
};

static void put_empty(void *ud, const char *s, size_t n)
{
	struct empty_draw *e = ud;

	if (e->y < e->y_end)
		dt_put_clipped(e->w, e->y++, 1, e->width, s, n, dt_theme_attr(DT_E_empty));
}

/* No messages yet: what the pane is for (the owner's empty text). */
static void draw_empty(struct dt_pane *p, int h, int width)
{
	struct empty_draw e = {p->win, 1, 1 + h, width};

	if (p->empty)
		dt_wrap(p->empty, width, put_empty, &e);
	for (; e.y < e.y_end; e.y++)
		blank(p->win, e.y, width);
}

static void draw_transcript(struct dt_pane *p, int h, int width)
{
	struct chat *c = chat_of(p);
	size_t total = dt_chat_lines(p, width), at = 0;
	struct line_draw d = {p, p->win, 1, 1 + h, width - INDENT, 0, 0, NULL};

	if (!c->n) {
		draw_empty(p, h, width);
		return;
	}
	place_view(c, total, h);
	for (size_t i = 0; i < c->n && d.y < d.y_end; i++) {
		struct msg *m = &c->msgs[i];
		size_t nl = msg_lines(m, width - INDENT);

		if (at + nl <= c->top) {
			at += nl;
			continue;
		}
		d.m = m;
		d.line = 0;
		d.skip = c->top > at ? c->top - at : 0;
		if (m->role == DT_CHAT_USER) { /* the blank line before it */
			if (d.skip)
				d.skip--;
			else if (d.y < d.y_end)
				blank(p->win, d.y++, width);
		}
		draw_msg(m, &d, width - INDENT);
		at += nl;
	}
	for (; d.y < d.y_end; d.y++)
		blank(p->win, d.y, width);
}

static void draw_hint(struct dt_pane *p, int y, int width)
{
	struct chat *c = chat_of(p);
	WINDOW *w = p->win;
	const char *hint = c->busy ? " agent working · Esc stops it "
				   : " Enter sends, Alt-Enter new line ";
	int hw = dt_utf8_width(hint, strlen(hint));

	if (hw + 2 > width && !c->busy) {
		hint = " Enter sends ";
		hw = (int)strlen(hint);
	}

	wattrset(w, dt_theme_attr(DT_E_separator));
	wmove(w, y, 1);
	for (int i = 0; i < width; i++)
		waddch(w, ACS_HLINE);
	if (p->focused && hw + 2 <= width) {
		wattrset(w, dt_theme_attr(c->busy ? DT_E_running : DT_E_dim));
		mvwaddstr(w, y, 1 + width - hw - 1, hint);
	}
}

static int input_rows(struct chat *c, int width, int h)
{
	int cr, cc, rows = dt_input_layout(&c->in, width - INDENT, NULL, NULL, &cr, &cc);
	int max = h / 3 > 1 ? h / 3 : 1;

	return rows < max ? rows : max;
}

static void draw_input(struct dt_pane *p, int y, int rows, int width)
{
	static const char placeholder[] = "Give the agent a goal";
	struct chat *c = chat_of(p);

	if (dt_input_empty(&c->in)) {
		dt_put_clipped(p->win, y, 1, INDENT, "> ", 2, dt_theme_attr(DT_E_prompt));
		dt_put_clipped(p->win, y, 1 + INDENT, width - INDENT,
			       placeholder, c->busy ? 0 : strlen(placeholder), dt_theme_attr(DT_E_dim));
		for (int r = 1; r < rows; r++)
			blank(p->win, y + r, width);
		c->cy = y, c->cx = 1 + INDENT;
	} else {
		dt_input_draw(&c->in, p->win, y, 1, rows, width, "> ", DT_E_input, &c->cy, &c->cx);
	}
	c->drawn_gen = c->in.gen;
}

static void chat_draw(struct dt_pane *p)
{
	struct chat *c = chat_of(p);
	int h = dt_pane_body_rows(p), width = p->r.w - 1, rows, tr;

	if (h < 1 || width < INDENT + 2)
		return;
	rows = input_rows(c, width, h);
	tr = h - rows - 1;
	if (!(p->dirty & DT_DIRTY_ALL) && rows == c->input_rows) {
		draw_input(p, 1 + h - rows, rows, width); /* typing: the input alone */
		return;
	}
	c->input_rows = rows;
	if (tr > 0) {
		draw_transcript(p, tr, width);
		draw_hint(p, 1 + tr, width);
	}
	draw_input(p, 1 + h - rows, rows, width);
}

static void submit(struct dt_pane *p)
{
	struct chat *c = chat_of(p);
	char *text;

	if (dt_input_empty(&c->in))
		return;
	text = dt_input_take(&c->in);
	dt_chat_add(p, DT_CHAT_USER, text);
	c->follow = 1;
	if (c->submit)
		c->submit(c->submit_ud, text);
	else
		dt_chat_add(p, DT_CHAT_SYSTEM, "No agent is connected yet.");
	free(text);
}

static void scroll_by(struct dt_pane *p, long lines)
{
	struct chat *c = chat_of(p);
	int width = p->r.w - 1, h = dt_pane_body_rows(p) - c->input_rows - 1;
	size_t total = dt_chat_lines(p, width);
	long top = (long)c->top + lines, max = (long)total - (h > 0 ? h : 1);

	if (max < 0)
		max = 0;
	if (top < 0)
		top = 0;
	if (top >= max)
		top = max;
	c->top = (size_t)top;
	c->follow = top >= max;
	p->dirty |= DT_DIRTY_ALL;
}

static void input_changed(struct dt_pane *p)
{
	p->dirty |= DT_DIRTY_ROWS;
}

static int chat_action(struct dt_pane *p, enum dt_action a)
{
	struct chat *c = chat_of(p);
	int page = dt_pane_body_rows(p) - c->input_rows - 2;

	switch (a) {
	case DT_ACT_SUBMIT:
		submit(p);
		return 1;
	case DT_ACT_SCROLL_UP:
		scroll_by(p, -(page > 1 ? page : 1));
		return 1;
	case DT_ACT_SCROLL_DOWN:
		scroll_by(p, page > 1 ? page : 1);
		return 1;
	default:
		break;
	}
	if (!dt_input_action(&c->in, a))
		return 0;
	input_changed(p);
	return 1;
}

static int chat_text(struct dt_pane *p, dt_key k)
{
	dt_input_insert_key(&chat_of(p)->in, k);
	input_changed(p);
	return 1;
}

static void chat_paste(struct dt_pane *p, const char *s, size_t n)
{
	dt_input_paste(&chat_of(p)->in, s, n);
	input_changed(p);
}

static int chat_cursor(struct dt_pane *p, int *y, int *x)
{
	*y = chat_of(p)->cy;
	*x = chat_of(p)->cx;
	return p->focused && chat_of(p)->cy > 0;
}

static void chat_scroll(struct dt_pane *p, int lines)
{
	scroll_by(p, lines);
}

static const char *chat_copy(struct dt_pane *p)
{
	struct chat *c = chat_of(p);

	for (size_t i = c->n; i-- > 0;)
		if (c->msgs[i].role == DT_CHAT_AGENT)
			return c->msgs[i].text.buf;
	return NULL;
}

const struct dt_pane_ops dt_chat_pane_ops = {
	.ctx = DT_CTX_CHAT | DT_CTX_INPUT,
	.draw = chat_draw,
	.action = chat_action,
	.text = chat_text,
	.paste = chat_paste,
	.cursor = chat_cursor,
	.wheel = chat_scroll,
	.copy_text = chat_copy,
	.free = chat_free,
};
