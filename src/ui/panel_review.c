/*
 * The Review pane: a view over a review session (Unstaged, Staged) or the
 * proposal store (Proposed).  The engine decides what is asked; this file
 * only draws it and turns keys into engine calls.
 */
#include "duoterm/ui/panel_review.h"

#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/core/loop.h"
#include "duoterm/core/utf8.h"
#include "duoterm/git/diff.h"
#include "duoterm/git/proposal.h"
#include "duoterm/git/review.h"
#include "duoterm/gitlab/detail.h"
#include "duoterm/ui/app.h"
#include "duoterm/ui/dispatch.h" /* the app's keymap, for the hint line */

/* an engine decision, or a discard (worktree patch + the engine's 'n') */
struct undo_rec {
	int discard;
	size_t file;
	unsigned long new_off; /* the hunk's place in the original working file */
	long delta;            /* lines the discard added to the working file */
	char *patch;           /* what was applied to the working tree */
	size_t len;
};

struct rv {
	struct dt_pane *pane;
	struct dt_app *app;
	struct dt_repo *repo;
	struct dt_proposal_store *store;
	dt_rv_decided_cb decided;
	void *decided_ud;
	enum dt_rv_source src;
	int touched;
	struct dt_review *r; /* Unstaged / Staged */
	struct dt_diff *pd;  /* Proposed, MR */
	char *mr_json;       /* MR: the last merge request diffs (GitLab's JSON) */
	size_t mr_len;
	long mr_iid;
	char *error;         /* why the source could not be listed */
	size_t file, hunk;   /* the question (engine) or the user's place (Proposed) */
	int done;
	struct dt_rv_line *lines;
	size_t nr_lines, top, list_top;
	long scrolled; /* lines the diff area moved since it was drawn (DT_DIRTY_ROWS) */
	int vmode;
	size_t vanchor, vcur; /* line mode: display-line indices */
	struct undo_rec *undo;
	size_t undo_nr, undo_alloc;
	struct dt_sb copy, hint;
	uint64_t prefetch; /* the timer that loads the next file, or 0 */
	long untracked;    /* Unstaged: untracked paths, -1 not counted yet */
	size_t max_size;   /* bigger files are summaries (review.max_file_size) */
	struct dt_sb note;
};

static const char *const src_name[] = {"Proposed", "Unstaged", "Staged", "MR"};

/* "MR !12" for the merge request source, else the source's name. */
static const char *src_label(const struct rv *v, int s, char *buf, size_t size)
{
	if (s != DT_RV_MR)
		return src_name[s];
	snprintf(buf, size, "MR !%ld", v->mr_iid);
	return buf;
}

/* ---- pure pieces ---- */

enum dt_rv_cmd dt_rv_command(enum dt_action a)
{
	switch (a) {
	case DT_ACT_REVIEW_ACCEPT: return DT_RV_ACCEPT;
	case DT_ACT_REVIEW_REJECT: return DT_RV_REJECT;
	case DT_ACT_REVIEW_ACCEPT_FILE: return DT_RV_ACCEPT_FILE;
	case DT_ACT_REVIEW_REJECT_FILE: return DT_RV_REJECT_FILE;
	case DT_ACT_REVIEW_SPLIT: return DT_RV_SPLIT;
	case DT_ACT_REVIEW_EDIT: return DT_RV_EDIT;
	case DT_ACT_REVIEW_UNDO: return DT_RV_UNDO;
	case DT_ACT_REVIEW_LINES: return DT_RV_LINES;
	case DT_ACT_REVIEW_DISCARD: return DT_RV_DISCARD;
	case DT_ACT_REVIEW_NEXT_HUNK: return DT_RV_NEXT_HUNK;
	case DT_ACT_REVIEW_PREV_HUNK: return DT_RV_PREV_HUNK;
	case DT_ACT_REVIEW_SOURCE_NEXT: return DT_RV_SOURCE_NEXT;
	case DT_ACT_REVIEW_SOURCE_PREV: return DT_RV_SOURCE_PREV;
	case DT_ACT_REVIEW_RELOAD: return DT_RV_RELOAD;
	default: return DT_RV_NONE;
	}
}

void dt_rv_expand(struct dt_sb *out, const char *s, size_t len, int *col)
{
	for (size_t i = 0; i < len;) {
		wchar_t wc;
		size_t k = dt_utf8_decode(s + i, len - i, &wc);

		if (wc == '\t') {
			do
				dt_sb_addc(out, ' ');
			while (++*col % 8);
		} else if (wc < 0x20 || wc == 0x7f || (wc >= 0x80 && wc < 0xa0) || wc == 0xfffd ||
			   dt_wcwidth(wc) < 0) {
			dt_sb_adds(out, "\xef\xbf\xbd");
			++*col;
		} else {
			dt_sb_add(out, s + i, k);
			*col += dt_wcwidth(wc);
		}
		i += k;
	}
}

static int shift_range(const char **p, char side, long shift, struct dt_sb *out)
{
	char *end;
	unsigned long v;

	if (**p != side)
		return -1;
	v = strtoul(*p + 1, &end, 10);
	if (end == *p + 1)
		return -1;
	if (v && (long)v + shift < 1)
		return -1;
	dt_sb_addf(out, "%c%lu", side, v ? (unsigned long)((long)v + shift) : 0);
	*p = end;
	return 0;
}

/* One "@@ -a,b +c,d @@..." line with both starts moved. */
static int shift_header(const char *line, const char *eol, long shift, struct dt_sb *out)
{
	const char *p = line + 3;

	dt_sb_adds(out, "@@ ");
	if (shift_range(&p, '-', shift, out))
		return -1;
	while (*p == ',' || (*p >= '0' && *p <= '9'))
		dt_sb_addc(out, *p++);
	if (*p++ != ' ')
		return -1;
	dt_sb_addc(out, ' ');
	if (shift_range(&p, '+', shift, out))
		return -1;
	dt_sb_add(out, p, (size_t)(eol - p));
	return 0;
}

int dt_rv_shift_patch(const char *patch, size_t len, long shift, struct dt_sb *out)
{
	const char *p = patch, *end = patch + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl + 1 : end;

		if (eol - p > 4 && !memcmp(p, "@@ -", 4)) {
			if (shift_header(p, eol, shift, out))
				return -1;
		} else {
			dt_sb_add(out, p, (size_t)(eol - p));
		}
		p = eol;
	}
	return 0;
}

/* ---- display lines ---- */

struct builder {
	const char *buf;   /* the patch text (fp->plain) */
	struct dt_rv_line *l;
	size_t n, alloc;
	size_t run_start; /* first line of the current '-' run */
	size_t add_start; /* its first '+' line (a '\\' line may come between) */
	size_t dels, adds;
};

static struct dt_rv_line *add_line(struct builder *b, unsigned char kind, size_t hunk)
{
	struct dt_rv_line *l;

	if (b->n == b->alloc) {
		b->alloc = b->alloc ? 2 * b->alloc : 64;
		b->l = dt_xrealloc(b->l, b->alloc * sizeof(*b->l));
	}
	l = &b->l[b->n++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->hunk = hunk;
	l->pair = -1;
	return l;
}

/* Worth a word diff: at least half of the shorter line (leading blanks
 * aside) is in common. */
static int similar(const char *buf, const struct dt_rv_line *a, const struct dt_rv_line *b)
{
	struct dt_worddiff w;
	size_t la = a->len, lb = b->len, lead;

	if (la + lb > 2000)
		return 0; /* up to 256 tries per run, at load time: keep each cheap */
	for (lead = 0; lead < la && (buf[a->pos + lead] == ' ' || buf[a->pos + lead] == '\t'); lead++)
		;
	la -= lead;
	for (lead = 0; lead < lb && (buf[b->pos + lead] == ' ' || buf[b->pos + lead] == '\t'); lead++)
		;
	lb -= lead;
	dt_worddiff(buf + a->pos, a->len, buf + b->pos, b->len, &w);
	return w.common && 2 * w.common >= (la < lb ? la : lb);
}

/* Pairs the '-' lines of a run with the '+' lines after it for word
 * highlighting.  k and k, as diff-highlight does; else (small runs only)
 * each '-' line with the next '+' line like it, in order, as a reader
 * matches them. */
static void close_run(struct builder *b)
{
	size_t s = b->run_start, p = b->add_start, d = b->dels, a = b->adds, k, c, next = 0;

	if (d && d == a) {
		for (k = 0; k < d; k++) {
			b->l[s + k].pair = (long)(p + k);
			b->l[p + k].pair = (long)(s + k);
		}
	} else if (d && a && d <= 16 && a <= 16) {
		for (k = 0; k < d; k++)
			for (c = next; c < a; c++)
				if (similar(b->buf, &b->l[s + k], &b->l[p + c])) {
					b->l[s + k].pair = (long)(p + c);
					b->l[p + c].pair = (long)(s + k);
					next = c + 1;
					break;
				}
	}
	b->dels = b->adds = 0;
}

static void track_run(struct builder *b, char origin)
{
	if (origin == '\\')
		return; /* "\ No newline at end of file" belongs to the line before */
	if (origin == '-' && b->adds)
		close_run(b);
	if (origin == '-') {
		if (!b->dels)
			b->run_start = b->n - 1;
		b->dels++;
	} else if (origin == '+' && b->dels) {
		if (!b->adds)
			b->add_start = b->n - 1;
		b->adds++;
	} else {
		close_run(b);
	}
}

static size_t line_end(const struct dt_fpatch *fp, size_t p, size_t end)
{
	const char *nl = memchr(fp->plain.buf + p, '\n', end - p);

	return nl ? (size_t)(nl - fp->plain.buf) + 1 : end;
}

static size_t text_len(const struct dt_fpatch *fp, size_t p, size_t eol)
{
	size_t e = eol;

	if (e > p && fp->plain.buf[e - 1] == '\n')
		e--;
	return e - p;
}

static void header_line(struct builder *b, const struct dt_fpatch *fp, size_t i, size_t p,
			size_t eol, unsigned long *old_no, unsigned long *new_no)
{
	struct dt_rv_line *l = add_line(b, DT_RV_LINE_HEADER, i);

	l->pos = p;
	l->len = text_len(fp, p, eol);
	if (sscanf(fp->plain.buf + p, "@@ -%lu", old_no) != 1)
		*old_no = 0;
	l->old_no = *old_no;
	*new_no = fp->hunk[i].new_off;
}

/* A hunk parsed as usual starts after its @@ line; a deletion's one hunk
 * starts in the header, so its @@ line is found on the way. */
static void build_hunk(struct builder *b, const struct dt_fpatch *fp, size_t i)
{
	const struct dt_hunk *h = &fp->hunk[i];
	unsigned long old_no = h->old_off, new_no = h->new_off;
	int body = h->old_off || h->new_off;
	size_t p, n = 0;

	if (body) {
		struct dt_rv_line *l = add_line(b, DT_RV_LINE_HEADER, i);

		l->old_no = h->old_off;
	}
	for (p = h->start; p < h->end;) {
		size_t eol = line_end(fp, p, h->end);
		char c = fp->plain.buf[p];
		struct dt_rv_line *l;

		if (!body) {
			if (c == '@')
				header_line(b, fp, i, p, eol, &old_no, &new_no);
			body = c == '@';
			p = eol;
			continue;
		}
		l = add_line(b, DT_RV_LINE_BODY, i);
		l->origin = c;
		l->pos = p + (eol > p);
		l->len = eol > p ? text_len(fp, p + 1, eol) : 0;
		l->body = n++;
		l->old_no = c == ' ' || c == '-' ? old_no++ : 0;
		l->new_no = c == ' ' || c == '+' ? new_no++ : 0;
		track_run(b, c);
		p = eol;
	}
	close_run(b);
}

size_t dt_rv_build_lines(const struct dt_fpatch *fp, struct dt_rv_line **out)
{
	struct builder b = {.buf = fp->plain.buf};

	for (size_t i = 0; i < fp->nr; i++) {
		if (i == 0 && fp->mode_change) {
			struct dt_rv_line *l = add_line(&b, DT_RV_LINE_META, 0);

			l->pos = fp->hunk[0].start;
			l->len = fp->hunk[0].end - fp->hunk[0].start;
			continue;
		}
		build_hunk(&b, fp, i);
	}
	*out = b.l;
	return b.n;
}

/* ---- the model behind the pane ---- */

static struct rv *rv_of(struct dt_pane *p)
{
	return p && p->ops == &dt_review_pane_ops ? p->priv : NULL;
}

static struct dt_diff *diff_of(struct rv *v)
{
	return v->r ? dt_review_diff(v->r) : v->pd;
}

static size_t nr_files(struct rv *v)
{
	struct dt_diff *d = diff_of(v);

	return d ? dt_diff_nr(d) : 0;
}

static struct dt_diff_file *cur_file(struct rv *v)
{
	struct dt_diff *d = diff_of(v);

	return d && !v->done ? dt_diff_file(d, v->file) : NULL;
}

static struct dt_fpatch *cur_patch(struct rv *v)
{
	struct dt_diff_file *f = cur_file(v);

	return f ? &f->patch : NULL;
}

static int reversed(const struct rv *v)
{
	return v->src == DT_RV_STAGED;
}

static void drop_undo(struct rv *v)
{
	for (size_t i = 0; i < v->undo_nr; i++)
		free(v->undo[i].patch);
	v->undo_nr = 0;
}

static struct undo_rec *push_undo(struct rv *v)
{
	struct undo_rec *u;

	if (v->undo_nr == v->undo_alloc) {
		v->undo_alloc = v->undo_alloc ? 2 * v->undo_alloc : 16;
		v->undo = dt_xrealloc(v->undo, v->undo_alloc * sizeof(*v->undo));
	}
	u = &v->undo[v->undo_nr++];
	memset(u, 0, sizeof(*u));
	return u;
}

static void dirty(struct rv *v)
{
	v->pane->dirty |= DT_DIRTY_ALL;
}

static void subtitle(struct rv *v)
{
	char sub[96], lb[32];
	size_t n = nr_files(v);
	const char *name = src_label(v, (int)v->src, lb, sizeof(lb));

	if (v->done && v->r)
		snprintf(sub, sizeof(sub), "%s · all answered", name);
	else
		snprintf(sub, sizeof(sub), "%s · %zu file%s%s", name, n, n == 1 ? "" : "s",
			 v->src == DT_RV_MR ? " · read-only" : "");
	dt_pane_set_subtitle(v->pane, sub);
}

static int area_rows(struct rv *v);

/* Builds the shown file's lines and scrolls to the current hunk. */
static void relayout(struct rv *v)
{
	struct dt_fpatch *fp = cur_patch(v);
	size_t i, rows;

	free(v->lines);
	v->lines = NULL;
	v->nr_lines = 0;
	v->vmode = 0;
	subtitle(v);
	dirty(v);
	if (!fp)
		return;
	v->nr_lines = dt_rv_build_lines(fp, &v->lines);
	for (i = 0; i < v->nr_lines && v->lines[i].hunk < v->hunk; i++)
		;
	rows = (size_t)(area_rows(v) > 0 ? area_rows(v) : 1);
	if (i < v->top || i >= v->top + rows || v->top > v->nr_lines)
		v->top = i;
}

static void load_cur(struct rv *v)
{
	struct dt_sb err = DT_SB_INIT;

	if (cur_file(v) && dt_diff_load(diff_of(v), v->file, &err))
		dt_app_error(v->app, "%s", err.len ? err.buf : "cannot load the file");
	dt_sb_release(&err);
}

/* Memory: only the files near the cursor keep their hunks (a big review
 * of every file loaded costs tens of MB); the others keep their counts for
 * the list and are loaded again when the cursor comes back.  Files with
 * decisions, splits or edits stay (dt_diff_unload refuses them). */
#define RV_KEEP_LOADED 8

static void trim_loaded(struct rv *v)
{
	struct dt_diff *d = diff_of(v);
	size_t n = nr_files(v);

	for (size_t i = 0; i < n; i++) {
		size_t dist = i > v->file ? i - v->file : v->file - i;

		if (dist > RV_KEEP_LOADED && dt_diff_file(d, i)->loaded)
			dt_diff_unload(d, i);
	}
}

/* While the user reads, the next file's hunks are made, so that moving
 * into it (n or y past a file's last hunk, ]) draws without waiting for
 * libgit2 (0.5 ms a file on average in git.git, 17 ms the worst).  A
 * failure is left for the file's own load to report. */
#define RV_PREFETCH_MS 2

static void prefetch_due(struct dt_loop *loop, void *ud)
{
	struct rv *v = ud;
	struct dt_diff *d = diff_of(v);
	struct dt_sb err = DT_SB_INIT;

	(void)loop;
	v->prefetch = 0;
	if (d && !v->done && v->file + 1 < dt_diff_nr(d))
		dt_diff_load(d, v->file + 1, &err);
	dt_sb_release(&err);
}

static void schedule_prefetch(struct rv *v)
{
	if (!v->prefetch)
		v->prefetch = dt_loop_add_timer(dt_app_loop(v->app), RV_PREFETCH_MS, prefetch_due, v);
}

/* Takes the engine's question as the place to show. */
static void sync_cursor(struct rv *v)
{
	if (v->r) {
		v->done = dt_review_cursor(v->r, &v->file, &v->hunk) != 0;
	} else if (v->pd) {
		size_t n = dt_diff_nr(v->pd);

		v->done = !n;
		if (v->file >= n)
			v->file = n ? n - 1 : 0;
		load_cur(v);
		if (cur_patch(v) && v->hunk >= cur_patch(v)->nr)
			v->hunk = cur_patch(v)->nr ? cur_patch(v)->nr - 1 : 0;
	}
	trim_loaded(v);
	relayout(v);
	schedule_prefetch(v);
}

static void close_source(struct rv *v)
{
	struct dt_sb msg = DT_SB_INIT;

	/* leaving is git's q: the decided hunks of the current file land */
	if (v->r && !v->done && cur_patch(v) && dt_fpatch_any_used(cur_patch(v)) &&
	    dt_review_key(v->r, 'q', &msg))
		dt_app_error(v->app, "%s", msg.buf ? msg.buf : "could not apply");
	dt_sb_release(&msg);
	dt_review_free(v->r);
	dt_diff_free(v->pd);
	v->r = NULL;
	v->pd = NULL;
	free(v->error);
	v->error = NULL;
	drop_undo(v);
	v->done = 0;
	v->top = v->list_top = 0;
}

static void open_source(struct rv *v, enum dt_rv_source src)
{
	struct dt_sb err = DT_SB_INIT;
	int rc = 0;

	close_source(v);
	v->src = src;
	v->file = v->hunk = 0;
	v->untracked = -1;
	if (src == DT_RV_PROPOSED && v->store)
		rc = dt_diff_open_proposed(&v->pd, v->store, NULL, &err);
	else if (src == DT_RV_MR)
		rc = v->mr_json ? dt_rv_mr_diff(v->mr_json, v->mr_len, &v->pd, &err) : 0;
	else if (src != DT_RV_PROPOSED && v->repo) {
		struct dt_diff_options o = DT_DIFF_OPTIONS_INIT;

		o.max_file_size = v->max_size;
		rc = dt_review_open(&v->r, v->repo,
				    src == DT_RV_STAGED ? DT_REVIEW_UNSTAGE : DT_REVIEW_STAGE, &o,
				    &err);
	}
	if (rc)
		v->error = dt_xstrdup(err.len ? err.buf : "cannot list the changes");
	dt_sb_release(&err);
	sync_cursor(v);
	subtitle(v);
	dirty(v);
}

/* ---- layout ---- */

struct geom {
	int h, w;       /* content rows, columns (x from 1) */
	int list_y, list_rows, head_y, area_y, area_rows, hint_y;
};

static void geometry(struct rv *v, struct geom *g)
{
	int n = (int)(nr_files(v) > 1000 ? 1000 : nr_files(v));

	g->h = dt_pane_body_rows(v->pane);
	g->w = v->pane->r.w - 1;
	g->list_y = 2;
	g->list_rows = g->h >= 8 ? (g->h - 4) / 3 : g->h >= 6 ? 1 : 0;
	if (g->list_rows < 3 && g->h >= 12)
		g->list_rows = 3;
	if (g->list_rows > n)
		g->list_rows = n;
	g->head_y = g->list_y + g->list_rows;
	g->area_y = g->head_y + 1;
	g->hint_y = g->h;
	g->area_rows = g->hint_y - g->area_y;
	if (g->area_rows < 0)
		g->area_rows = 0;
}

static int area_rows(struct rv *v)
{
	struct geom g;

	if (!v->pane->win)
		return 20;
	geometry(v, &g);
	return g.area_rows;
}

/* ---- drawing ---- */

static int put(struct rv *v, int y, int x, int width, const char *s, enum dt_elem e)
{
	if (width <= 0)
		return 0;
	return dt_put_clipped(v->pane->win, y, x, width, s, strlen(s), dt_theme_attr(e));
}

static void draw_sources(struct rv *v, struct geom *g)
{
	struct dt_sb sb = DT_SB_INIT;
	int x = 1;

	for (int s = 0; s < DT_RV_NR_SOURCES && x < g->w; s++) {
		char lb[32];

		if (s == DT_RV_MR && !v->mr_json)
			continue; /* only once a merge request's diffs came */
		dt_sb_reset(&sb);
		dt_sb_addf(&sb, " %s", src_label(v, s, lb, sizeof(lb)));
		if (s == DT_RV_PROPOSED)
			dt_sb_addf(&sb, " %zu", v->store ? dt_proposal_nr(v->store) : (size_t)0);
		else if (s == (int)v->src)
			dt_sb_addf(&sb, " %zu", nr_files(v));
		dt_sb_addc(&sb, ' ');
		x += dt_put_clipped(v->pane->win, 1, x, g->w + 1 - x, sb.buf, sb.len,
				    dt_theme_attr(s == (int)v->src ? DT_E_tab_front : DT_E_tab));
	}
	if (x < g->w + 1)
		put(v, 1, x, g->w + 1 - x, "  < > switch", DT_E_dim);
	dt_sb_release(&sb);
}

/* The path, or both sides of a rename ("old → new"): each side is asked
 * about on its own, as git add -p asks per path. */
static void file_path(const struct dt_diff_file *f, struct dt_sb *sb)
{
	if (f->old_path != f->path)
		dt_sb_addf(sb, "%s → %s (%d%%)", f->old_path, f->path, f->similarity);
	else if (f->renamed_to)
		dt_sb_addf(sb, "%s → %s (%d%%, old path)", f->path, f->renamed_to, f->similarity);
	else
		dt_sb_adds(sb, f->path);
}

static const char *mode_kind(unsigned mode)
{
	return mode == 0120000 ? "symlink" : mode == 0160000 ? "submodule" : "file";
}

static void file_flags(const struct dt_diff_file *f, struct dt_sb *sb)
{
	if (f->ita)
		dt_sb_adds(sb, " [intent to add]");
	if (f->status == 'U')
		dt_sb_adds(sb, " [unmerged: resolve it, then stage it; not asked about]");
	if (f->status == 'T' && f->old_mode) /* the old side: the removal */
		dt_sb_addf(sb, " [type change %s → %s: removal]", mode_kind(f->old_mode),
			   mode_kind(f->other_mode));
	else if (f->status == 'T')
		dt_sb_addf(sb, " [type change %s → %s: addition]", mode_kind(f->other_mode),
			   mode_kind(f->new_mode));
	if (f->old_mode && f->new_mode && f->old_mode != f->new_mode)
		dt_sb_addf(sb, " [mode %o → %o]", f->old_mode, f->new_mode);
	if (f->submodule)
		dt_sb_adds(sb, " [submodule]");
	else if (f->too_big)
		dt_sb_adds(sb, " [too big]");
	else if (f->binary)
		dt_sb_adds(sb, " [binary]");
	if (f->stale)
		dt_sb_adds(sb, " [stale]");
}

static enum dt_elem file_elem(struct rv *v, size_t i, const struct dt_diff_file *f)
{
	if (i == v->file && !v->done)
		return v->pane->focused ? DT_E_selected_focus : DT_E_selected;
	if (f->stale)
		return DT_E_review_stale;
	if (v->r && (v->done || i < v->file))
		return DT_E_dim; /* the engine has passed it */
	return DT_E_normal;
}

/* What the answers did to a file the engine has passed: "staged 1/2",
 * "skipped" (Unstaged); "unstaged 1/2", "kept" (Staged). */
static void file_outcome(struct rv *v, size_t i, const struct dt_diff_file *f, struct dt_sb *sb)
{
	const struct dt_fpatch *fp = &f->patch;
	size_t used = 0, total = fp->nr ? fp->nr : 1;
	int staged = v->src == DT_RV_STAGED;

	if (!v->r || !(v->done || i < v->file) || !f->loaded || (fp->binary && !fp->nr) ||
	    (!fp->nr && !fp->added && !fp->deleted && !fp->mode_change))
		return;
	if (fp->nr) {
		for (size_t k = 0; k < fp->nr; k++)
			used += fp->hunk[k].use == DT_HUNK_USE;
		if (!used && fp->hunk[0].use == DT_HUNK_UNDECIDED)
			return; /* left by q */
	} else if (fp->head.use == DT_HUNK_UNDECIDED) {
		return;
	} else {
		used = fp->head.use == DT_HUNK_USE;
	}
	if (!used)
		dt_sb_adds(sb, staged ? "  · kept" : "  · skipped");
	else if (used == total)
		dt_sb_adds(sb, staged ? "  · unstaged" : "  · staged");
	else
		dt_sb_addf(sb, "  · %s %zu/%zu", staged ? "unstaged" : "staged", used, total);
}

static void draw_file_row(struct rv *v, struct geom *g, int y, size_t i)
{
	struct dt_diff *d = diff_of(v);
	struct dt_diff_file *f = dt_diff_file(d, i);
	struct dt_sb sb = DT_SB_INIT, err = DT_SB_INIT;

	if (!f->loaded && !f->counted)
		dt_diff_load(d, i, &err); /* for its counts: rows on screen only */
	dt_sb_addf(&sb, "%s %c ", i == v->file && !v->done ? "▶" : " ", f->status);
	if (f->counted && !f->binary && !f->too_big && !f->submodule) {
		char a[24], b[24];

		snprintf(a, sizeof(a), "+%zu", f->adds);
		snprintf(b, sizeof(b), "-%zu", f->dels);
		dt_sb_addf(&sb, "%6s %6s ", a, b);
	} else {
		dt_sb_addf(&sb, "%14s", "");
	}
	file_path(f, &sb);
	file_flags(f, &sb);
	file_outcome(v, i, f, &sb);
	dt_put_clipped(v->pane->win, y, 1, g->w, sb.buf, sb.len,
		       dt_theme_attr(file_elem(v, i, f)));
	dt_sb_release(&sb);
	dt_sb_release(&err);
}

static void draw_list(struct rv *v, struct geom *g)
{
	size_t n = nr_files(v);

	if (v->file < v->list_top)
		v->list_top = v->file;
	if (g->list_rows && v->file >= v->list_top + (size_t)g->list_rows)
		v->list_top = v->file - (size_t)g->list_rows + 1;
	for (int k = 0; k < g->list_rows; k++) {
		size_t i = v->list_top + (size_t)k;

		if (i < n)
			draw_file_row(v, g, g->list_y + k, i);
		else
			put(v, g->list_y + k, 1, g->w, "", DT_E_normal);
	}
}

static void draw_file_head(struct rv *v, struct geom *g)
{
	struct dt_diff_file *f = cur_file(v);
	struct dt_fpatch *fp = cur_patch(v);
	struct dt_sb sb = DT_SB_INIT;
	enum dt_elem e = DT_E_diff_file;

	if (!f) {
		put(v, g->head_y, 1, g->w, "", DT_E_normal);
		return;
	}
	dt_sb_addf(&sb, "%s  %c", f->path, f->status);
	if (f->loaded && fp->nr)
		dt_sb_addf(&sb, " · +%zu -%zu · hunk %zu/%zu", f->adds, f->dels,
			   v->hunk + 1 - fp->mode_change, fp->nr - fp->mode_change);
	if (fp->added)
		dt_sb_adds(&sb, " · new file");
	if (fp->deleted)
		dt_sb_adds(&sb, " · deleted");
	if (f->stale) {
		dt_sb_adds(&sb, " · STALE: the file changed; shown against it now");
		e = DT_E_review_stale;
	}
	dt_put_clipped(v->pane->win, g->head_y, 1, g->w, sb.buf, sb.len, dt_theme_attr(e));
	dt_sb_release(&sb);
}

static int hunk_discarded(struct rv *v, size_t hunk)
{
	const struct dt_hunk *h = &cur_patch(v)->hunk[hunk];

	for (size_t i = 0; i < v->undo_nr; i++)
		if (v->undo[i].discard && v->undo[i].file == v->file &&
		    v->undo[i].new_off == h->new_off && h->use == DT_HUNK_SKIP)
			return 1;
	return 0;
}

/* The decision shown on a hunk's header line. */
static const char *hunk_tag(struct rv *v, size_t hunk, enum dt_elem *e)
{
	const struct dt_hunk *h = &cur_patch(v)->hunk[hunk];
	int staged = v->src == DT_RV_STAGED;

	*e = DT_E_dim;
	if (v->src == DT_RV_MR)
		return hunk == v->hunk ? "◀ read-only" : "";
	if (hunk == v->hunk && !v->done) {
		*e = DT_E_review_current;
		return v->src == DT_RV_UNSTAGED ? "◀ stage this hunk? y/n"
		       : staged ? "◀ keep this hunk staged? y/n" : "◀ accept this hunk? y/n";
	}
	if (h->use == DT_HUNK_UNDECIDED)
		return "";
	if (hunk_discarded(v, hunk))
		return "✖ discarded";
	*e = (h->use == DT_HUNK_USE) != staged ? DT_E_ok : DT_E_dim;
	if (h->edited)
		return staged ? "✖ edited, unstage" : "✔ edited, stage";
	if (staged)
		return h->use == DT_HUNK_USE ? "✖ unstage" : "✔ keep";
	return h->use == DT_HUNK_USE ? "✔ stage" : "✖ skip";
}

static int gutter_width(struct geom *g)
{
	return g->w >= 40 ? 13 : 2;
}

static void draw_gutter(struct rv *v, struct geom *g, int y, size_t i)
{
	const struct dt_rv_line *l = &v->lines[i];
	int cur = l->hunk == v->hunk && !v->done;
	size_t lo = v->vanchor < v->vcur ? v->vanchor : v->vcur;
	size_t hi = v->vanchor < v->vcur ? v->vcur : v->vanchor;
	int sel = v->vmode && i >= lo && i <= hi;
	char nums[64] = "";

	put(v, y, 1, 1, sel ? "▶" : cur ? "▌" : " ",
	    sel ? DT_E_selected_focus : cur ? DT_E_review_current : DT_E_normal);
	if (gutter_width(g) <= 2)
		return;
	if (l->kind == DT_RV_LINE_BODY) {
		char o[24] = "", n[24] = "";

		if (l->old_no)
			snprintf(o, sizeof(o), "%lu", l->old_no);
		if (l->new_no)
			snprintf(n, sizeof(n), "%lu", l->new_no);
		snprintf(nums, sizeof(nums), "%5.5s %5.5s ", o, n);
	}
	put(v, y, 2, gutter_width(g) - 1, nums, DT_E_diff_lineno);
}

static enum dt_elem origin_elem(char origin)
{
	return origin == '+' ? DT_E_diff_add : origin == '-' ? DT_E_diff_del
		: origin == '\\' ? DT_E_dim : DT_E_normal;
}

/* Text with the nr ranges hl (sorted, apart) emphasised. */
static void draw_text(struct rv *v, int y, int x, int width, const char *t, size_t len,
		      const struct dt_range *hl, size_t nr, enum dt_elem e, enum dt_elem emph)
{
	struct dt_sb sb = DT_SB_INIT;
	size_t at = 0, k = 0;
	int col = 0, used = 0;

	while (at < len && used < width) {
		int in = k < nr && at >= hl[k].start;
		size_t to = in ? hl[k].end : k < nr ? hl[k].start : len;

		dt_sb_reset(&sb);
		dt_rv_expand(&sb, t + at, to - at, &col);
		if (sb.len)
			used += dt_put_clipped(v->pane->win, y, x + used, width - used, sb.buf,
					       sb.len, dt_theme_attr(in ? emph : e));
		k += in;
		at = to;
	}
	if (used < width)
		put(v, y, x + used, width - used, "", DT_E_normal);
	dt_sb_release(&sb);
}

static void draw_body(struct rv *v, int y, int x, int width, size_t i)
{
	const struct dt_rv_line *l = &v->lines[i];
	const char *buf = cur_patch(v)->plain.buf;
	struct dt_worddiff w;
	const struct dt_range *hl = NULL;
	size_t nr = 0;
	char origin[2] = {l->origin, 0};

	if (l->pair >= 0) {
		const struct dt_rv_line *o = &v->lines[l->pair];

		if (l->origin == '-')
			dt_worddiff(buf + l->pos, l->len, buf + o->pos, o->len, &w);
		else
			dt_worddiff(buf + o->pos, o->len, buf + l->pos, l->len, &w);
		hl = l->origin == '-' ? w.a : w.b;
		nr = l->origin == '-' ? w.na : w.nb;
	}
	put(v, y, x, 1, origin, origin_elem(l->origin));
	draw_text(v, y, x + 1, width - 1, buf + l->pos, l->len, hl, nr, origin_elem(l->origin),
		  l->origin == '+' ? DT_E_diff_add_word : DT_E_diff_del_word);
}

/* "@@ -a,b +c,d @@ context" as the hunk was parsed (or recounted). */
static void header_text(const struct dt_fpatch *fp, const struct dt_hunk *h, struct dt_sb *sb)
{
	dt_sb_addf(sb, "@@ -%lu", h->old_off);
	if (h->old_cnt != 1)
		dt_sb_addf(sb, ",%lu", h->old_cnt);
	dt_sb_addf(sb, " +%lu", h->new_off);
	if (h->new_cnt != 1)
		dt_sb_addf(sb, ",%lu", h->new_cnt);
	dt_sb_adds(sb, " @@");
	if (h->extra_end > h->extra_start)
		dt_sb_add(sb, fp->plain.buf + h->extra_start,
			  strcspn(fp->plain.buf + h->extra_start, "\r\n"));
}

static void draw_header(struct rv *v, int y, int x, int width, size_t i)
{
	const struct dt_rv_line *l = &v->lines[i];
	const struct dt_fpatch *fp = cur_patch(v);
	struct dt_sb sb = DT_SB_INIT;
	enum dt_elem te;
	const char *tag = hunk_tag(v, l->hunk, &te);
	int tw = dt_utf8_width(tag, strlen(tag));

	if (l->len)
		dt_sb_add(&sb, fp->plain.buf + l->pos, l->len);
	else
		header_text(fp, &fp->hunk[l->hunk], &sb);
	if (tw + 2 > width)
		tw = 0;
	dt_put_clipped(v->pane->win, y, x, width - tw, sb.buf, sb.len, dt_theme_attr(DT_E_diff_hunk));
	if (tw)
		put(v, y, x + width - tw, tw, tag, te);
	dt_sb_release(&sb);
}

static void draw_meta(struct rv *v, int y, int x, int width, size_t i)
{
	const struct dt_rv_line *l = &v->lines[i];
	const struct dt_fpatch *fp = cur_patch(v);
	struct dt_sb sb = DT_SB_INIT;
	unsigned om = 0, nm = 0;
	enum dt_elem te;
	const char *tag = hunk_tag(v, l->hunk, &te);

	if (sscanf(fp->plain.buf + l->pos, "old mode %o\nnew mode %o", &om, &nm) == 2)
		dt_sb_addf(&sb, "mode change %o → %o   %s", om, nm, tag);
	else
		dt_sb_add(&sb, fp->plain.buf + l->pos, strcspn(fp->plain.buf + l->pos, "\n"));
	dt_put_clipped(v->pane->win, y, x, width, sb.buf, sb.len, dt_theme_attr(DT_E_diff_hunk));
	dt_sb_release(&sb);
}

static void draw_line(struct rv *v, struct geom *g, int y, size_t i)
{
	int x = 1 + gutter_width(g), width = g->w + 1 - x;

	draw_gutter(v, g, y, i);
	switch (v->lines[i].kind) {
	case DT_RV_LINE_HEADER: draw_header(v, y, x, width, i); break;
	case DT_RV_LINE_META: draw_meta(v, y, x, width, i); break;
	default: draw_body(v, y, x, width, i); break;
	}
}

/* Unstaged at its end: new files are not offered (git add -p does not
 * offer them either), so say they are there and how to bring one in.
 * Counted once per listing, when it is first said. */
static const char *with_untracked(struct rv *v, const char *msg)
{
	struct dt_sb err = DT_SB_INIT;
	size_t n = 0;

	if (v->src != DT_RV_UNSTAGED || !v->repo)
		return msg;
	if (v->untracked < 0)
		v->untracked = dt_diff_untracked(v->repo, &n, &err) ? 0 : (long)n;
	dt_sb_release(&err);
	if (!v->untracked)
		return msg;
	dt_sb_reset(&v->note);
	dt_sb_addf(&v->note, "%s\n%ld untracked path%s not offered here (nor by git add -p): "
		   "git add -N PATH brings one in, r lists again.", msg, v->untracked,
		   v->untracked == 1 ? " is" : "s are");
	return v->note.buf;
}

/* What the diff area says when there are no lines to show. */
static const char *area_message(struct rv *v, enum dt_elem *e)
{
	struct dt_diff_file *f = cur_file(v);

	*e = DT_E_empty;
	if (v->error) {
		*e = DT_E_error;
		return v->error;
	}
	if (v->src == DT_RV_PROPOSED && !v->store)
		return "No agent proposals: the agent is not running.";
	if (v->src == DT_RV_MR && !nr_files(v))
		return "No changes in this merge request.";
	if ((v->src == DT_RV_UNSTAGED || v->src == DT_RV_STAGED) && !v->repo)
		return "Not in a git repository.";
	if (v->done && v->r && v->undo_nr)
		return with_untracked(v, "All answered. r lists what is left; u takes back the "
				      "last answer.");
	if (v->done || !nr_files(v))
		return v->src == DT_RV_PROPOSED ? "No proposals to review."
		       : v->src == DT_RV_STAGED ? "Nothing staged."
						: with_untracked(v, "No unstaged changes.");
	if (f && f->summary[0])
		return f->summary;
	if (f && !f->loaded)
		return "(could not load this file)";
	if (!cur_patch(v) || !cur_patch(v)->added)
		return "(no textual change)";
	if (v->src == DT_RV_MR)
		return "new empty file";
	/* the file itself is the question (git: "Stage addition") */
	*e = DT_E_review_current;
	return v->src == DT_RV_UNSTAGED ? "new empty file  ◀ stage this addition? y/n"
	       : v->src == DT_RV_STAGED ? "new empty file  ◀ keep this addition staged? y/n"
					: "new empty file  ◀ accept this file? y/n";
}

struct msg_rows {
	struct rv *v;
	struct geom *g;
	enum dt_elem e;
	int k;
};

static void put_msg_row(void *ud, const char *s, size_t n)
{
	struct msg_rows *m = ud;

	if (m->k < m->g->area_rows)
		dt_put_clipped(m->v->pane->win, m->g->area_y + m->k, 1, m->g->w, s, n,
			       dt_theme_attr(m->e));
	m->k++;
}

static void draw_area(struct rv *v, struct geom *g)
{
	int k = 0;

	if (!v->nr_lines && g->area_rows > 0) {
		struct msg_rows m = {.v = v, .g = g};
		const char *text = area_message(v, &m.e);

		dt_wrap(text, g->w, put_msg_row, &m); /* a message may say more than a row */
		k = m.k < g->area_rows ? m.k : g->area_rows;
	}
	for (; k < g->area_rows; k++) {
		size_t i = v->top + (size_t)k;

		if (i < v->nr_lines)
			draw_line(v, g, g->area_y + k, i);
		else
			put(v, g->area_y + k, 1, g->w, "", DT_E_normal);
	}
}

/* The first key bound to an action (the user may have rebound it). */
static void first_key(struct rv *v, enum dt_action a, struct dt_sb *out)
{
	struct dt_sb k = DT_SB_INIT;
	const char *comma;

	if (v->app)
		dt_keymap_keys(&v->app->keymap, a, &k);
	else
		dt_sb_adds(&k, dt_action_default_keys(a));
	comma = k.buf ? strstr(k.buf, ", ") : NULL;
	if (!k.len)
		dt_sb_adds(out, "-");
	else
		dt_sb_add(out, k.buf, comma ? (size_t)(comma - k.buf) : k.len);
	dt_sb_release(&k);
}

/* The hint line: a template whose %X are the keys of actions. */
static const char *hint_text(struct rv *v)
{
	static const struct {
		char c;
		enum dt_action a;
	} keys[] = {
		{'y', DT_ACT_REVIEW_ACCEPT},      {'n', DT_ACT_REVIEW_REJECT},
		{'Y', DT_ACT_REVIEW_ACCEPT_FILE}, {'N', DT_ACT_REVIEW_REJECT_FILE},
		{'s', DT_ACT_REVIEW_SPLIT},       {'e', DT_ACT_REVIEW_EDIT},
		{'u', DT_ACT_REVIEW_UNDO},        {'v', DT_ACT_REVIEW_LINES},
		{'d', DT_ACT_REVIEW_DISCARD},     {'J', DT_ACT_REVIEW_NEXT_HUNK},
		{'K', DT_ACT_REVIEW_PREV_HUNK},   {'>', DT_ACT_REVIEW_SOURCE_NEXT},
		{'<', DT_ACT_REVIEW_SOURCE_PREV}, {'r', DT_ACT_REVIEW_RELOAD},
		{'j', DT_ACT_DOWN},               {'k', DT_ACT_UP},
	};
	const char *t;

	if (v->vmode)
		t = v->src == DT_RV_STAGED
			    ? "lines: %j/%k extend · %y keep these staged · %n unstage these · %v leaves"
			    : "lines: %j/%k extend · %y take only these · %n take all but these · %v leaves";
	else if (v->done || !cur_file(v))
		t = "%r reload · %< %> source";
	else if (v->src == DT_RV_MR)
		t = "read-only (a merge request) · %J/%K hunk · %< %> source";
	else if (v->src == DT_RV_UNSTAGED)
		t = "%y stage · %n skip · %s split · %e edit · %v lines · %d discard · %Y/%N file · "
		    "%J/%K hunk · %u undo · %< %> source";
	else if (v->src == DT_RV_STAGED)
		t = "%y keep · %n unstage · %s split · %e edit · %v lines · %Y/%N file · %J/%K hunk · "
		    "%u undo · %< %> source";
	else
		t = "%y accept · %n reject · %s split · %e edit · %v lines · %Y/%N file · %J/%K hunk · "
		    "%< %> source";
	dt_sb_reset(&v->hint);
	for (; *t; t++) {
		size_t k = 0;

		if (*t != '%' || !t[1]) {
			dt_sb_addc(&v->hint, *t);
			continue;
		}
		t++;
		while (k < sizeof(keys) / sizeof(*keys) && keys[k].c != *t)
			k++;
		if (k < sizeof(keys) / sizeof(*keys))
			first_key(v, keys[k].a, &v->hint);
	}
	return v->hint.buf;
}

/* The diff area moved by v->scrolled lines and nothing else changed:
 * scroll its rows in the window and draw only the lines that came in (a
 * frame then costs a few lines, not the pane; curses sends the terminal
 * only what changed). */
static void draw_scrolled(struct rv *v, struct geom *g)
{
	WINDOW *w = v->pane->win;
	long d = v->scrolled;
	int from, to;

	v->scrolled = 0;
	if (!d)
		return;
	if (!v->nr_lines || d >= g->area_rows || -d >= g->area_rows) {
		draw_area(v, g);
		return;
	}
	wsetscrreg(w, g->area_y, g->area_y + g->area_rows - 1);
	scrollok(w, TRUE);
	wscrl(w, (int)d);
	scrollok(w, FALSE);
	wsetscrreg(w, 0, getmaxy(w) - 1);
	from = d > 0 ? g->area_rows - (int)d : 0;
	to = d > 0 ? g->area_rows : (int)-d;
	for (int k = from; k < to; k++) {
		size_t i = v->top + (size_t)k;
		int y = g->area_y + k;

		/* the blank line that came in lost the pane's separator */
		wattrset(w, dt_theme_attr(DT_E_separator));
		mvwaddch(w, y, 0, v->pane->r.x > 0 ? ACS_VLINE : ' ');
		if (i < v->nr_lines)
			draw_line(v, g, y, i);
		else
			put(v, y, 1, g->w, "", DT_E_normal);
	}
}

static void rv_draw(struct dt_pane *p)
{
	struct rv *v = rv_of(p);
	struct geom g;

	geometry(v, &g);
	if (g.h < 1)
		return;
	if (!(p->dirty & DT_DIRTY_ALL)) {
		if (g.h >= 3)
			draw_scrolled(v, &g);
		return;
	}
	v->scrolled = 0;
	draw_sources(v, &g);
	if (g.h < 3)
		return;
	draw_list(v, &g);
	draw_file_head(v, &g);
	draw_area(v, &g);
	put(v, g.hint_y, 1, g.w, hint_text(v), DT_E_dim);
}

/* ---- answering: Unstaged and Staged through the engine ---- */

static void report(struct rv *v, int rc, struct dt_sb *msg)
{
	if (rc < 0)
		dt_app_error(v->app, "%s", msg->len ? msg->buf : "refused");
	else if (msg->len)
		dt_app_message(v->app, "%s", msg->buf);
}

/* An engine call that records a decision (y n Y N, edits) gets an undo
 * entry of ours, so `u` can pair engine undos with discards. */
static void engine_key(struct rv *v, int key, int records)
{
	struct dt_sb msg = DT_SB_INIT;
	int pushed = records && !v->done, rc;

	if (pushed)
		push_undo(v);
	rc = dt_review_key(v->r, key, &msg);
	if (rc == DT_REVIEW_LOCKED && pushed)
		v->undo_nr--; /* the engine took the answer back: nothing to undo */
	report(v, rc, &msg);
	dt_sb_release(&msg);
	sync_cursor(v);
}

static void engine_file(struct rv *v, int use)
{
	struct dt_sb msg = DT_SB_INIT;
	int pushed = !v->done, rc;

	if (pushed)
		push_undo(v);
	rc = dt_review_file_all(v->r, use, &msg);
	if (rc == DT_REVIEW_LOCKED && pushed)
		v->undo_nr--; /* the engine took the answer back: nothing to undo */
	report(v, rc, &msg);
	dt_sb_release(&msg);
	sync_cursor(v);
}

static void engine_edit(struct rv *v, const char *text, size_t len)
{
	struct dt_fpatch *fp = cur_patch(v);
	size_t h = v->hunk, start = fp->hunk[h].start;
	struct dt_sb err = DT_SB_INIT;
	int rc = dt_review_edit(v->r, text, len, &err);

	if (fp->hunk[h].start != start)
		push_undo(v); /* the edit was taken (the file may have landed) */
	if (rc < 0)
		dt_app_error(v->app, "edit refused: %s", err.len ? err.buf : "it does not apply");
	else if (fp->hunk[h].start == start)
		dt_app_message(v->app, "edit abandoned: the hunk is unchanged");
	dt_sb_release(&err);
	sync_cursor(v);
}

static int has_change(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((i == 0 || p[i - 1] == '\n') && (p[i] == '+' || p[i] == '-'))
			return 1;
	return 0;
}

static void engine_lines(struct rv *v, size_t first, size_t last, int yes)
{
	int use = reversed(v) ? !yes : yes; /* Staged: y keeps, the engine's use unstages */
	struct dt_sb text = DT_SB_INIT;

	dt_fpatch_line_text(cur_patch(v), v->hunk, first, last, !use, reversed(v), &text);
	if (has_change(text.buf, text.len))
		engine_edit(v, text.buf, text.len);
	else
		engine_key(v, 'n', 1);
	dt_sb_release(&text);
}

static void engine_undo(struct rv *v)
{
	struct dt_sb err = DT_SB_INIT;
	struct undo_rec *u;
	int rc = 0;

	if (!v->undo_nr) {
		dt_app_message(v->app, "nothing to undo");
		return;
	}
	u = &v->undo[v->undo_nr - 1];
	if (u->discard)
		rc = dt_review_apply_text(v->repo, u->patch, u->len, 1, 1, 0, &err);
	if (!rc && dt_review_undo(v->r, &err) < 0)
		rc = -1;
	if (rc)
		dt_app_error(v->app, "undo failed: %s", err.len ? err.buf : "?");
	else
		dt_app_message(v->app, u->discard ? "the discarded hunk is back" : "undone");
	if (!rc) {
		free(u->patch);
		v->undo_nr--;
	}
	dt_sb_release(&err);
	sync_cursor(v);
}

/* ---- discard (Unstaged): the hunk alone, reversed onto the work tree ---- */

static long discard_shift(struct rv *v, const struct dt_hunk *h)
{
	long shift = 0;

	for (size_t i = 0; i < v->undo_nr; i++)
		if (v->undo[i].discard && v->undo[i].file == v->file &&
		    v->undo[i].new_off < h->new_off)
			shift += v->undo[i].delta;
	return shift;
}

/* The patch that takes hunk h out of the working file as it is now. */
static int discard_patch(struct rv *v, struct dt_sb *out, struct dt_sb *err)
{
	struct dt_fpatch *fp = cur_patch(v);
	enum dt_hunk_use *saved = dt_xmalloc((fp->nr + 1) * sizeof(*saved));
	struct dt_sb patch = DT_SB_INIT, rev = DT_SB_INIT;
	int rc;

	for (size_t i = 0; i < fp->nr; i++) {
		saved[i] = fp->hunk[i].use;
		fp->hunk[i].use = i == v->hunk ? DT_HUNK_USE : DT_HUNK_SKIP;
	}
	rc = dt_fpatch_reassemble(fp, 0, 1, &patch, err);
	for (size_t i = 0; i < fp->nr; i++)
		fp->hunk[i].use = saved[i];
	if (!rc) {
		dt_patch_reverse(patch.buf, patch.len, &rev);
		rc = dt_rv_shift_patch(rev.buf, rev.len, discard_shift(v, &fp->hunk[v->hunk]), out);
		if (rc)
			dt_sb_adds(err, "the hunk's place in the file is lost; r reloads");
	}
	free(saved);
	dt_sb_release(&patch);
	dt_sb_release(&rev);
	return rc;
}

static void do_discard(struct rv *v)
{
	struct dt_fpatch *fp = cur_patch(v);
	struct dt_sb patch = DT_SB_INIT, err = DT_SB_INIT;
	const struct dt_hunk *h;
	struct undo_rec *u;

	if (!fp || v->done || !fp->nr)
		return;
	h = &fp->hunk[v->hunk];
	if (discard_patch(v, &patch, &err) ||
	    dt_review_apply_text(v->repo, patch.buf, patch.len, 0, 1, 0, &err)) {
		dt_app_error(v->app, "not discarded: %s", err.len ? err.buf : "?");
		goto done;
	}
	u = push_undo(v);
	u->discard = 1;
	u->file = v->file;
	u->new_off = h->new_off;
	u->delta = (long)h->old_cnt - (long)h->new_cnt;
	u->len = patch.len;
	u->patch = dt_sb_detach(&patch, NULL);
	dt_sb_reset(&err);
	/* the hunk is gone from the tree: git add -p must not stage it */
	report(v, dt_review_key(v->r, 'n', &err), &err);
	dt_app_message(v->app, "discarded (u brings it back)");
	sync_cursor(v);
done:
	dt_sb_release(&patch);
	dt_sb_release(&err);
}

static void discard_answer(void *ud, int yes)
{
	struct rv *v = ud;

	if (yes && v->r && v->src == DT_RV_UNSTAGED)
		do_discard(v);
}

static void ask_discard(struct rv *v)
{
	struct dt_diff_file *f = cur_file(v);
	char text[512];

	if (v->src != DT_RV_UNSTAGED) {
		dt_app_message(v->app, "d discards unstaged changes: switch to Unstaged (<, >)");
		return;
	}
	if (!f || !f->patch.nr || f->patch.hunk[v->hunk].edited) {
		dt_app_error(v->app, "nothing here to discard");
		return;
	}
	snprintf(text, sizeof(text),
		 "Discard this hunk of %s from the working tree? (u brings it back)", f->path);
	dt_app_confirm(v->app, "Discard", text, discard_answer, v);
}

/* ---- the editor ---- */

static const char edit_help_stage[] =
	"# ---\n# To remove '-' lines, make them ' ' lines (context).\n"
	"# To remove '+' lines, delete them.\n";
static const char edit_help_reverse[] =
	"# ---\n# To remove '+' lines, make them ' ' lines (context).\n"
	"# To remove '-' lines, delete them.\n";

static int write_hunk_file(struct rv *v, char *path, size_t size)
{
	struct dt_sb sb = DT_SB_INIT;
	int fd, rc = 0;

	dt_sb_add_tmppath(&sb, "duoterm-hunk-XXXXXX.diff");
	snprintf(path, size, "%s", sb.buf);
	dt_sb_reset(&sb);
	fd = mkstemps(path, 5);
	if (fd < 0) {
		dt_sb_release(&sb);
		return -1;
	}
	dt_sb_adds(&sb, "# Manual hunk edit mode - see bottom for a quick guide.\n");
	dt_fpatch_render_hunk(cur_patch(v), v->hunk, &sb);
	dt_sb_adds(&sb, reversed(v) ? edit_help_reverse : edit_help_stage);
	dt_sb_adds(&sb, "# Lines starting with # will be removed.\n"
			"# If you delete everything, the edit is abandoned.\n");
	if (write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
		rc = -1;
	close(fd);
	dt_sb_release(&sb);
	return rc;
}

/* Runs $VISUAL / $EDITOR (vi) on path with curses suspended. */
static int run_editor(struct rv *v, const char *path)
{
	const char *ed = getenv("VISUAL");
	struct dt_sb cmd = DT_SB_INIT;
	int rc, mouse, links;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	dt_sb_addf(&cmd, "%s '%s'", ed && *ed ? ed : "vi", path);
	dt_app_suspend(v->app, &mouse, &links);
	rc = system(cmd.buf); /* ignores SIGINT/SIGQUIT while the editor runs */
	dt_app_resume(v->app, mouse, links);
	dt_sb_release(&cmd);
	return rc;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct dt_sb sb = DT_SB_INIT;
	char buf[8192];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		dt_sb_add(&sb, buf, n);
	fclose(f);
	dt_sb_add(&sb, "", 0);
	return dt_sb_detach(&sb, len);
}

/* The edited hunk text, or NULL (the reason is shown). */
static char *edit_hunk(struct rv *v, size_t *len)
{
	char path[4096], *text = NULL;
	int rc;

	if (write_hunk_file(v, path, sizeof(path))) {
		dt_app_error(v->app, "cannot write a temporary file for the editor");
		return NULL;
	}
	rc = run_editor(v, path);
	if (rc != 0)
		dt_app_error(v->app, "the editor failed (status %d); nothing changed", rc);
	else if (!(text = read_file(path, len)))
		dt_app_error(v->app, "cannot read the edited hunk back");
	unlink(path);
	return text;
}

/* ---- answering: Proposed through the store ---- */

static void proposal_landed(struct rv *v, int rc, struct dt_sb *err)
{
	char path[4096] = "";
	struct dt_diff_file *f = cur_file(v);

	if (f)
		snprintf(path, sizeof(path), "%s", f->path);
	if (rc == DT_PROPOSAL_STALE)
		dt_app_error(v->app, "%s changed since the agent saw it: nothing written; the "
			     "proposal is now shown against the file as it is", path);
	else if (rc < 0)
		dt_app_error(v->app, "%s", err->len ? err->buf : "could not write the file");
	if (v->decided)
		v->decided(v->decided_ud);
	/* the store changed: list it again, staying on the same file */
	dt_diff_free(v->pd);
	v->pd = NULL;
	dt_diff_open_proposed(&v->pd, v->store, NULL, err);
	if (*path && dt_proposal_find(v->store, path) >= 0)
		v->file = (size_t)dt_proposal_find(v->store, path);
	sync_cursor(v);
}

static void proposed_decide(struct rv *v, size_t hunk, int use)
{
	struct dt_fpatch *fp = cur_patch(v);
	struct dt_sb err = DT_SB_INIT;

	if (!fp->nr) {
		proposal_landed(v, dt_proposal_decide_all(v->store, v->file, use, &err), &err);
	} else {
		fp->hunk[hunk].use = use ? DT_HUNK_USE : DT_HUNK_SKIP;
		proposal_landed(v, dt_proposal_apply(v->store, v->file, fp, &err), &err);
	}
	dt_sb_release(&err);
}

static void proposed_edit(struct rv *v, const char *text, size_t len)
{
	struct dt_fpatch *fp = cur_patch(v);
	struct dt_sb err = DT_SB_INIT;
	struct dt_hunk backup;
	size_t plain_len;
	int rc = dt_fpatch_edit(fp, v->hunk, text, len, &backup, &plain_len, &err);

	if (rc == 0)
		dt_app_message(v->app, "edit abandoned: the hunk is unchanged");
	else if (rc < 0 || dt_proposal_check(v->store, v->file, fp, &err)) {
		if (rc > 0)
			dt_fpatch_unedit(fp, v->hunk, &backup, plain_len);
		dt_app_error(v->app, "edit refused: %s", err.len ? err.buf : "it does not apply");
	} else {
		proposed_decide(v, v->hunk, 1);
	}
	dt_sb_release(&err);
	relayout(v);
}

static void proposed_lines(struct rv *v, size_t first, size_t last, int yes)
{
	struct dt_sb text = DT_SB_INIT;

	dt_fpatch_line_text(cur_patch(v), v->hunk, first, last, !yes, 0, &text);
	if (has_change(text.buf, text.len))
		proposed_edit(v, text.buf, text.len);
	else
		proposed_decide(v, v->hunk, 0);
	dt_sb_release(&text);
}

/* J / K in Proposed: the next or previous hunk, across files. */
static void proposed_move(struct rv *v, int dir)
{
	struct dt_fpatch *fp = cur_patch(v);
	size_t n = nr_files(v);

	if (dir > 0 && fp && v->hunk + 1 < fp->nr) {
		v->hunk++;
	} else if (dir > 0 && v->file + 1 < n) {
		v->file++;
		v->hunk = 0;
	} else if (dir < 0 && v->hunk > 0) {
		v->hunk--;
	} else if (dir < 0 && v->file > 0) {
		v->file--;
		v->hunk = (size_t)-1; /* clamped to the last hunk once loaded */
	} else {
		dt_app_message(v->app, dir > 0 ? "No next hunk" : "No previous hunk");
		return;
	}
	sync_cursor(v);
}

/* ---- commands ---- */

static int can_answer(struct rv *v)
{
	if (cur_file(v) && !v->error)
		return 1;
	dt_app_message(v->app, "nothing to answer here: r reloads, < > switch the source");
	return 0;
}

static void cmd_decide(struct rv *v, int yes)
{
	int key = yes != reversed(v) ? 'y' : 'n';

	if (v->vmode) {
		size_t a = v->lines[v->vanchor].body, b = v->lines[v->vcur].body;

		v->vmode = 0;
		if (v->r)
			engine_lines(v, a < b ? a : b, a < b ? b : a, yes);
		else
			proposed_lines(v, a < b ? a : b, a < b ? b : a, yes);
		return;
	}
	if (v->r)
		engine_key(v, key, 1);
	else
		proposed_decide(v, v->hunk, yes);
}

static void cmd_file(struct rv *v, int yes)
{
	struct dt_sb err = DT_SB_INIT;

	if (v->r) {
		engine_file(v, yes != reversed(v));
		return;
	}
	proposal_landed(v, dt_proposal_decide_all(v->store, v->file, yes, &err), &err);
	dt_sb_release(&err);
}

static void cmd_split(struct rv *v)
{
	struct dt_fpatch *fp = cur_patch(v);
	size_t n;

	if (v->r) {
		engine_key(v, 's', 0);
		return;
	}
	n = fp->nr ? dt_fpatch_split(fp, v->hunk) : 1;
	if (n < 2)
		dt_app_error(v->app, "Sorry, cannot split this hunk");
	else
		dt_app_message(v->app, "Split into %zu hunks.", n);
	relayout(v);
}

static void cmd_edit(struct rv *v)
{
	char *text;
	size_t len = 0;

	if (v->r && !(dt_review_permitted(v->r) & DT_ALLOW_EDIT)) {
		dt_app_error(v->app, "Sorry, cannot edit this hunk");
		return;
	}
	if (!cur_patch(v)->nr || cur_patch(v)->deleted) {
		dt_app_error(v->app, "Sorry, cannot edit this hunk");
		return;
	}
	if (!(text = edit_hunk(v, &len)))
		return;
	if (v->r)
		engine_edit(v, text, len);
	else
		proposed_edit(v, text, len);
	free(text);
}

/* v: line mode on the current hunk's first changed line, or off. */
static void cmd_lines(struct rv *v)
{
	size_t i;

	if (v->vmode) {
		v->vmode = 0;
		dirty(v);
		return;
	}
	if (v->r && !(dt_review_permitted(v->r) & DT_ALLOW_EDIT)) {
		dt_app_error(v->app, "Sorry, cannot select lines of this hunk");
		return;
	}
	for (i = 0; i < v->nr_lines; i++)
		if (v->lines[i].hunk == v->hunk && v->lines[i].kind == DT_RV_LINE_BODY &&
		    (v->lines[i].origin == '+' || v->lines[i].origin == '-'))
			break;
	if (i == v->nr_lines) {
		dt_app_error(v->app, "Sorry, cannot select lines of this hunk");
		return;
	}
	v->vmode = 1;
	v->vanchor = v->vcur = i;
	dirty(v);
}

/* u in Proposed: the last landing comes back out of the working file. */
static void proposed_undo(struct rv *v)
{
	struct dt_sb msg = DT_SB_INIT;
	char *path = NULL;
	int rc = v->store ? dt_proposal_undo(v->store, &path, &msg) : 1;

	if (rc == 1) {
		dt_app_message(v->app, "nothing to undo");
	} else if (rc < 0) {
		dt_app_error(v->app, "%s", msg.len ? msg.buf : "undo failed");
	} else {
		if (msg.len)
			dt_app_error(v->app, "%s", msg.buf);
		else
			dt_app_message(v->app, "undone: the file is as it was and the proposal is back");
		if (v->decided)
			v->decided(v->decided_ud);
		dt_diff_free(v->pd);
		v->pd = NULL;
		dt_sb_reset(&msg);
		dt_diff_open_proposed(&v->pd, v->store, NULL, &msg);
		if (dt_proposal_find(v->store, path) >= 0)
			v->file = (size_t)dt_proposal_find(v->store, path);
		v->hunk = 0;
		sync_cursor(v);
	}
	free(path);
	dt_sb_release(&msg);
}

static void cmd_undo(struct rv *v)
{
	if (!v->r) {
		proposed_undo(v);
		return;
	}
	engine_undo(v);
}

static void cmd_source(struct rv *v, int dir)
{
	int s = ((int)v->src + DT_RV_NR_SOURCES + dir) % DT_RV_NR_SOURCES;

	if (s == DT_RV_MR && !v->mr_json) /* no merge request to show yet */
		s = (s + DT_RV_NR_SOURCES + dir) % DT_RV_NR_SOURCES;
	open_source(v, (enum dt_rv_source)s);
}

/* A decision key where nothing can be decided. */
static int read_only(struct rv *v, enum dt_rv_cmd c)
{
	if (v->src != DT_RV_MR)
		return 0;
	switch (c) {
	case DT_RV_ACCEPT: case DT_RV_REJECT: case DT_RV_ACCEPT_FILE: case DT_RV_REJECT_FILE:
	case DT_RV_SPLIT: case DT_RV_EDIT: case DT_RV_UNDO: case DT_RV_LINES: case DT_RV_DISCARD:
		dt_app_message(v->app, "read-only: this is merge request !%ld", v->mr_iid);
		return 1;
	default:
		return 0;
	}
}

static void run_cmd(struct rv *v, enum dt_rv_cmd c)
{
	v->touched = 1;
	if (read_only(v, c))
		return;
	switch (c) {
	case DT_RV_SOURCE_NEXT: cmd_source(v, 1); return;
	case DT_RV_SOURCE_PREV: cmd_source(v, -1); return;
	case DT_RV_RELOAD: open_source(v, v->src); return;
	case DT_RV_UNDO: cmd_undo(v); return;
	default: break;
	}
	if (!can_answer(v))
		return;
	switch (c) {
	case DT_RV_ACCEPT: cmd_decide(v, 1); break;
	case DT_RV_REJECT: cmd_decide(v, 0); break;
	case DT_RV_ACCEPT_FILE: cmd_file(v, 1); break;
	case DT_RV_REJECT_FILE: cmd_file(v, 0); break;
	case DT_RV_SPLIT: cmd_split(v); break;
	case DT_RV_EDIT: cmd_edit(v); break;
	case DT_RV_LINES: cmd_lines(v); break;
	case DT_RV_DISCARD: ask_discard(v); break;
	case DT_RV_NEXT_HUNK:
	case DT_RV_PREV_HUNK:
		if (v->r)
			engine_key(v, c == DT_RV_NEXT_HUNK ? 'J' : 'K', 0);
		else
			proposed_move(v, c == DT_RV_NEXT_HUNK ? 1 : -1);
		break;
	default: break;
	}
}

/* ---- pane ops ---- */

static void scroll_by(struct rv *v, long delta)
{
	long rows = area_rows(v) > 0 ? area_rows(v) : 1;
	long max = (long)v->nr_lines - rows, top = (long)v->top + delta;

	if (top > max)
		top = max;
	if (top < 0)
		top = 0;
	if ((size_t)top != v->top) {
		/* only the diff area moved: the next frame scrolls it and draws
		 * the lines that came in (rv_draw), not the whole pane */
		if (!(v->pane->dirty & DT_DIRTY_ALL)) {
			v->scrolled += top - (long)v->top;
			v->pane->dirty |= DT_DIRTY_ROWS;
		}
		v->top = (size_t)top;
	}
}

/* Line mode: j/k move the end of the selection inside the hunk. */
static void extend(struct rv *v, long delta)
{
	size_t i = v->vcur;
	long rows = area_rows(v) > 0 ? area_rows(v) : 1;

	while (delta) {
		size_t j = delta > 0 ? i + 1 : i - 1;

		if ((delta < 0 && !i) || j >= v->nr_lines || v->lines[j].hunk != v->hunk ||
		    v->lines[j].kind != DT_RV_LINE_BODY)
			break;
		i = j;
		delta += delta > 0 ? -1 : 1;
	}
	v->vcur = i;
	if (i < v->top)
		v->top = i;
	else if ((long)(i - v->top) >= rows)
		v->top = i - (size_t)rows + 1;
	dirty(v);
}

static int rv_action(struct dt_pane *p, enum dt_action a)
{
	struct rv *v = rv_of(p);
	long page = area_rows(v) > 1 ? area_rows(v) - 1 : 1;

	switch (a) {
	case DT_ACT_DOWN: v->vmode ? extend(v, 1) : scroll_by(v, 1); return 1;
	case DT_ACT_UP: v->vmode ? extend(v, -1) : scroll_by(v, -1); return 1;
	case DT_ACT_PAGE_DOWN: scroll_by(v, page); return 1;
	case DT_ACT_PAGE_UP: scroll_by(v, -page); return 1;
	case DT_ACT_FIRST: scroll_by(v, -(long)v->nr_lines); return 1;
	case DT_ACT_LAST: scroll_by(v, (long)v->nr_lines); return 1;
	default: break;
	}
	if (dt_rv_command(a) == DT_RV_NONE)
		return 0;
	run_cmd(v, dt_rv_command(a));
	return 1;
}

static void rv_wheel(struct dt_pane *p, int lines)
{
	scroll_by(rv_of(p), lines);
}

static const char *rv_copy(struct dt_pane *p)
{
	struct rv *v = rv_of(p);
	struct dt_fpatch *fp = cur_patch(v);

	if (!fp || !fp->nr)
		return NULL;
	dt_sb_reset(&v->copy);
	dt_fpatch_render_hunk(fp, v->hunk, &v->copy);
	return v->copy.buf;
}

static void rv_free(struct dt_pane *p)
{
	struct rv *v = rv_of(p);

	if (!v)
		return;
	if (v->prefetch)
		dt_loop_cancel_timer(dt_app_loop(v->app), v->prefetch);
	dt_review_free(v->r);
	dt_diff_free(v->pd);
	free(v->mr_json);
	drop_undo(v);
	free(v->undo);
	free(v->lines);
	free(v->error);
	dt_sb_release(&v->copy);
	dt_sb_release(&v->hint);
	dt_sb_release(&v->note);
	free(v);
	p->priv = NULL;
}

const struct dt_pane_ops dt_review_pane_ops = {
	.ctx = DT_CTX_REVIEW,
	.draw = rv_draw,
	.action = rv_action,
	.wheel = rv_wheel,
	.copy_text = rv_copy,
	.free = rv_free,
};

/* ---- the public face ---- */

void dt_review_pane_attach(struct dt_pane *p, struct dt_app *app, struct dt_repo *repo,
			   size_t max_size)
{
	struct rv *v = dt_xcalloc(1, sizeof(*v));

	if (p->ops && p->ops->free)
		p->ops->free(p);
	dt_pane_clear_rows(p);
	v->pane = p;
	v->app = app;
	v->repo = repo;
	v->untracked = -1;
	v->max_size = max_size ? max_size : DT_DIFF_DEFAULT_MAX_SIZE;
	p->ops = &dt_review_pane_ops;
	p->priv = v;
	open_source(v, DT_RV_UNSTAGED);
}

void dt_review_pane_set_proposals(struct dt_pane *p, struct dt_proposal_store *s,
				  dt_rv_decided_cb cb, void *ud)
{
	struct rv *v = rv_of(p);

	if (!v)
		return;
	if (v->src == DT_RV_PROPOSED)
		close_source(v);
	v->store = s;
	v->decided = cb;
	v->decided_ud = ud;
	if (s && (v->src == DT_RV_PROPOSED || (!v->touched && dt_proposal_nr(s))))
		open_source(v, DT_RV_PROPOSED);
	dirty(v);
}

void dt_review_pane_proposals_changed(struct dt_pane *p, const char *path)
{
	struct rv *v = rv_of(p);
	long i;

	if (!v || !v->store)
		return;
	if (v->src == DT_RV_PROPOSED || !v->touched) {
		open_source(v, DT_RV_PROPOSED);
		i = path ? dt_proposal_find(v->store, path) : -1;
		if (i >= 0) {
			v->file = (size_t)i;
			v->hunk = 0;
			sync_cursor(v);
		}
	}
	dirty(v);
}

void dt_review_pane_show_mr(struct dt_pane *p, long iid, const char *json, size_t len)
{
	struct rv *v = rv_of(p);

	if (!v)
		return;
	free(v->mr_json);
	v->mr_json = dt_xstrndup(json, len);
	v->mr_len = len;
	v->mr_iid = iid;
	v->touched = 1; /* the user asked for it: agent proposals do not take over */
	open_source(v, DT_RV_MR);
}

/* One GitLab diff as `git diff` prints it, so the hunk engine reads it. */
static void mr_patch(const struct dt_gl_diff *g, const char *oldp, const char *newp, struct dt_sb *out)
{
	size_t n = g->diff ? strlen(g->diff) : 0;

	dt_sb_addf(out, "diff --git a/%s b/%s\n", oldp, newp);
	if (g->new_file)
		dt_sb_adds(out, "new file mode 100644\n");
	else if (g->deleted_file)
		dt_sb_adds(out, "deleted file mode 100644\n");
	else if (g->renamed_file)
		dt_sb_addf(out, "rename from %s\nrename to %s\n", oldp, newp);
	if (g->new_file)
		dt_sb_adds(out, "--- /dev/null\n");
	else
		dt_sb_addf(out, "--- a/%s\n", oldp);
	if (g->deleted_file)
		dt_sb_adds(out, "+++ /dev/null\n");
	else
		dt_sb_addf(out, "+++ b/%s\n", newp);
	dt_sb_add(out, g->diff, n);
	if (n && g->diff[n - 1] != '\n')
		dt_sb_addc(out, '\n');
}

int dt_rv_mr_diff(const char *json, size_t len, struct dt_diff **out, struct dt_sb *err)
{
	struct dt_gl_list l;
	struct dt_diff_text *t;
	struct dt_sb *texts;

	*out = NULL;
	if (dt_gl_parse_diffs(json, len, &l)) {
		dt_sb_adds(err, "the merge request's diffs could not be read");
		return -1;
	}
	t = dt_xcalloc(l.nr + 1, sizeof(*t));
	texts = dt_xcalloc(l.nr + 1, sizeof(*texts));
	for (size_t i = 0; i < l.nr; i++) {
		const struct dt_gl_diff *g = DT_GL_ITEM(&l, struct dt_gl_diff, i);
		const char *newp = g->new_path ? g->new_path : g->old_path ? g->old_path : "?";
		const char *oldp = g->old_path ? g->old_path : newp;
		int body = g->diff && *g->diff;

		if (body)
			mr_patch(g, oldp, newp, &texts[i]);
		t[i] = (struct dt_diff_text){
			.path = newp,
			.old_path = g->renamed_file ? oldp : NULL,
			.status = g->new_file ? 'A' : g->deleted_file ? 'D' : g->renamed_file ? 'R' : 'M',
			.patch = texts[i].buf,
			.len = texts[i].len,
			.summary = body ? NULL : "no diff from GitLab (binary, or too large to send)",
		};
	}
	dt_diff_open_texts(out, t, l.nr);
	for (size_t i = 0; i < l.nr; i++)
		dt_sb_release(&texts[i]);
	free(texts);
	free(t);
	dt_gl_list_release(&l, (void (*)(void *))dt_gl_diff_release);
	return 0;
}

void dt_review_pane_reload(struct dt_pane *p)
{
	struct rv *v = rv_of(p);

	if (v)
		open_source(v, v->src);
}

int dt_review_pane_is(const struct dt_pane *p)
{
	return p && p->ops == &dt_review_pane_ops;
}

enum dt_rv_source dt_review_pane_source(const struct dt_pane *p)
{
	return p && p->ops == &dt_review_pane_ops ? ((const struct rv *)p->priv)->src
						  : DT_RV_UNSTAGED;
}
