#include "duoterm/ui/input.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "duoterm/core/utf8.h"

#define CHIP_BASE 0xf0000u

void dt_input_init(struct dt_input *in, int multiline)
{
	*in = (struct dt_input){.multiline = multiline};
	dt_sb_add(&in->buf, "", 0);
}

static void clear_chips(struct dt_input *in)
{
	for (size_t i = 0; i < in->nr_chips; i++)
		dt_sb_release(&in->chips[i]);
	free(in->chips);
	in->chips = NULL;
	in->nr_chips = 0;
}

void dt_input_release(struct dt_input *in)
{
	dt_sb_release(&in->buf);
	dt_sb_release(&in->kill);
	for (size_t i = 0; i < in->nr_hist; i++)
		free(in->hist[i]);
	free(in->hist);
	free(in->draft);
	clear_chips(in);
	*in = (struct dt_input){0};
}

const char *dt_input_text(const struct dt_input *in)
{
	return in->buf.buf ? in->buf.buf : "";
}

int dt_input_empty(const struct dt_input *in)
{
	return in->buf.len == 0;
}

/* ---- characters ---- */

static wchar_t char_at(const struct dt_input *in, size_t off, size_t *len)
{
	wchar_t wc;
	size_t n = dt_utf8_decode(in->buf.buf + off, in->buf.len - off, &wc);

	if (len)
		*len = n;
	return wc;
}

static int is_chip(const struct dt_input *in, wchar_t wc)
{
	return (unsigned)wc >= CHIP_BASE && (unsigned)wc - CHIP_BASE < in->nr_chips;
}

static int zero_width(const struct dt_input *in, wchar_t wc)
{
	return wc != '\n' && !is_chip(in, wc) && dt_wcwidth(wc) == 0;
}

/* The next cursor stop after off: one character and its combining marks. */
static size_t next_stop(const struct dt_input *in, size_t off)
{
	size_t n;

	if (off >= in->buf.len)
		return in->buf.len;
	char_at(in, off, &n);
	off += n;
	while (off < in->buf.len && zero_width(in, char_at(in, off, &n)))
		off += n;
	return off;
}

static size_t prev_char(const struct dt_input *in, size_t off)
{
	if (!off)
		return 0;
	off--;
	while (off && ((unsigned char)in->buf.buf[off] & 0xc0) == 0x80)
		off--;
	return off;
}

static size_t prev_stop(const struct dt_input *in, size_t off)
{
	off = prev_char(in, off);
	while (off && zero_width(in, char_at(in, off, NULL)))
		off = prev_char(in, off);
	return off;
}

static int is_word(const struct dt_input *in, size_t off)
{
	wchar_t wc = char_at(in, off, NULL);

	return !is_chip(in, wc) && (iswalnum((wint_t)wc) || wc == '_');
}

static size_t word_right(const struct dt_input *in, size_t off)
{
	while (off < in->buf.len && !is_word(in, off))
		off = next_stop(in, off);
	while (off < in->buf.len && is_word(in, off))
		off = next_stop(in, off);
	return off;
}

static size_t word_left(const struct dt_input *in, size_t off)
{
	while (off && !is_word(in, prev_stop(in, off)))
		off = prev_stop(in, off);
	while (off && is_word(in, prev_stop(in, off)))
		off = prev_stop(in, off);
	return off;
}

static size_t line_start(const struct dt_input *in, size_t off)
{
	while (off && in->buf.buf[off - 1] != '\n')
		off--;
	return off;
}

static size_t line_end(const struct dt_input *in, size_t off)
{
	while (off < in->buf.len && in->buf.buf[off] != '\n')
		off++;
	return off;
}

/* ---- editing ---- */

static void changed(struct dt_input *in)
{
	in->gen++;
}

static void insert_raw(struct dt_input *in, const char *s, size_t n)
{
	dt_sb_grow(&in->buf, n);
	in->buf.buf[in->buf.len] = '\0';
	memmove(in->buf.buf + in->cur + n, in->buf.buf + in->cur, in->buf.len - in->cur + 1);
	memcpy(in->buf.buf + in->cur, s, n);
	in->buf.len += n;
	in->cur += n;
	changed(in);
}

static void delete_range(struct dt_input *in, size_t from, size_t to)
{
	memmove(in->buf.buf + from, in->buf.buf + to, in->buf.len - to + 1);
	in->buf.len -= to - from;
	if (in->cur >= to)
		in->cur -= to - from;
	else if (in->cur > from)
		in->cur = from;
	changed(in);
}

/* Cuts [from, to) into the kill buffer; consecutive cuts join. */
static void kill_range(struct dt_input *in, size_t from, size_t to, int backward)
{
	if (from >= to)
		return;
	if (!in->last_was_kill)
		dt_sb_reset(&in->kill);
	if (backward) {
		struct dt_sb k = DT_SB_INIT;

		dt_sb_add(&k, in->buf.buf + from, to - from);
		dt_sb_add(&k, in->kill.buf ? in->kill.buf : "", in->kill.len);
		dt_sb_release(&in->kill);
		in->kill = k;
	} else {
		dt_sb_add(&in->kill, in->buf.buf + from, to - from);
	}
	delete_range(in, from, to);
}

void dt_input_insert(struct dt_input *in, const char *s, size_t n)
{
	struct dt_sb clean = DT_SB_INIT;

	for (size_t i = 0; i < n;) {
		wchar_t wc;
		size_t k = dt_utf8_decode(s + i, n - i, &wc);

		if (wc == '\n' && !in->multiline)
			dt_sb_addc(&clean, ' ');
		else if ((wc >= 0x20 && wc != 0x7f && (wc < 0x80 || wc > 0x9f) &&
			  !((unsigned)wc >= CHIP_BASE && (unsigned)wc <= 0xfffff)) ||
			 wc == '\n' || wc == '\t')
			dt_sb_add(&clean, s + i, k);
		i += k;
	}
	if (clean.len)
		insert_raw(in, clean.buf, clean.len);
	dt_sb_release(&clean);
}

static void add_utf8(struct dt_sb *sb, unsigned cp)
{
	char b[4];

	if (cp < 0x80) {
		dt_sb_addc(sb, (char)cp);
		return;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f));
		dt_sb_add(sb, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		dt_sb_add(sb, b, 3);
	} else {
		b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f));
		dt_sb_add(sb, b, 4);
	}
}

void dt_input_insert_key(struct dt_input *in, dt_key k)
{
	struct dt_sb sb = DT_SB_INIT;

	if (!dt_key_is_text(k))
		return;
	add_utf8(&sb, DT_KEY_BASE(k));
	dt_input_insert(in, sb.buf, sb.len);
	dt_sb_release(&sb);
	in->last_was_kill = 0;
}

static size_t count_lines(const char *s, size_t n)
{
	size_t lines = n ? 1 : 0;

	for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))) != NULL; p++)
		lines += p + 1 < s + n;
	return lines;
}

static void add_chip(struct dt_input *in, const char *s, size_t n)
{
	struct dt_sb mark = DT_SB_INIT;

	in->chips = dt_xrealloc(in->chips, (in->nr_chips + 1) * sizeof(*in->chips));
	in->chips[in->nr_chips] = (struct dt_sb)DT_SB_INIT;
	dt_sb_add(&in->chips[in->nr_chips], s, n);
	add_utf8(&mark, CHIP_BASE + (unsigned)in->nr_chips);
	in->nr_chips++;
	insert_raw(in, mark.buf, mark.len);
	dt_sb_release(&mark);
}

static int big(const char *s, size_t n)
{
	return n > DT_INPUT_CHIP_BYTES || count_lines(s, n) > DT_INPUT_CHIP_LINES;
}

void dt_input_paste(struct dt_input *in, const char *s, size_t n)
{
	struct dt_sb norm = DT_SB_INIT;

	in->last_was_kill = 0;
	if (!in->multiline) /* a prompt takes the first line */
		n = strcspn(s, "\r\n") < n ? strcspn(s, "\r\n") : n;
	dt_sb_grow(&norm, n);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			dt_sb_addc(&norm, '\n');
			i += i + 1 < n && s[i + 1] == '\n';
		} else {
			dt_sb_addc(&norm, s[i]);
		}
	}
	if (in->multiline && big(norm.buf ? norm.buf : "", norm.len))
		add_chip(in, norm.buf, norm.len);
	else
		dt_input_insert(in, norm.buf ? norm.buf : "", norm.len);
	dt_sb_release(&norm);
}

void dt_input_clear(struct dt_input *in)
{
	dt_sb_reset(&in->buf);
	in->cur = 0;
	in->view_top = 0;
	changed(in);
}

void dt_input_set(struct dt_input *in, const char *s)
{
	size_t n = strlen(s);

	dt_input_clear(in);
	if (in->multiline && big(s, n))
		add_chip(in, s, n);
	else
		dt_input_insert(in, s, n);
	in->cur = in->buf.len;
}

static char *expand(const struct dt_input *in)
{
	struct dt_sb out = DT_SB_INIT;

	dt_sb_add(&out, "", 0); /* terminated even when empty */
	for (size_t off = 0; off < in->buf.len;) {
		size_t n;
		wchar_t wc = char_at(in, off, &n);

		if (is_chip(in, wc))
			dt_sb_add(&out, in->chips[wc - CHIP_BASE].buf, in->chips[wc - CHIP_BASE].len);
		else
			dt_sb_add(&out, in->buf.buf + off, n);
		off += n;
	}
	return dt_sb_detach(&out, NULL);
}

static void history_add(struct dt_input *in, const char *text)
{
	if (!*text || (in->nr_hist && !strcmp(in->hist[in->nr_hist - 1], text)))
		return;
	if (in->nr_hist == DT_INPUT_HISTORY) {
		free(in->hist[0]);
		memmove(in->hist, in->hist + 1, --in->nr_hist * sizeof(*in->hist));
	}
	in->hist = dt_xrealloc(in->hist, (in->nr_hist + 1) * sizeof(*in->hist));
	in->hist[in->nr_hist++] = dt_xstrdup(text);
}

char *dt_input_take(struct dt_input *in)
{
	char *text = expand(in);

	history_add(in, text);
	in->hist_pos = in->nr_hist;
	free(in->draft);
	in->draft = NULL;
	dt_input_clear(in);
	clear_chips(in);
	in->last_was_kill = 0;
	return text;
}

static void history_go(struct dt_input *in, int dir)
{
	if (dir < 0 && in->hist_pos == 0)
		return;
	if (dir > 0 && in->hist_pos >= in->nr_hist)
		return;
	if (in->hist_pos == in->nr_hist) {
		free(in->draft);
		in->draft = dt_xstrdup(dt_input_text(in));
	}
	in->hist_pos = (size_t)((long)in->hist_pos + dir);
	if (in->hist_pos == in->nr_hist) {
		/* back to the draft, which may hold chips: keep it as it was */
		dt_input_clear(in);
		insert_raw(in, in->draft, strlen(in->draft));
	} else {
		dt_input_set(in, in->hist[in->hist_pos]);
	}
}

/* Columns from the start of the line to off. */
static int column(const struct dt_input *in, size_t from, size_t off)
{
	return dt_utf8_width(in->buf.buf + from, off - from);
}

static size_t at_column(const struct dt_input *in, size_t from, int col)
{
	size_t end = line_end(in, from);

	return from + dt_utf8_fit(in->buf.buf + from, end - from, col, NULL);
}

static void vertical(struct dt_input *in, int dir)
{
	size_t ls = line_start(in, in->cur), target;
	int col = column(in, ls, in->cur);

	if (dir < 0) {
		if (!ls) {
			history_go(in, -1);
			return;
		}
		target = line_start(in, ls - 1);
	} else {
		size_t le = line_end(in, in->cur);

		if (le >= in->buf.len) {
			history_go(in, 1);
			return;
		}
		target = le + 1;
	}
	in->cur = at_column(in, target, col);
	changed(in);
}

static void move_to(struct dt_input *in, size_t off)
{
	if (off != in->cur) {
		in->cur = off;
		changed(in);
	}
}

static int kill_action(struct dt_input *in, enum dt_action a)
{
	size_t le;

	switch (a) {
	case DT_ACT_KILL_TO_END:
		le = line_end(in, in->cur);
		kill_range(in, in->cur, le == in->cur && le < in->buf.len ? le + 1 : le, 0);
		return 1;
	case DT_ACT_KILL_TO_START:
		kill_range(in, line_start(in, in->cur), in->cur, 1);
		return 1;
	case DT_ACT_KILL_WORD_BACK:
		kill_range(in, word_left(in, in->cur), in->cur, 1);
		return 1;
	case DT_ACT_KILL_WORD:
		kill_range(in, in->cur, word_right(in, in->cur), 0);
		return 1;
	default:
		return 0;
	}
}

static int edit_action(struct dt_input *in, enum dt_action a)
{
	switch (a) {
	case DT_ACT_DELETE_BACK:
		if (in->cur)
			delete_range(in, prev_stop(in, in->cur), in->cur);
		return 1;
	case DT_ACT_DELETE_CHAR:
		if (in->cur < in->buf.len)
			delete_range(in, in->cur, next_stop(in, in->cur));
		return 1;
	case DT_ACT_YANK:
		if (in->kill.len)
			insert_raw(in, in->kill.buf, in->kill.len);
		return 1;
	case DT_ACT_HISTORY_PREV:
		vertical(in, -1);
		return 1;
	case DT_ACT_HISTORY_NEXT:
		vertical(in, 1);
		return 1;
	default:
		return 0;
	}
}

static int move_action(struct dt_input *in, enum dt_action a)
{
	switch (a) {
	case DT_ACT_CHAR_LEFT: move_to(in, in->cur ? prev_stop(in, in->cur) : 0); return 1;
	case DT_ACT_CHAR_RIGHT: move_to(in, next_stop(in, in->cur)); return 1;
	case DT_ACT_WORD_LEFT: move_to(in, word_left(in, in->cur)); return 1;
	case DT_ACT_WORD_RIGHT: move_to(in, word_right(in, in->cur)); return 1;
	case DT_ACT_LINE_START: move_to(in, line_start(in, in->cur)); return 1;
	case DT_ACT_LINE_END: move_to(in, line_end(in, in->cur)); return 1;
	default: return 0;
	}
}

int dt_input_action(struct dt_input *in, enum dt_action a)
{
	int handled;

	if (a == DT_ACT_NEWLINE && in->multiline) {
		insert_raw(in, "\n", 1);
		in->last_was_kill = 0;
		return 1;
	}
	if (kill_action(in, a)) {
		in->last_was_kill = 1;
		return 1;
	}
	handled = move_action(in, a) || edit_action(in, a);
	if (handled)
		in->last_was_kill = 0;
	return handled;
}

void dt_input_chip_label(const struct dt_input *in, size_t idx, struct dt_sb *out)
{
	const struct dt_sb *c = &in->chips[idx];
	size_t lines = count_lines(c->buf ? c->buf : "", c->len);
	double kb = (double)c->len / 1024.0;
	char num[32];
	int n = snprintf(num, sizeof(num), "%zu", lines), k;

	dt_sb_addf(out, "[paste #%zu: ", idx + 1);
	for (k = 0; k < n; k++) {
		if (k && (n - k) % 3 == 0)
			dt_sb_addc(out, ',');
		dt_sb_addc(out, num[k]);
	}
	if (kb >= 1024.0)
		dt_sb_addf(out, " line%s, %.1f MB]", lines == 1 ? "" : "s", kb / 1024.0);
	else
		dt_sb_addf(out, " line%s, %.1f KB]", lines == 1 ? "" : "s", kb);
}

/* ---- layout ---- */

static int char_cols(const struct dt_input *in, wchar_t wc, int width)
{
	if (is_chip(in, wc)) {
		struct dt_sb l = DT_SB_INIT;
		int w;

		dt_input_chip_label(in, (size_t)(wc - CHIP_BASE), &l);
		w = dt_utf8_width(l.buf, l.len);
		dt_sb_release(&l);
		return w < width ? w : width;
	}
	return wc == '\t' ? 1 : dt_wcwidth(wc);
}

int dt_input_layout(const struct dt_input *in, int width,
		    void (*row)(void *ud, int idx, size_t off, size_t len), void *ud, int *cur_row,
		    int *cur_col)
{
	size_t off = 0, start = 0;
	int r = 0, col = 0;

	if (width < 1)
		width = 1;
	*cur_row = *cur_col = 0;
	while (off < in->buf.len) {
		size_t n;
		wchar_t wc = char_at(in, off, &n);
		int w = wc == '\n' ? 0 : char_cols(in, wc, width);

		if (wc != '\n' && col + w > width && col > 0) {
			if (row)
				row(ud, r, start, off - start);
			r++, col = 0, start = off;
		}
		if (off == in->cur)
			*cur_row = r, *cur_col = col;
		if (wc == '\n') {
			if (row)
				row(ud, r, start, off - start);
			r++, col = 0, start = off + n;
		} else {
			col += w;
		}
		off += n;
	}
	if (in->cur >= in->buf.len) {
		if (col >= width) { /* the cursor wraps onto a row of its own */
			if (row)
				row(ud, r, start, off - start);
			r++, col = 0, start = off;
		}
		*cur_row = r, *cur_col = col;
	}
	if (row)
		row(ud, r, start, off - start);
	return r + 1;
}

/* ---- drawing ---- */

struct draw {
	struct dt_input *in;
	WINDOW *w;
	int y, x, h, width, top, pw;
	int text_attr, chip_attr;
	const char *prompt;
};

static void draw_row(void *ud, int idx, size_t off, size_t len)
{
	struct draw *d = ud;
	const struct dt_input *in = d->in;
	int y = d->y + idx - d->top, used = 0;

	if (idx < d->top || idx >= d->top + d->h)
		return;
	wmove(d->w, y, d->x);
	wattrset(d->w, dt_theme_attr(DT_E_prompt));
	if (idx == 0 && d->prompt)
		waddstr(d->w, d->prompt);
	else
		for (int i = 0; i < d->pw; i++)
			waddch(d->w, ' ');
	for (size_t end = off + len; off < end;) {
		size_t n;
		wchar_t wc = char_at(in, off, &n);

		if (is_chip(in, wc)) {
			struct dt_sb l = DT_SB_INIT;
			int lw;
			size_t fit;

			dt_input_chip_label(in, (size_t)(wc - CHIP_BASE), &l);
			fit = dt_utf8_fit(l.buf, l.len, d->width - used, &lw);
			wattrset(d->w, d->chip_attr);
			waddnstr(d->w, l.buf, (int)fit);
			used += lw;
			dt_sb_release(&l);
		} else {
			wattrset(d->w, d->text_attr);
			if (wc == '\t' || wc < 0x20)
				waddch(d->w, ' ');
			else
				waddnstr(d->w, in->buf.buf + off, (int)n);
			used += char_cols(in, wc, d->width);
		}
		off += n;
	}
	wattrset(d->w, d->text_attr);
	for (; used < d->width; used++)
		waddch(d->w, ' ');
}

void dt_input_draw(struct dt_input *in, void *win, int y, int x, int h, int width,
		   const char *prompt, enum dt_elem text_elem, int *cy, int *cx)
{
	struct draw d = {in, win, y, x, h, width, 0, 0, dt_theme_attr(text_elem),
			 dt_theme_attr(DT_E_input_chip), prompt};
	int rows, cr, cc;

	d.pw = prompt ? dt_utf8_width(prompt, strlen(prompt)) : 0;
	d.width = width - d.pw;
	if (d.width < 1 || h < 1)
		return;
	rows = dt_input_layout(in, d.width, NULL, NULL, &cr, &cc);
	if (cr < in->view_top)
		in->view_top = cr;
	if (cr >= in->view_top + h)
		in->view_top = cr - h + 1;
	if (in->view_top > rows - h)
		in->view_top = rows - h > 0 ? rows - h : 0;
	d.top = in->view_top;
	dt_input_layout(in, d.width, draw_row, &d, &cr, &cc);
	for (int r = rows - d.top; r < h; r++) { /* rows below the text */
		wmove(d.w, y + r, x);
		wattrset(d.w, d.text_attr);
		for (int i = 0; i < width; i++)
			waddch(d.w, ' ');
	}
	*cy = y + cr - d.top;
	*cx = x + d.pw + cc;
}
