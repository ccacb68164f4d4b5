/*
 * The hunk engine.  The model and the algorithms (parse, split, merge of
 * overlapping split hunks, reassembly with shifted headers, recount after an
 * edit) follow git's add-patch.c so that the same answers give the same
 * patch; see include/duoterm/git/hunk.h.
 */
#include "duoterm/git/hunk.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/utf8.h"

static size_t next_line(const struct dt_sb *sb, size_t off)
{
	const char *eol;

	if (off >= sb->len)
		return sb->len;
	eol = memchr(sb->buf + off, '\n', sb->len - off);
	return eol ? (size_t)(eol - sb->buf) + 1 : sb->len;
}

static int starts_with(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - p) >= n && !memcmp(p, prefix, n);
}

static int parse_range(const char **p, unsigned long *off, unsigned long *cnt)
{
	char *end;

	*off = strtoul(*p, &end, 10);
	if (end == *p)
		return -1;
	if (*end != ',') {
		*cnt = 1;
		*p = end;
		return 0;
	}
	*cnt = strtoul(end + 1, (char **)p, 10);
	return *p == end + 1 ? -1 : 0;
}

/* Parses the "@@ -a,b +c,d @@" line at h->start and moves start past it. */
static int parse_header(struct dt_fpatch *fp, struct dt_hunk *h, struct dt_sb *err)
{
	const char *line = fp->plain.buf + h->start, *p = line;
	size_t eol = next_line(&fp->plain, h->start);
	const char *end = fp->plain.buf + eol;

	if (!starts_with(p, end, "@@ -") || (p += 4, parse_range(&p, &h->old_off, &h->old_cnt)) ||
	    !starts_with(p, end, " +") || (p += 2, parse_range(&p, &h->new_off, &h->new_cnt)) ||
	    !starts_with(p, end, " @@")) {
		size_t n = end - line;

		if (n && line[n - 1] == '\n')
			n--;
		dt_sb_addf(err, "could not parse hunk header '%.*s'", (int)n, line);
		return -1;
	}
	h->extra_start = p + 3 - fp->plain.buf;
	h->extra_end = eol;
	h->start = eol;
	return 0;
}

static int is_octal(const char *p, const char *end)
{
	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (p == end)
		return 0;
	for (; p < end; p++)
		if (*p < '0' || *p > '7')
			return 0;
	return 1;
}

static struct dt_hunk *add_hunk(struct dt_fpatch *fp)
{
	if (fp->nr == fp->alloc) {
		fp->alloc = fp->alloc ? 2 * fp->alloc : 8;
		fp->hunk = dt_xrealloc(fp->hunk, fp->alloc * sizeof(*fp->hunk));
	}
	memset(&fp->hunk[fp->nr], 0, sizeof(*fp->hunk));
	return &fp->hunk[fp->nr++];
}

struct parse_state {
	struct dt_fpatch *fp;
	struct dt_hunk *h;
	char marker;
	int mode_line;
};

/* One header-or-hunk-start line; returns -1 on a bad hunk header. */
static int parse_line_kind(struct parse_state *ps, size_t p, const char *end, struct dt_sb *err)
{
	struct dt_fpatch *fp = ps->fp;
	const char *line = fp->plain.buf + p;
	int in_head = ps->h == &fp->head;

	if (fp->deleted)
		return 0; /* the rest of a deleted file is one "hunk" */
	if (starts_with(line, end, "@@ ") || (in_head && starts_with(line, end, "deleted file"))) {
		int deleted = line[0] == 'd';

		if (ps->marker == '-' || ps->marker == '+')
			ps->h->splittable++;
		ps->h = add_hunk(fp);
		ps->h->start = p;
		if (deleted)
			fp->deleted = 1;
		else if (parse_header(fp, ps->h, err))
			return -1;
		ps->marker = *line;
	} else if (in_head && starts_with(line, end, "new file")) {
		fp->added = 1;
	} else if (in_head && starts_with(line, end, "old mode ") && is_octal(line + 9, end)) {
		fp->mode_change = 1;
		add_hunk(fp)->start = p;
		ps->mode_line = 1;
	} else if (in_head && starts_with(line, end, "new mode ") && is_octal(line + 9, end)) {
		ps->mode_line = fp->mode_change;
	} else if (in_head && starts_with(line, end, "Binary files ")) {
		fp->binary = 1;
	}
	return 0;
}

int dt_fpatch_parse(struct dt_fpatch *fp, const char *text, size_t len, struct dt_sb *err)
{
	struct parse_state ps = { fp, &fp->head, 0, 0 };
	size_t p = 0;

	memset(fp, 0, sizeof(*fp));
	dt_sb_add(&fp->plain, text, len);
	if (fp->plain.len && fp->plain.buf[fp->plain.len - 1] != '\n')
		dt_sb_addc(&fp->plain, '\n');
	if (!starts_with(fp->plain.buf, fp->plain.buf + fp->plain.len, "diff ")) {
		dt_sb_adds(err, "patch does not start with a diff header");
		return -1;
	}
	while (p < fp->plain.len) {
		size_t eol = next_line(&fp->plain, p);
		char c;

		ps.mode_line = 0;
		if (p && parse_line_kind(&ps, p, fp->plain.buf + eol, err))
			return -1;
		c = fp->plain.buf[p];
		if ((ps.marker == '-' || ps.marker == '+') && c == ' ')
			ps.h->splittable++;
		if (ps.marker && c != '\\')
			ps.marker = c;
		p = eol;
		ps.h->end = p;
		if (ps.mode_line)
			fp->hunk[0].end = p;
	}
	if (ps.marker == '-' || ps.marker == '+')
		ps.h->splittable++;
	return 0;
}

void dt_fpatch_release(struct dt_fpatch *fp)
{
	dt_sb_release(&fp->plain);
	free(fp->hunk);
	memset(fp, 0, sizeof(*fp));
}

/* ---- rendering and reassembly ---- */

static void render(const struct dt_fpatch *fp, const struct dt_hunk *h, long delta, int reverse,
		   struct dt_sb *out)
{
	if (h->old_off || h->new_off) {
		unsigned long o = h->old_off, n = h->new_off;

		if (reverse)
			o -= (unsigned long)delta;
		else
			n += (unsigned long)delta;
		dt_sb_addf(out, "@@ -%lu", o);
		if (h->old_cnt != 1)
			dt_sb_addf(out, ",%lu", h->old_cnt);
		dt_sb_addf(out, " +%lu", n);
		if (h->new_cnt != 1)
			dt_sb_addf(out, ",%lu", h->new_cnt);
		dt_sb_adds(out, " @@");
		if (h->extra_end > h->extra_start)
			dt_sb_add(out, fp->plain.buf + h->extra_start, h->extra_end - h->extra_start);
		else
			dt_sb_addc(out, '\n');
	}
	dt_sb_add(out, fp->plain.buf + h->start, h->end - h->start);
}

void dt_fpatch_render_hunk(const struct dt_fpatch *fp, size_t i, struct dt_sb *out)
{
	render(fp, &fp->hunk[i], 0, 0, out);
}

/* The mode the file keeps when its mode change is not used: the old mode,
 * or in reverse (the patch goes onto the new side) the new one. */
static void kept_mode(const struct dt_fpatch *fp, int reverse, char *mode, size_t size)
{
	const char *p = fp->plain.buf + fp->hunk[0].start + 9;
	size_t n;

	if (reverse)
		p = strchr(p, '\n') + 1 + 9; /* "new mode " follows "old mode " */
	n = strcspn(p, "\r\n");
	if (n >= size)
		n = size - 1;
	memcpy(mode, p, n);
	mode[n] = '\0';
}

/*
 * Without the mode change, the header must keep the old mode: git keeps the
 * index entry's mode when the patch names none, but libgit2 would fall back
 * to 100644, so we name it on the "index" line (git apply accepts both).
 */
static void render_header_without_mode(const struct dt_fpatch *fp, int reverse,
				       struct dt_sb *out)
{
	const struct dt_hunk *head = &fp->head, *m = &fp->hunk[0];
	size_t from = out->len, p;
	char mode[16];

	dt_sb_add(out, fp->plain.buf + head->start, m->start - head->start);
	dt_sb_add(out, fp->plain.buf + m->end, head->end - m->end);
	kept_mode(fp, reverse, mode, sizeof(mode));
	for (p = from; p < out->len; p = next_line(out, p)) {
		size_t eol = next_line(out, p), e = eol;
		struct dt_sb tail = DT_SB_INIT;

		if (out->len - p < 6 || memcmp(out->buf + p, "index ", 6))
			continue;
		while (e > p && (out->buf[e - 1] == '\n' || out->buf[e - 1] == '\r'))
			e--;
		if (memchr(out->buf + p, ' ', e - p) != out->buf + p + 5 ||
		    memchr(out->buf + p + 6, ' ', e - p - 6))
			break; /* already has a mode */
		dt_sb_add(&tail, out->buf + e, out->len - e);
		dt_sb_truncate(out, e);
		dt_sb_addf(out, " %s", mode);
		dt_sb_add(out, tail.buf, tail.len);
		dt_sb_release(&tail);
		break;
	}
}

static void render_diff_header(const struct dt_fpatch *fp, int reverse, struct dt_sb *out)
{
	if (fp->mode_change && fp->hunk[0].use != DT_HUNK_USE)
		render_header_without_mode(fp, reverse, out);
	else
		render(fp, &fp->head, 0, 0, out);
}

/* Appends the union of an edited merged hunk and the next one to plain. */
static int merge_edited(struct dt_fpatch *fp, struct dt_hunk *merged, const struct dt_hunk *next,
			struct dt_sb *err)
{
	size_t count = merged->new_off + merged->new_cnt - merged->delta - next->new_off;
	size_t ov_end = next->start, ov_start = ov_end, len, j;

	for (j = 0; j < count; j++) {
		size_t nl = next_line(&fp->plain, ov_end);

		if (nl > next->end || fp->plain.buf[ov_end] != ' ') {
			dt_sb_addf(err, "expected context line #%zu in the next hunk", j + 1);
			return -1;
		}
		ov_start = ov_end;
		ov_end = nl;
	}
	len = ov_end - ov_start;
	if (len > merged->end - merged->start ||
	    memcmp(fp->plain.buf + merged->end - len, fp->plain.buf + ov_start, len)) {
		dt_sb_adds(err, "hunks do not overlap");
		return -1;
	}
	if (merged->end != fp->plain.len) {
		size_t start = fp->plain.len;

		dt_sb_grow(&fp->plain, merged->end - merged->start);
		dt_sb_add(&fp->plain, fp->plain.buf + merged->start, merged->end - merged->start);
		merged->start = start;
	}
	dt_sb_grow(&fp->plain, next->end - ov_end);
	dt_sb_add(&fp->plain, fp->plain.buf + ov_end, next->end - ov_end);
	merged->end = fp->plain.len;
	merged->splittable += next->splittable;
	return 0;
}

/* Coalesces hunk *idx with the following overlapping chosen hunks. */
static int merge_hunks(struct dt_fpatch *fp, size_t *idx, int use_all, struct dt_hunk *merged,
		       struct dt_sb *err)
{
	size_t i = *idx;

	*merged = fp->hunk[i];
	for (; i + 1 < fp->nr; i++) {
		const struct dt_hunk *next = &fp->hunk[i + 1];
		long delta = 0;

		if ((!use_all && next->use != DT_HUNK_USE) ||
		    merged->new_off >= next->new_off + merged->delta ||
		    merged->new_off + merged->new_cnt < next->new_off + merged->delta)
			break;
		if (merged->start < next->start && merged->end > next->start) {
			merged->end = next->end;
		} else {
			if (merge_edited(fp, merged, next, err))
				return -1;
			delta = merged->delta;
			merged->delta += next->delta;
		}
		merged->old_cnt = next->old_off + next->old_cnt - merged->old_off;
		merged->new_cnt = next->new_off + delta + next->new_cnt - merged->new_off;
	}
	if (i == *idx)
		return 0;
	*idx = i;
	return 1;
}

int dt_fpatch_reassemble(struct dt_fpatch *fp, int use_all, int reverse, struct dt_sb *out,
			 struct dt_sb *err)
{
	size_t save = fp->plain.len, i;
	long delta = 0;
	int rc = 0;

	render_diff_header(fp, reverse, out);
	for (i = fp->mode_change; i < fp->nr; i++) {
		struct dt_hunk merged, *h = &fp->hunk[i];

		if (!use_all && h->use != DT_HUNK_USE) {
			delta += (long)h->old_cnt - (long)h->new_cnt;
			continue;
		}
		rc = merge_hunks(fp, &i, use_all, &merged, err);
		if (rc < 0)
			break;
		if (rc)
			h = &merged;
		rc = 0;
		render(fp, h, delta, reverse, out);
		dt_sb_truncate(&fp->plain, save);
		delta += h->delta;
	}
	dt_sb_truncate(&fp->plain, save);
	return rc;
}

int dt_fpatch_any_used(const struct dt_fpatch *fp)
{
	size_t i;

	for (i = 0; i < fp->nr; i++)
		if (fp->hunk[i].use == DT_HUNK_USE)
			return 1;
	return !fp->nr && fp->head.use == DT_HUNK_USE;
}

/* ---- split ---- */

struct counts {
	unsigned long old_off, old_cnt, new_off, new_cnt;
};

static void count_line(struct dt_hunk *h, char ch, size_t *ctx)
{
	if (ch == ' ')
		(*ctx)++;
	else if (ch == '-')
		h->old_cnt++;
	else if (ch == '+')
		h->new_cnt++;
}

static void open_split_slots(struct dt_fpatch *fp, size_t i, size_t n)
{
	size_t tail = fp->nr - i - 1;

	while (fp->alloc < fp->nr + n - 1) {
		fp->alloc = fp->alloc ? 2 * fp->alloc : 8;
		fp->hunk = dt_xrealloc(fp->hunk, fp->alloc * sizeof(*fp->hunk));
	}
	memmove(&fp->hunk[i + n], &fp->hunk[i + 1], tail * sizeof(*fp->hunk));
	memset(&fp->hunk[i + 1], 0, (n - 1) * sizeof(*fp->hunk));
	fp->nr += n - 1;
}

size_t dt_fpatch_split(struct dt_fpatch *fp, size_t i)
{
	struct dt_hunk *h = &fp->hunk[i];
	size_t n = h->splittable, total = n, end = h->end, cur, ctx = 0;
	struct counts rem = { h->old_off, h->old_cnt, h->new_off, h->new_cnt };
	char marker = 0;
	int first = 1;

	if (n < 2)
		return 1;
	open_split_slots(fp, i, n);
	h = &fp->hunk[i];
	h->splittable = 1;
	h->old_cnt = h->new_cnt = 0;
	cur = h->start;
	while (n > 1 && cur < end) {
		char ch = fp->plain.buf[cur];

		if ((marker == '-' || marker == '+') && ch == ' ') {
			first = 0;
			h[1].start = cur;
			ctx = 0;
		}
		if (marker != ' ' || (ch != '-' && ch != '+')) {
next:
			if (ch == '\\')
				ch = marker ? marker : ' ';
			count_line(h, ch, &ctx);
			marker = ch;
			cur = next_line(&fp->plain, cur);
			continue;
		}
		if (first) {
			h->old_cnt = h->new_cnt = ctx;
			ctx = 0;
			first = 0;
			goto next;
		}
		rem.old_off += h->old_cnt;
		rem.old_cnt -= h->old_cnt;
		rem.new_off += h->new_cnt;
		rem.new_cnt -= h->new_cnt;
		h[1].old_off = h->old_off + h->old_cnt;
		h[1].new_off = h->new_off + h->new_cnt;
		h->old_cnt += ctx;
		h->new_cnt += ctx;
		h->end = cur;
		h++;
		h->splittable = 1;
		h->use = h[-1].use;
		h->old_cnt = h->new_cnt = ctx;
		ctx = 0;
		n--;
		marker = ch;
	}
	h->old_cnt = rem.old_cnt;
	h->new_cnt = rem.new_cnt;
	h->end = end;
	return total;
}

/* ---- edit and line mode ---- */

static void recount(struct dt_fpatch *fp, struct dt_hunk *h)
{
	size_t p;

	h->old_cnt = h->new_cnt = 0;
	for (p = h->start; p < h->end; p = next_line(&fp->plain, p)) {
		switch (fp->plain.buf[p]) {
		case '-':
			h->old_cnt++;
			break;
		case '+':
			h->new_cnt++;
			break;
		case ' ':
		case '\r':
		case '\n':
			h->old_cnt++;
			h->new_cnt++;
			break;
		}
	}
}

int dt_fpatch_edit(struct dt_fpatch *fp, size_t i, const char *text, size_t len,
		   struct dt_hunk *backup, size_t *plain_len, struct dt_sb *err)
{
	struct dt_hunk *h = &fp->hunk[i];
	size_t p = 0;

	*backup = *h;
	*plain_len = fp->plain.len;
	h->start = fp->plain.len;
	while (p < len) {
		const char *eol = memchr(text + p, '\n', len - p);
		size_t n = eol ? (size_t)(eol - text - p) + 1 : len - p;

		if (text[p] != '#') {
			dt_sb_add(&fp->plain, text + p, n);
			if (!eol)
				dt_sb_addc(&fp->plain, '\n');
		}
		p += n;
	}
	h->end = fp->plain.len;
	if (h->end == h->start) {
		*h = *backup;
		return 0;
	}
	if (fp->plain.buf[h->start] == '@' && parse_header(fp, h, err)) {
		dt_fpatch_unedit(fp, i, backup, *plain_len);
		return -1;
	}
	recount(fp, h);
	h->delta += (long)backup->old_cnt - (long)backup->new_cnt - (long)h->old_cnt +
		    (long)h->new_cnt;
	h->edited = 1;
	return 1;
}

void dt_fpatch_unedit(struct dt_fpatch *fp, size_t i, const struct dt_hunk *backup,
		      size_t plain_len)
{
	fp->hunk[i] = *backup;
	dt_sb_truncate(&fp->plain, plain_len);
}

void dt_fpatch_line_text(const struct dt_fpatch *fp, size_t i, size_t first, size_t last,
			 int invert, int reverse, struct dt_sb *out)
{
	const struct dt_hunk *h = &fp->hunk[i];
	char drop = reverse ? '-' : '+', keep = reverse ? '+' : '-';
	size_t p, k = 0;
	int dropped = 0;

	for (p = h->start; p < h->end; k++) {
		size_t nl = next_line(&fp->plain, p);
		char c = fp->plain.buf[p];
		int sel = (k >= first && k <= last) != !!invert;

		if (c == '\\') {
			if (!dropped)
				dt_sb_add(out, fp->plain.buf + p, nl - p);
		} else if (!sel && c == drop) {
			dropped = 1;
		} else {
			dropped = 0;
			dt_sb_addc(out, !sel && c == keep ? ' ' : c);
			dt_sb_add(out, fp->plain.buf + p + 1, nl - p - 1);
		}
		p = nl;
	}
}

/* ---- reversing a patch (git apply -R) ---- */

static void reverse_hunk_header(const char *p, const char *end, struct dt_sb *out)
{
	const char *q = p + 4, *r;
	unsigned long oo, oc, no, nc;

	if (parse_range(&q, &oo, &oc) || strncmp(q, " +", 2) || (r = q + 2, parse_range(&r, &no, &nc))) {
		dt_sb_add(out, p, end - p);
		return;
	}
	dt_sb_addf(out, "@@ -%lu,%lu +%lu,%lu", no, nc, oo, oc);
	dt_sb_add(out, r, end - r);
}

static void reverse_index_line(const char *p, const char *end, struct dt_sb *out)
{
	const char *a = p + 6, *dots = memmem(a, end - a, "..", 2), *b, *sp;

	if (!dots) {
		dt_sb_add(out, p, end - p);
		return;
	}
	b = dots + 2;
	for (sp = b; sp < end && *sp != ' ' && *sp != '\n' && *sp != '\r'; sp++)
		;
	dt_sb_adds(out, "index ");
	dt_sb_add(out, b, sp - b);
	dt_sb_adds(out, "..");
	dt_sb_add(out, a, dots - a);
	dt_sb_add(out, sp, end - sp);
}

/* "--- a/x" becomes "+++ b/x": the side prefix moves with the side. */
static void add_swapped_path(struct dt_sb *out, const char *marker, const char *p, const char *end,
			     const char *from, const char *to)
{
	dt_sb_adds(out, marker);
	if (starts_with(p, end, from)) {
		dt_sb_adds(out, to);
		p += 2;
	}
	dt_sb_add(out, p, end - p);
}

static void reverse_header_line(const char *p, const char *end, struct dt_sb *out,
				struct dt_sb *old_mode_line, struct dt_sb *minus_line)
{
	if (starts_with(p, end, "old mode ")) {
		dt_sb_add(old_mode_line, p + 4, end - p - 4); /* "mode NNN\n" */
	} else if (starts_with(p, end, "new mode ")) {
		dt_sb_adds(out, "old ");
		dt_sb_add(out, p + 4, end - p - 4);
		dt_sb_adds(out, "new ");
		dt_sb_add(out, old_mode_line->buf, old_mode_line->len);
		dt_sb_reset(old_mode_line);
	} else if (starts_with(p, end, "deleted file mode ")) {
		dt_sb_adds(out, "new file");
		dt_sb_add(out, p + 12, end - p - 12);
	} else if (starts_with(p, end, "new file mode ")) {
		dt_sb_adds(out, "deleted file");
		dt_sb_add(out, p + 8, end - p - 8);
	} else if (starts_with(p, end, "index ")) {
		reverse_index_line(p, end, out);
	} else if (starts_with(p, end, "--- ")) {
		dt_sb_add(minus_line, p + 4, end - p - 4);
	} else if (starts_with(p, end, "+++ ")) {
		add_swapped_path(out, "--- ", p + 4, end, "b/", "a/");
		add_swapped_path(out, "+++ ", minus_line->buf, minus_line->buf + minus_line->len,
				 "a/", "b/");
		dt_sb_reset(minus_line);
	} else {
		dt_sb_add(out, p, end - p);
	}
}

/* Appends a run of changed lines, swapped, with the new '-' lines first (as
 * diff prints them; libgit2's parser wants a '\' marker to end its side). */
static void flush_run(struct dt_sb *minus, struct dt_sb *plus, struct dt_sb *out)
{
	dt_sb_add(out, minus->buf, minus->len);
	dt_sb_add(out, plus->buf, plus->len);
	dt_sb_reset(minus);
	dt_sb_reset(plus);
}

void dt_patch_reverse(const char *in, size_t len, struct dt_sb *out)
{
	struct dt_sb mode = DT_SB_INIT, minus = DT_SB_INIT, m = DT_SB_INIT, pl = DT_SB_INIT;
	const char *p = in, *stop = in + len;
	struct dt_sb *last = NULL;
	int body = 0;

	while (p < stop) {
		const char *nl = memchr(p, '\n', stop - p);
		const char *end = nl ? nl + 1 : stop;

		if (body && (*p == '-' || *p == '+')) {
			last = *p == '+' ? &m : &pl;
			dt_sb_addc(last, *p == '-' ? '+' : '-');
			dt_sb_add(last, p + 1, end - p - 1);
			p = end;
			continue;
		}
		if (body && *p == '\\' && last) {
			dt_sb_add(last, p, end - p);
			p = end;
			continue;
		}
		flush_run(&m, &pl, out);
		last = NULL;
		if (starts_with(p, end, "diff ")) {
			body = 0;
			dt_sb_add(out, p, end - p);
		} else if (starts_with(p, end, "@@ -")) {
			body = 1;
			reverse_hunk_header(p, end, out);
		} else if (body) {
			dt_sb_add(out, p, end - p);
		} else {
			reverse_header_line(p, end, out, &mode, &minus);
		}
		p = end;
	}
	flush_run(&m, &pl, out);
	dt_sb_release(&mode);
	dt_sb_release(&minus);
	dt_sb_release(&m);
	dt_sb_release(&pl);
}

/* ---- display ---- */

void dt_hunk_lines(const struct dt_fpatch *fp, size_t i, struct dt_line_iter *it)
{
	const struct dt_hunk *h = &fp->hunk[i];

	it->pos = h->start;
	it->end = h->end;
	it->old_no = h->old_off;
	it->new_no = h->new_off;
}

int dt_hunk_next_line(const struct dt_fpatch *fp, struct dt_line_iter *it,
		      struct dt_diff_line *out)
{
	size_t nl, e;

	if (it->pos >= it->end)
		return 0;
	nl = next_line(&fp->plain, it->pos);
	e = nl;
	if (e > it->pos && fp->plain.buf[e - 1] == '\n')
		e--;
	out->origin = fp->plain.buf[it->pos];
	out->text = fp->plain.buf + it->pos + (e > it->pos);
	out->len = e > it->pos ? e - it->pos - 1 : 0;
	out->old_no = out->new_no = 0;
	if (out->origin == ' ' || out->origin == '-')
		out->old_no = it->old_no++;
	if (out->origin == ' ' || out->origin == '+')
		out->new_no = it->new_no++;
	it->pos = nl;
	return 1;
}

void dt_fpatch_counts(const struct dt_fpatch *fp, size_t *adds, size_t *dels)
{
	size_t i, p;

	*adds = *dels = 0;
	for (i = fp->mode_change; i < fp->nr; i++) {
		const struct dt_hunk *h = &fp->hunk[i];
		int body = !fp->deleted; /* a deletion's hunk starts in the header */

		for (p = h->start; p < h->end; p = next_line(&fp->plain, p)) {
			char c = fp->plain.buf[p];

			if (!body)
				body = c == '@';
			else if (c == '+')
				(*adds)++;
			else if (c == '-')
				(*dels)++;
		}
	}
}

static int is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

void dt_intraline(const char *a, size_t alen, const char *b, size_t blen, struct dt_range *ra,
		  struct dt_range *rb)
{
	size_t pre = 0, suf = 0, min = alen < blen ? alen : blen;

	while (pre < min && a[pre] == b[pre])
		pre++;
	if (pre < min || alen != blen)
		while (pre > 0 && is_word((unsigned char)a[pre - 1]))
			pre--;
	while (suf < min - pre && a[alen - 1 - suf] == b[blen - 1 - suf])
		suf++;
	if (suf < min - pre || alen != blen)
		while (suf > 0 && is_word((unsigned char)a[alen - suf]))
			suf--;
	ra->start = rb->start = pre;
	ra->end = alen - suf;
	rb->end = blen - suf;
}

/* ---- word diff ---- */

enum tok_class { TOK_WORD, TOK_BLANK, TOK_PUNCT, TOK_SINGLE };

static enum tok_class char_class(const char *s, size_t len, size_t *n)
{
	unsigned char c = (unsigned char)s[0];
	wchar_t wc;

	if (c < 0x80) {
		*n = 1;
		if (c == ' ' || c == '\t')
			return TOK_BLANK;
		return isalnum(c) || c == '_' ? TOK_WORD : TOK_PUNCT;
	}
	*n = dt_utf8_decode(s, len, &wc);
	if (wc == 0xfffd && *n == 1)
		return TOK_PUNCT; /* a bad byte stands alone */
	/* Latin-1 punctuation and symbols (but not its letters), general
	 * punctuation, arrows, maths, box drawing and the like */
	if ((wc >= 0xa0 && wc <= 0xbf) || wc == 0xd7 || wc == 0xf7 ||
	    (wc >= 0x2000 && wc <= 0x2bff) || (wc >= 0x3000 && wc <= 0x303f) ||
	    (wc >= 0xfe30 && wc <= 0xfe4f) || (wc >= 0xff00 && wc <= 0xff0f))
		return wc == 0xa0 || (wc >= 0x2000 && wc <= 0x200a) || wc == 0x3000 ? TOK_BLANK
										     : TOK_PUNCT;
	/* CJK, kana, hangul and emoji are written without spaces: one each */
	if ((wc >= 0x2e80 && wc <= 0xa4cf) || (wc >= 0xac00 && wc <= 0xd7af) ||
	    (wc >= 0xf900 && wc <= 0xfaff) || wc >= 0x1f000)
		return TOK_SINGLE;
	return TOK_WORD;
}

/* Splits s into tokens: offsets of their starts in *tok (cap + 1 slots),
 * with tok[n] = len.  Returns n, or cap + 1 if there are more than cap. */
static size_t tokenize(const char *s, size_t len, size_t *tok, size_t cap)
{
	size_t i = 0, n = 0, k;

	while (i < len) {
		enum tok_class c = char_class(s + i, len - i, &k);

		if (n == cap)
			return cap + 1;
		tok[n++] = i;
		i += k;
		if (c == TOK_WORD || c == TOK_BLANK)
			while (i < len && char_class(s + i, len - i, &k) == c)
				i += k;
	}
	tok[n] = len;
	return n;
}

static int tok_eq(const char *a, const size_t *ta, size_t i, const char *b, const size_t *tb,
		  size_t j)
{
	size_t la = ta[i + 1] - ta[i];

	return la == tb[j + 1] - tb[j] && !memcmp(a + ta[i], b + tb[j], la);
}

static int tok_blank(const char *s, const size_t *t, size_t i)
{
	return s[t[i]] == ' ' || s[t[i]] == '\t';
}

/* Turns the changed flags of n tokens into at most MAX ranges. */
static size_t to_ranges(const char *s, const size_t *t, size_t n, const unsigned char *chg,
			struct dt_range *r)
{
	size_t nr = 0, i = 0, j, k;

	while (i < n) {
		if (!chg[i]) {
			i++;
			continue;
		}
		for (j = i;;) {
			while (j < n && chg[j])
				j++;
			/* changed runs joined by blank tokens make one range */
			for (k = j; k < n && !chg[k] && tok_blank(s, t, k); k++)
				;
			if (k == j || k == n || !chg[k])
				break;
			j = k;
		}
		if (nr < DT_WORDDIFF_MAX_RANGES)
			r[nr++] = (struct dt_range){t[i], t[j]};
		else
			r[nr - 1].end = t[j];
		i = j;
	}
	return nr;
}

static void fallback(const char *a, size_t alen, const char *b, size_t blen, struct dt_worddiff *w)
{
	dt_intraline(a, alen, b, blen, &w->a[0], &w->b[0]);
	w->na = w->a[0].end > w->a[0].start;
	w->nb = w->b[0].end > w->b[0].start;
	w->common = alen - (w->a[0].end - w->a[0].start);
	w->words = 0;
}

void dt_worddiff(const char *a, size_t alen, const char *b, size_t blen, struct dt_worddiff *w)
{
	size_t cap = 4 * DT_WORDDIFF_MAX_TOKENS; /* before the common ends are cut */
	size_t *ta = dt_xmalloc((cap + 2) * sizeof(*ta)), *tb = dt_xmalloc((cap + 2) * sizeof(*tb));
	size_t na = tokenize(a, alen, ta, cap), nb = tokenize(b, blen, tb, cap);
	size_t pre = 0, suf = 0, n, m, i, j;
	unsigned short *L = NULL;
	unsigned char *ca = NULL, *cb = NULL;

	memset(w, 0, sizeof(*w));
	if (na > cap || nb > cap)
		goto fall;
	while (pre < na && pre < nb && tok_eq(a, ta, pre, b, tb, pre))
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	       tok_eq(a, ta, na - 1 - suf, b, tb, nb - 1 - suf))
		suf++;
	n = na - pre - suf;
	m = nb - pre - suf;
	if (n > DT_WORDDIFF_MAX_TOKENS || m > DT_WORDDIFF_MAX_TOKENS ||
	    (n + 1) * (m + 1) > DT_WORDDIFF_MAX_CELLS)
		goto fall;
	ca = dt_xcalloc(na + 1, 1);
	cb = dt_xcalloc(nb + 1, 1);
	/* L[i][j]: LCS length of the middle tokens from i and j on */
	L = dt_xcalloc((n + 1) * (m + 1), sizeof(*L));
#define AT(i, j) L[(i) * (m + 1) + (j)]
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			AT(i, j) = tok_eq(a, ta, pre + i, b, tb, pre + j)
					   ? AT(i + 1, j + 1) + 1
					   : AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j) : AT(i, j + 1);
	for (i = j = 0; i < n || j < m;) {
		if (i < n && j < m && tok_eq(a, ta, pre + i, b, tb, pre + j)) {
			i++, j++;
		} else if (j == m || (i < n && AT(i + 1, j) >= AT(i, j + 1))) {
			ca[pre + i++] = 1;
		} else {
			cb[pre + j++] = 1;
		}
	}
#undef AT
	for (i = 0; i < na; i++)
		if (!ca[i] && !tok_blank(a, ta, i))
			w->common += ta[i + 1] - ta[i];
	w->words = 1;
	if (w->common) { /* else nothing worth pointing at: just other lines */
		w->na = to_ranges(a, ta, na, ca, w->a);
		w->nb = to_ranges(b, tb, nb, cb, w->b);
	}
	goto done;
fall:
	fallback(a, alen, b, blen, w);
done:
	free(L);
	free(ca);
	free(cb);
	free(ta);
	free(tb);
}
