#include "duoterm/gitlab/trace.h"

#include <stdlib.h>
#include <string.h>

struct line_buf {
	struct dt_sb text;
	struct dt_gl_span *spans;
	size_t nr, alloc;
};

void dt_gl_trace_init(struct dt_gl_trace *t, dt_gl_trace_cb cb, void *ud)
{
	*t = (struct dt_gl_trace){.cb = cb, .ud = ud};
}

void dt_gl_trace_release(struct dt_gl_trace *t)
{
	for (int i = 0; i < t->depth; i++)
		free(t->names[i]);
	dt_sb_release(&t->pending);
	*t = (struct dt_gl_trace){0};
}

static void span_add(struct line_buf *lb, const char *s, size_t n, int fg, int bold)
{
	struct dt_gl_span *last = lb->nr ? &lb->spans[lb->nr - 1] : NULL;

	if (!n)
		return;
	if (last && last->fg == fg && last->bold == bold && last->off + last->len == lb->text.len) {
		last->len += n;
	} else {
		if (lb->nr == lb->alloc) {
			lb->alloc = lb->alloc ? lb->alloc * 2 : 8;
			lb->spans = dt_xrealloc(lb->spans, lb->alloc * sizeof(*lb->spans));
		}
		lb->spans[lb->nr++] = (struct dt_gl_span){lb->text.len, n, (unsigned char)fg,
							  (unsigned char)bold};
	}
	dt_sb_add(&lb->text, s, n);
}

static void sgr(struct dt_gl_trace *t, const char *p, size_t n)
{
	long v = 0;
	int have = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] >= '0' && p[i] <= '9') {
			if (v < 1000)
				v = v * 10 + (p[i] - '0');
			have = 1;
			continue;
		}
		if (!have || v == 0) {
			t->fg = 0;
			t->bold = 0;
		} else if (v == 1) {
			t->bold = 1;
		} else if (v == 22) {
			t->bold = 0;
		} else if (v >= 30 && v <= 37) {
			t->fg = (int)(v - 30 + 1);
		} else if (v == 39) {
			t->fg = 0;
		} else if (v >= 90 && v <= 97) {
			t->fg = (int)(v - 90 + 9);
		}
		v = 0;
		have = 0;
	}
}

/* Length of an escape sequence at p (p[0] == ESC) within n bytes. */
static size_t escape_len(const char *p, size_t n, int *is_sgr)
{
	size_t i;

	*is_sgr = 0;
	if (n < 2)
		return n;
	if (p[1] != '[')
		return 2;
	for (i = 2; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x40 && c <= 0x7e) {
			*is_sgr = c == 'm';
			return i + 1;
		}
	}
	return n;
}

/* Text with colours: drops control characters, applies SGR. */
static void render(struct dt_gl_trace *t, struct line_buf *lb, const char *s, size_t n)
{
	size_t i = 0, run;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x1b) {
			int is_sgr;
			size_t e = escape_len(s + i, n - i, &is_sgr);

			if (is_sgr)
				sgr(t, s + i + 2, e - 3);
			i += e;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			if (c == '\t')
				span_add(lb, "        ", 8, t->fg, t->bold);
			i++;
			continue;
		}
		for (run = i; run < n && (unsigned char)s[run] >= 0x20 && s[run] != 0x7f; run++)
			;
		if (lb->text.len + (run - i) > DT_GL_TRACE_MAX_LINE)
			run = i + (lb->text.len < DT_GL_TRACE_MAX_LINE ?
					   DT_GL_TRACE_MAX_LINE - lb->text.len : 0);
		span_add(lb, s + i, run - i, t->fg, t->bold);
		if (run == i)
			break;
		i = run;
	}
}

/* Finds "section_start:<digits>:<name>[opts]\r\e[0K" (or _end) in s; 1 and
 * the parts when there is one at s + *at. */
struct marker {
	int start;
	size_t at, end; /* the marker's bytes in the line */
	const char *name;
	size_t name_len;
	int collapsed;
};

static int find_marker(const char *s, size_t n, struct marker *m)
{
	const char *p = s, *q;

	while ((p = memmem(p, n - (size_t)(p - s), "section_", 8))) {
		size_t left = n - (size_t)(p - s);
		int start = left > 14 && !memcmp(p, "section_start:", 14);
		size_t k = start ? 14 : 12;

		if (!start && !(left > 12 && !memcmp(p, "section_end:", 12))) {
			p += 8;
			continue;
		}
		q = p + k;
		while (q < s + n && *q >= '0' && *q <= '9')
			q++;
		if (q == p + k || q >= s + n || *q != ':') {
			p += 8;
			continue;
		}
		m->name = ++q;
		while (q < s + n && *q != '\r' && *q != '[' && *q != '\x1b')
			q++;
		m->name_len = (size_t)(q - m->name);
		m->collapsed = 0;
		if (q < s + n && *q == '[') {
			const char *close = memchr(q, ']', (size_t)(s + n - q));

			m->collapsed = close && memmem(q, (size_t)(close - q), "collapsed=true", 14);
			q = close ? close + 1 : s + n;
		}
		if (q < s + n && *q == '\r')
			q++;
		if (s + n - q >= 4 && !memcmp(q, "\x1b[0K", 4))
			q += 4;
		m->start = start;
		m->at = (size_t)(p - s);
		m->end = (size_t)(q - s);
		return 1;
	}
	return 0;
}

static void emit(struct dt_gl_trace *t, struct line_buf *lb, enum dt_gl_line_kind kind,
		 const char *section, size_t section_len, int collapsed, int depth)
{
	struct dt_gl_trace_line l = {.kind = kind, .depth = depth, .collapsed = collapsed};
	char *name = section ? dt_xstrndup(section, section_len) : NULL;

	l.text = dt_sb_str(&lb->text);
	l.len = lb->text.len;
	l.spans = lb->spans;
	l.nr_spans = lb->nr;
	l.section = name;
	l.number = ++t->lines;
	if (t->cb)
		t->cb(t->ud, &l);
	free(name);
}

static void open_section(struct dt_gl_trace *t, const struct marker *m)
{
	if (t->depth < DT_GL_TRACE_MAX_DEPTH)
		t->names[t->depth] = dt_xstrndup(m->name, m->name_len);
	t->depth++;
}

static void close_section(struct dt_gl_trace *t)
{
	if (!t->depth)
		return;
	t->depth--;
	if (t->depth < DT_GL_TRACE_MAX_DEPTH) {
		free(t->names[t->depth]);
		t->names[t->depth] = NULL;
	}
}

/* Keeps what a terminal would show after carriage returns: the text after
 * the last "\r" that has something after it. */
static void after_cr(const char **s, size_t *n)
{
	size_t i = *n;

	while (i && (*s)[i - 1] == '\r')
		i--;
	for (size_t k = i; k > 0; k--) {
		if ((*s)[k - 1] == '\r') {
			*n -= k;
			*s += k;
			return;
		}
	}
}

static void one_line(struct dt_gl_trace *t, const char *s, size_t n)
{
	struct line_buf lb = {0};
	struct marker m;
	enum dt_gl_line_kind kind = DT_GL_LINE_TEXT;
	const char *sec = NULL;
	size_t sec_len = 0;
	int collapsed = 0, depth = t->depth;

	while (find_marker(s, n, &m)) {
		const char *before = s;
		size_t before_n = m.at;

		after_cr(&before, &before_n);
		render(t, &lb, before, before_n);
		if (m.start) {
			kind = DT_GL_LINE_SECTION_START;
			depth = t->depth;
			open_section(t, &m);
		} else {
			if (kind == DT_GL_LINE_TEXT)
				kind = DT_GL_LINE_SECTION_END;
			close_section(t);
			depth = t->depth;
		}
		sec = m.name;
		sec_len = m.name_len;
		collapsed = m.collapsed;
		s += m.end;
		n -= m.end;
	}
	after_cr(&s, &n);
	render(t, &lb, s, n);
	if (kind == DT_GL_LINE_SECTION_END && lb.text.len)
		kind = DT_GL_LINE_TEXT; /* text after a section closed on the same line */
	emit(t, &lb, kind, sec, sec_len, collapsed, depth);
	dt_sb_release(&lb.text);
	free(lb.spans);
}

#define PENDING_MAX (4 * (size_t)DT_GL_TRACE_MAX_LINE)

/* A line longer than PENDING_MAX is cut there, however it arrives. */
static void pending_add(struct dt_gl_trace *t, const char *data, size_t len)
{
	if (t->pending.len < PENDING_MAX)
		dt_sb_add(&t->pending, data, len < PENDING_MAX - t->pending.len ? len :
			  PENDING_MAX - t->pending.len);
}

void dt_gl_trace_feed(struct dt_gl_trace *t, const char *data, size_t len)
{
	const char *nl;

	t->offset += len;
	while (len && (nl = memchr(data, '\n', len))) {
		size_t n = (size_t)(nl - data);

		if (t->pending.len) {
			pending_add(t, data, n);
			one_line(t, t->pending.buf, t->pending.len);
			dt_sb_reset(&t->pending);
		} else {
			one_line(t, data, n < PENDING_MAX ? n : PENDING_MAX);
		}
		len -= n + 1;
		data = nl + 1;
	}
	pending_add(t, data, len);
}

int dt_gl_trace_feed_from(struct dt_gl_trace *t, uint64_t from, const char *data, size_t len)
{
	uint64_t skip;

	if (from > t->offset)
		return -1;
	skip = t->offset - from;
	if (skip >= len)
		return 0;
	dt_gl_trace_feed(t, data + skip, len - (size_t)skip);
	return 0;
}

void dt_gl_trace_finish(struct dt_gl_trace *t)
{
	if (!t->pending.len)
		return;
	one_line(t, t->pending.buf, t->pending.len);
	dt_sb_reset(&t->pending);
}

long long dt_gl_content_range_start(const char *v)
{
	char *end;
	long long n;

	if (!v || strncmp(v, "bytes ", 6))
		return -1;
	n = strtoll(v + 6, &end, 10);
	return end == v + 6 || *end != '-' || n < 0 ? -1 : n;
}
