#include "duoterm/ui/markdown.h"

#include <cmark.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/utf8.h"

#define QUOTE_BAR "│ "
#define RULE_CHAR "─"
#define CODE_INDENT "  "

static const char *const bullets[] = {"•", "◦", "▪"};

/* A run of styled inline text (a paragraph, a heading) before wrapping. */
struct seg {
	size_t off; /* where it starts in the run's text; ends where the next starts */
	enum dt_elem elem;
	unsigned attrs;
	int url;
};

/* A container that puts something in front of its lines. */
struct frame {
	enum { F_QUOTE, F_LIST, F_ITEM } kind;
	char first[24]; /* the item's marker, "• " or "12. " */
	int first_cols; /* its columns (the hanging indent) */
	int used;       /* the first line was written: indent from now on */
	int tight, number, level; /* F_LIST */
};

struct layout {
	struct dt_md *md;
	int width;
	enum dt_elem base;
	struct frame *fr;
	size_t nr_fr, cap_fr;
	int quotes, lists;
	/* inline state */
	int bold, italic, url, in_heading;
	struct dt_sb run;
	struct seg *segs;
	size_t nr_segs, cap_segs;
	/* the line being built */
	size_t line_start, span_start;
	int cols;
	int pending_blank;
};

/* ---- the document ---- */

static void md_reset(struct dt_md *md)
{
	for (size_t i = 0; i < md->nr_urls; i++)
		free(md->urls[i]);
	md->nr_urls = 0;
	md->nr_lines = md->nr_spans = 0;
	dt_sb_reset(&md->text);
}

void dt_md_release(struct dt_md *md)
{
	md_reset(md);
	dt_sb_release(&md->text);
	free(md->lines);
	free(md->spans);
	free(md->urls);
	*md = (struct dt_md)DT_MD_INIT;
}

const char *dt_md_line_text(const struct dt_md *md, size_t i)
{
	return md->text.buf ? md->text.buf + md->lines[i].off : "";
}

const char *dt_md_span_url(const struct dt_md *md, const struct dt_md_span *s)
{
	return s->url >= 0 && (size_t)s->url < md->nr_urls ? md->urls[s->url] : NULL;
}

static int add_url(struct dt_md *md, const char *url)
{
	if (!url || !*url)
		return -1;
	if (md->nr_urls && !strcmp(md->urls[md->nr_urls - 1], url))
		return (int)md->nr_urls - 1;
	if (md->nr_urls == md->cap_urls) {
		md->cap_urls = md->cap_urls ? md->cap_urls * 2 : 4;
		md->urls = dt_xrealloc(md->urls, md->cap_urls * sizeof(*md->urls));
	}
	md->urls[md->nr_urls] = dt_xstrdup(url);
	return (int)md->nr_urls++;
}

/* ---- building a line: everything added is clipped to the width ---- */

static void line_begin(struct layout *l)
{
	l->line_start = l->md->text.len;
	l->span_start = l->md->nr_spans;
	l->cols = 0;
}

/* Appends len bytes of clean UTF-8 in a style; returns 0 once the line is
 * full. */
static int line_add(struct layout *l, const char *s, size_t len, enum dt_elem elem,
		    unsigned attrs, int url)
{
	struct dt_md *md = l->md;
	struct dt_md_span *sp;
	int used = 0;
	size_t n;

	if (!len)
		return l->cols < l->width;
	n = dt_utf8_fit(s, len, l->width - l->cols, &used);
	if (!n)
		return 0;
	sp = md->nr_spans > l->span_start ? &md->spans[md->nr_spans - 1] : NULL;
	if (sp && sp->elem == elem && sp->attrs == attrs && sp->url == url &&
	    sp->off + sp->len == md->text.len - l->line_start) {
		sp->len += n;
	} else {
		if (md->nr_spans == md->cap_spans) {
			md->cap_spans = md->cap_spans ? md->cap_spans * 2 : 16;
			md->spans = dt_xrealloc(md->spans, md->cap_spans * sizeof(*md->spans));
		}
		md->spans[md->nr_spans++] = (struct dt_md_span){
			md->text.len - l->line_start, n, elem, attrs, url};
	}
	dt_sb_add(&md->text, s, n);
	l->cols += used;
	return n == len && l->cols < l->width;
}

static void line_end(struct layout *l)
{
	struct dt_md *md = l->md;

	if (md->nr_lines == md->cap_lines) {
		md->cap_lines = md->cap_lines ? md->cap_lines * 2 : 16;
		md->lines = dt_xrealloc(md->lines, md->cap_lines * sizeof(*md->lines));
	}
	md->lines[md->nr_lines++] = (struct dt_md_line){
		l->line_start, md->text.len - l->line_start, l->span_start,
		md->nr_spans - l->span_start, l->cols};
}

static int spaces_cols(struct layout *l, int n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		int k = n < (int)sizeof(sp) - 1 ? n : (int)sizeof(sp) - 1;

		if (!line_add(l, sp, (size_t)k, l->base, 0, -1))
			return 0;
		n -= k;
	}
	return 1;
}

/* What the containers put in front: quote bars, list markers (on an
 * item's first line) or their hanging indent.  Returns its columns. */
static int line_prefix(struct layout *l)
{
	for (size_t i = 0; i < l->nr_fr && l->cols < l->width; i++) {
		struct frame *f = &l->fr[i];

		if (f->kind == F_QUOTE)
			line_add(l, QUOTE_BAR, strlen(QUOTE_BAR), DT_E_md_quote, 0, -1);
		else if (f->kind == F_ITEM && !f->used)
			line_add(l, f->first, strlen(f->first), DT_E_md_marker, 0, -1);
		else if (f->kind == F_ITEM)
			spaces_cols(l, f->first_cols);
	}
	return l->cols;
}

static void prefix_used(struct layout *l)
{
	for (size_t i = 0; i < l->nr_fr; i++)
		l->fr[i].used = 1;
}

/* The blank line between blocks (quote bars kept). */
static void blank_line(struct layout *l)
{
	line_begin(l);
	for (size_t i = 0; i < l->nr_fr && l->cols < l->width; i++)
		if (l->fr[i].kind == F_QUOTE)
			line_add(l, QUOTE_BAR, strlen(QUOTE_BAR), DT_E_md_quote, 0, -1);
		else
			spaces_cols(l, l->fr[i].first_cols);
	/* trailing blanks are not worth drawing */
	while (l->md->nr_spans > l->span_start &&
	       l->md->spans[l->md->nr_spans - 1].elem == l->base) {
		struct dt_md_span *sp = &l->md->spans[--l->md->nr_spans];

		l->cols -= (int)sp->len;
		dt_sb_truncate(&l->md->text, l->line_start + sp->off);
	}
	line_end(l);
}

static void block_start(struct layout *l)
{
	if (l->pending_blank && l->md->nr_lines)
		blank_line(l);
	l->pending_blank = 0;
}

/* ---- inline runs ---- */

/* Appends text to the run with control characters (and new lines) as
 * U+FFFD or a space. */
static void run_add(struct layout *l, const char *s, size_t len, enum dt_elem elem,
		    unsigned attrs, int url)
{
	struct seg *last = l->nr_segs ? &l->segs[l->nr_segs - 1] : NULL;

	if (!len)
		return;
	if (!last || last->elem != elem || last->attrs != attrs || last->url != url) {
		if (l->nr_segs == l->cap_segs) {
			l->cap_segs = l->cap_segs ? l->cap_segs * 2 : 16;
			l->segs = dt_xrealloc(l->segs, l->cap_segs * sizeof(*l->segs));
		}
		l->segs[l->nr_segs++] = (struct seg){l->run.len, elem, attrs, url};
	}
	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && (unsigned char)s[j] >= 0x20 && s[j] != 0x7f)
			j++;
		dt_sb_add(&l->run, s + i, j - i);
		if (j < len)
			dt_sb_adds(&l->run, s[j] == '\n' ? " " : "\xef\xbf\xbd");
		i = j + (j < len);
	}
}

static unsigned cur_attrs(const struct layout *l)
{
	return (l->bold ? DT_A_BOLD : 0) | (l->italic ? DT_A_ITALIC : 0);
}

static enum dt_elem cur_elem(const struct layout *l)
{
	if (l->url >= 0)
		return DT_E_md_link;
	if (l->in_heading)
		return DT_E_md_heading;
	if (l->quotes)
		return DT_E_md_quote;
	if (l->bold)
		return DT_E_md_strong;
	if (l->italic)
		return DT_E_md_emph;
	return l->base;
}

static void run_text(struct layout *l, const char *s)
{
	if (s)
		run_add(l, s, strlen(s), cur_elem(l), cur_attrs(l), l->url);
}

/* Adds the run's bytes [from, to) to the line with their styles; *si is
 * the segment to start looking at. */
static void emit_range(struct layout *l, size_t from, size_t to, size_t *si)
{
	while (*si + 1 < l->nr_segs && l->segs[*si + 1].off <= from)
		++*si;
	while (from < to && *si < l->nr_segs) {
		size_t end = *si + 1 < l->nr_segs ? l->segs[*si + 1].off : l->run.len;
		const struct seg *g = &l->segs[*si];

		if (end > to)
			end = to;
		line_add(l, l->run.buf + from, end - from, g->elem, g->attrs, g->url);
		from = end;
		if (from < to)
			++*si;
	}
}

/* Word-wraps the run under the current prefix; marker (a heading's "## ")
 * goes before the first line and its width of blanks before the others. */
static void flush_run(struct layout *l, const char *marker)
{
	const char *t = l->run.buf ? l->run.buf : "";
	size_t n = l->run.len, pos = 0, si = 0;
	int mcols = marker ? dt_utf8_width(marker, strlen(marker)) : 0, first = 1;

	for (;;) {
		size_t ls, le;
		int avail, col = 0, done = 0;

		line_begin(l);
		line_prefix(l);
		if (first && marker)
			line_add(l, marker, strlen(marker), DT_E_md_marker, 0, -1);
		else
			spaces_cols(l, mcols);
		avail = l->width - l->cols;
		if (avail < 1)
			avail = 1;
		while (pos < n && t[pos] == ' ')
			pos++;
		ls = le = pos;
		for (;;) {
			size_t sp = pos, we, b;
			int u = 0, room;

			if (pos >= n) {
				done = 1;
				break;
			}
			if (t[pos] == '\n') {
				pos++;
				break;
			}
			while (sp < n && t[sp] == ' ')
				sp++;
			we = sp;
			while (we < n && t[we] != ' ' && t[we] != '\n')
				we++;
			if (we == sp) { /* blanks before the end or a break */
				pos = sp;
				continue;
			}
			room = avail - col - dt_utf8_width(t + pos, sp - pos);
			b = room > 0 ? dt_utf8_fit(t + sp, we - sp, room, &u) : 0;
			if (b == we - sp) {
				col = avail - room + u;
				pos = le = we;
				continue;
			}
			if (col == 0) { /* a word longer than the line: cut it */
				b = dt_utf8_fit(t + pos, we - pos, avail, NULL);
				if (!b) {
					wchar_t wc;

					b = dt_utf8_decode(t + pos, we - pos, &wc);
				}
				pos = le = pos + b;
			}
			break;
		}
		emit_range(l, ls, le, &si);
		line_end(l);
		prefix_used(l);
		first = 0;
		if (done)
			break;
	}
	dt_sb_reset(&l->run);
	l->nr_segs = 0;
}

/* ---- blocks ---- */

static void push_frame(struct layout *l, struct frame f)
{
	if (l->nr_fr == l->cap_fr) {
		l->cap_fr = l->cap_fr ? l->cap_fr * 2 : 8;
		l->fr = dt_xrealloc(l->fr, l->cap_fr * sizeof(*l->fr));
	}
	l->fr[l->nr_fr++] = f;
}

static struct frame *find_list(struct layout *l)
{
	for (size_t i = l->nr_fr; i-- > 0;)
		if (l->fr[i].kind == F_LIST)
			return &l->fr[i];
	return NULL;
}

static void item_enter(struct layout *l)
{
	struct frame *list = find_list(l);
	struct frame f = {.kind = F_ITEM};

	if (list && list->number >= 0)
		snprintf(f.first, sizeof(f.first), "%d%c ", list->number++,
			 list->level < 0 ? ')' : '.');
	else
		snprintf(f.first, sizeof(f.first), "%s ",
			 bullets[(list ? list->level : 0) % (int)(sizeof(bullets) / sizeof(bullets[0]))]);
	f.first_cols = dt_utf8_width(f.first, strlen(f.first));
	push_frame(l, f);
}

static void list_enter(struct layout *l, cmark_node *n)
{
	struct frame f = {.kind = F_LIST};

	f.tight = cmark_node_get_list_tight(n);
	f.level = l->lists++;
	f.number = -1;
	if (cmark_node_get_list_type(n) == CMARK_ORDERED_LIST) {
		f.number = cmark_node_get_list_start(n);
		if (f.number < 0 || f.number > 999999999)
			f.number = 0;
		if (cmark_node_get_list_delim(n) == CMARK_PAREN_DELIM)
			f.level = -1; /* ")" after the numbers */
	}
	push_frame(l, f);
}

static void code_block(struct layout *l, cmark_node *n)
{
	const char *info = cmark_node_get_fence_info(n), *s = cmark_node_get_literal(n);
	size_t len = s ? strlen(s) : 0;
	struct dt_sb clean = DT_SB_INIT;

	if (info && *info) {
		size_t w = strcspn(info, " \t");

		run_add(l, info, w, DT_E_md_code_lang, 0, -1);
		line_begin(l);
		line_prefix(l);
		if (l->run.len)
			line_add(l, l->run.buf, l->run.len, DT_E_md_code_lang, 0, -1);
		line_end(l);
		prefix_used(l);
		dt_sb_reset(&l->run);
		l->nr_segs = 0;
	}
	if (len && s[len - 1] == '\n')
		len--;
	for (size_t i = 0; i <= len;) {
		size_t e = i;
		int room, cols;

		while (e < len && s[e] != '\n')
			e++;
		run_add(l, s + i, e - i, DT_E_md_code_block, 0, -1);
		dt_sb_reset(&clean);
		if (l->run.len)
			dt_sb_add(&clean, l->run.buf, l->run.len);
		dt_sb_reset(&l->run);
		l->nr_segs = 0;
		line_begin(l);
		line_prefix(l);
		line_add(l, CODE_INDENT, strlen(CODE_INDENT), DT_E_md_code_block, 0, -1);
		room = l->width - l->cols;
		cols = clean.len ? dt_utf8_width(clean.buf, clean.len) : 0;
		if (cols <= room) {
			line_add(l, clean.buf ? clean.buf : "", clean.len, DT_E_md_code_block, 0, -1);
		} else if (room > 0) { /* never wrapped: cut, with a marker */
			size_t b = dt_utf8_fit(clean.buf, clean.len, room - 1, NULL);

			line_add(l, clean.buf, b, DT_E_md_code_block, 0, -1);
			spaces_cols(l, room - 1 - dt_utf8_width(clean.buf, b));
			line_add(l, DT_MD_CLIP_MARK, strlen(DT_MD_CLIP_MARK), DT_E_md_marker, 0, -1);
		}
		line_end(l);
		prefix_used(l);
		i = e + 1;
	}
	dt_sb_release(&clean);
}

static void rule(struct layout *l)
{
	line_begin(l);
	line_prefix(l);
	while (l->cols < l->width && line_add(l, RULE_CHAR, strlen(RULE_CHAR), DT_E_md_rule, 0, -1))
		;
	line_end(l);
	prefix_used(l);
}

/* An HTML block: its text as it is, one line per line. */
static void literal_lines(struct layout *l, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len && s[len - 1] == '\n')
		len--;
	for (size_t i = 0; i <= len;) {
		size_t e = i;

		while (e < len && s[e] != '\n')
			e++;
		run_add(l, s + i, e - i, DT_E_md_marker, 0, -1);
		flush_run(l, NULL);
		i = e + 1;
	}
}

/* A block inside a tight list item is not followed by a blank line. */
static int in_tight_item(cmark_node *n)
{
	cmark_node *item = cmark_node_parent(n), *list;

	if (!item || cmark_node_get_type(item) != CMARK_NODE_ITEM)
		return 0;
	list = cmark_node_parent(item);
	return list && cmark_node_get_list_tight(list);
}

static void pop_frame(struct layout *l)
{
	if (!l->nr_fr)
		return;
	l->nr_fr--;
	if (l->fr[l->nr_fr].kind == F_LIST)
		l->lists--;
	else if (l->fr[l->nr_fr].kind == F_QUOTE)
		l->quotes--;
}

static void link_exit(struct layout *l, cmark_node *n)
{
	l->url = -1;
	for (cmark_node *p = cmark_node_parent(n); p; p = cmark_node_parent(p)) {
		cmark_node_type t = cmark_node_get_type(p);

		if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
			l->url = add_url(l->md, cmark_node_get_url(p));
			break;
		}
	}
}

static void enter(struct layout *l, cmark_node *n)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_BLOCK_QUOTE:
		block_start(l);
		push_frame(l, (struct frame){.kind = F_QUOTE, .first_cols = 2});
		l->quotes++;
		break;
	case CMARK_NODE_LIST:
		block_start(l);
		list_enter(l, n);
		break;
	case CMARK_NODE_ITEM:
		block_start(l);
		item_enter(l);
		break;
	case CMARK_NODE_PARAGRAPH:
		block_start(l);
		break;
	case CMARK_NODE_HEADING:
		block_start(l);
		l->in_heading = 1;
		break;
	case CMARK_NODE_CODE_BLOCK:
		block_start(l);
		code_block(l, n);
		l->pending_blank = !in_tight_item(n);
		break;
	case CMARK_NODE_HTML_BLOCK:
	case CMARK_NODE_CUSTOM_BLOCK:
		block_start(l);
		literal_lines(l, cmark_node_get_literal(n));
		l->pending_blank = !in_tight_item(n);
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		block_start(l);
		rule(l);
		l->pending_blank = !in_tight_item(n);
		break;
	case CMARK_NODE_TEXT:
		run_text(l, cmark_node_get_literal(n));
		break;
	case CMARK_NODE_CODE: {
		const char *s = cmark_node_get_literal(n);

		if (s)
			run_add(l, s, strlen(s), DT_E_md_code, cur_attrs(l), l->url);
		break;
	}
	case CMARK_NODE_HTML_INLINE:
	case CMARK_NODE_CUSTOM_INLINE: {
		const char *s = cmark_node_get_literal(n);

		if (s)
			run_add(l, s, strlen(s), DT_E_md_marker, cur_attrs(l), l->url);
		break;
	}
	case CMARK_NODE_SOFTBREAK:
		run_text(l, " ");
		break;
	case CMARK_NODE_LINEBREAK:
		dt_sb_addc(&l->run, '\n');
		break;
	case CMARK_NODE_EMPH:
		l->italic++;
		break;
	case CMARK_NODE_STRONG:
		l->bold++;
		break;
	case CMARK_NODE_LINK:
		l->url = add_url(l->md, cmark_node_get_url(n));
		break;
	case CMARK_NODE_IMAGE:
		run_add(l, "[image: ", 8, DT_E_md_marker, 0, -1);
		l->url = add_url(l->md, cmark_node_get_url(n));
		break;
	default:
		break;
	}
}

static void leave(struct layout *l, cmark_node *n)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_BLOCK_QUOTE:
	case CMARK_NODE_LIST:
		pop_frame(l);
		l->pending_blank = !in_tight_item(n);
		break;
	case CMARK_NODE_ITEM:
		pop_frame(l);
		break;
	case CMARK_NODE_PARAGRAPH:
		flush_run(l, NULL);
		l->pending_blank = !in_tight_item(n);
		break;
	case CMARK_NODE_HEADING: {
		char marker[16];
		int level = cmark_node_get_heading_level(n);

		if (level < 1 || level > 6)
			level = 1;
		memset(marker, '#', (size_t)level);
		marker[level] = ' ';
		marker[level + 1] = '\0';
		flush_run(l, marker);
		l->in_heading = 0;
		l->pending_blank = !in_tight_item(n);
		break;
	}
	case CMARK_NODE_EMPH:
		if (l->italic)
			l->italic--;
		break;
	case CMARK_NODE_STRONG:
		if (l->bold)
			l->bold--;
		break;
	case CMARK_NODE_IMAGE:
		link_exit(l, n);
		run_add(l, "]", 1, DT_E_md_marker, 0, -1);
		break;
	case CMARK_NODE_LINK:
		link_exit(l, n);
		break;
	default:
		break;
	}
}

size_t dt_md_render(struct dt_md *md, const char *src, size_t len, int width, enum dt_elem base)
{
	struct layout l = {.md = md, .width = width > 0 ? width : 1, .base = base, .url = -1};
	cmark_node *doc;
	cmark_iter *it;
	cmark_event_type ev;

	md_reset(md);
	if (!len)
		return 0;
	doc = cmark_parse_document(src, len, CMARK_OPT_VALIDATE_UTF8);
	if (!doc)
		dt_die_oom();
	it = cmark_iter_new(doc);
	if (!it)
		dt_die_oom();
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);

		if (ev == CMARK_EVENT_ENTER)
			enter(&l, n);
		else if (ev == CMARK_EVENT_EXIT)
			leave(&l, n);
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	if (l.run.len) /* text outside any block (should not happen) */
		flush_run(&l, NULL);
	dt_sb_release(&l.run);
	free(l.segs);
	free(l.fr);
	return md->nr_lines;
}
