/* Unit tests: the proposal store (overlay, accept/reject per hunk, stale,
 * persistence, decisions) and the hunk engine (split, recount, reassembly,
 * line mode, reverse, intra-line ranges). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duoterm/core/config.h"
#include "duoterm/core/proc.h"
#include "duoterm/git/diff.h"
#include "duoterm/git/hunk.h"
#include "duoterm/git/proposal.h"

static char dir[64];

static char *path_in(const char *name)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_addf(&sb, "%s/%s", dir, name);
	return dt_sb_detach(&sb, NULL);
}

static void put(const char *name, const char *text, int mode)
{
	char *p = path_in(name), *slash = strrchr(p, '/');

	*slash = '\0';
	dt_mkdir_p(p, 0755);
	*slash = '/';
	assert_int_equal(dt_write_file_atomic(p, text, strlen(text), mode), 0);
	free(p);
}

static char *get(const char *name)
{
	char *p = path_in(name), *t = dt_read_file(p, NULL);

	free(p);
	return t;
}

static const char base_text[] = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
				"eleven\ntwelve\nthirteen\nfourteen\n";
static const char proposed_text[] = "ONE\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
				    "eleven\ntwelve\nthirteen\nFOURTEEN\n";

/* fresh: forget what earlier tests left in the state directory */
static struct dt_proposal_store *open_store(int fresh)
{
	struct dt_proposal_store *s = NULL;
	struct dt_sb err = DT_SB_INIT;
	char *work = path_in("work"), *state = path_in("state");

	dt_mkdir_p(work, 0755);
	if (fresh)
		dt_remove_tree(state);
	assert_int_equal(dt_proposal_store_open(&s, work, state, NULL, &err), 0);
	free(work);
	free(state);
	dt_sb_release(&err);
	return s;
}

static void load_patch(struct dt_proposal_store *s, size_t i, struct dt_fpatch *fp)
{
	struct dt_sb text = DT_SB_INIT, err = DT_SB_INIT;

	assert_int_equal(dt_proposal_diff(s, i, &text, &err), 0);
	assert_int_equal(dt_fpatch_parse(fp, text.buf, text.len, &err), 0);
	dt_sb_release(&text);
	dt_sb_release(&err);
}

static void overlay_and_partial_accept(void **state)
{
	struct dt_proposal_store *s;
	struct dt_fpatch fp = DT_FPATCH_INIT;
	struct dt_sb err = DT_SB_INIT;
	struct dt_decision *d;
	struct stat st;
	size_t n, len;
	char *t;

	(void)state;
	put("work/a.txt", base_text, 0755);
	s = open_store(1);
	assert_int_equal(dt_proposal_propose(s, "a.txt", proposed_text, strlen(proposed_text), &err), 0);
	t = dt_proposal_read(s, "a.txt", &len);
	assert_string_equal(t, proposed_text); /* the agent sees its proposal */
	free(t);
	t = get("work/a.txt");
	assert_string_equal(t, base_text); /* the tree does not */
	free(t);
	load_patch(s, 0, &fp);
	assert_int_equal(fp.nr, 2);
	fp.hunk[0].use = DT_HUNK_USE;
	fp.hunk[1].use = DT_HUNK_SKIP;
	assert_int_equal(dt_proposal_apply(s, 0, &fp, &err), 0);
	t = get("work/a.txt");
	assert_non_null(strstr(t, "ONE\n"));
	assert_non_null(strstr(t, "fourteen\n"));
	free(t);
	t = path_in("work/a.txt");
	assert_int_equal(stat(t, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755); /* mode kept */
	free(t);
	assert_int_equal(dt_proposal_nr(s), 0); /* all decided: gone */
	d = dt_proposal_decisions(s, &n);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].kind, DT_DECISION_ACCEPTED);
	assert_int_equal(d[1].kind, DT_DECISION_REJECTED);
	assert_non_null(strstr(d[1].hunk, "+FOURTEEN"));
	dt_decisions_free(d, n);
	dt_fpatch_release(&fp);
	dt_proposal_store_free(s);
	dt_sb_release(&err);
}

static void undecided_stays_and_persists(void **state)
{
	struct dt_proposal_store *s;
	struct dt_fpatch fp = DT_FPATCH_INIT;
	struct dt_sb err = DT_SB_INIT, json = DT_SB_INIT;
	char *t;

	(void)state;
	put("work/b.txt", base_text, 0644);
	s = open_store(1);
	assert_int_equal(dt_proposal_propose(s, "b.txt", proposed_text, strlen(proposed_text), &err), 0);
	load_patch(s, 0, &fp);
	fp.hunk[0].use = DT_HUNK_USE; /* second hunk left undecided */
	assert_int_equal(dt_proposal_apply(s, 0, &fp, &err), 0);
	dt_fpatch_release(&fp);
	dt_proposal_store_free(s);

	s = open_store(0); /* a restart */
	assert_int_equal(dt_proposal_nr(s), 1);
	assert_string_equal(dt_proposal_at(s, 0)->content, proposed_text);
	load_patch(s, 0, &fp);
	assert_int_equal(fp.nr, 1);
	assert_non_null(strstr(fp.plain.buf, "+FOURTEEN"));
	dt_proposal_decisions_json(s, &json);
	assert_non_null(strstr(json.buf, "\"accepted\""));
	dt_fpatch_release(&fp);
	assert_int_equal(dt_proposal_decide_all(s, 0, 1, &err), 0);
	t = get("work/b.txt");
	assert_string_equal(t, proposed_text);
	free(t);
	dt_proposal_store_free(s);
	dt_sb_release(&err);
	dt_sb_release(&json);
}

static void stale_is_never_merged(void **state)
{
	struct dt_proposal_store *s;
	struct dt_fpatch fp = DT_FPATCH_INIT;
	struct dt_sb err = DT_SB_INIT;
	char *t;

	(void)state;
	put("work/c.txt", base_text, 0644);
	s = open_store(1);
	assert_int_equal(dt_proposal_propose(s, "c.txt", proposed_text, strlen(proposed_text), &err), 0);
	load_patch(s, 0, &fp);
	put("work/c.txt", "user edit\n", 0644); /* the file moves under the proposal */
	fp.hunk[0].use = fp.hunk[1].use = DT_HUNK_USE;
	assert_int_equal(dt_proposal_apply(s, 0, &fp, &err), DT_PROPOSAL_STALE);
	t = get("work/c.txt");
	assert_string_equal(t, "user edit\n");
	free(t);
	assert_true(dt_proposal_at(s, 0)->stale);
	dt_fpatch_release(&fp);
	load_patch(s, 0, &fp); /* re-diffed against the current file */
	assert_non_null(strstr(fp.plain.buf, "-user edit"));
	dt_fpatch_release(&fp);
	dt_proposal_store_free(s);
	dt_sb_release(&err);
}

static void new_and_deleted_files(void **state)
{
	struct dt_proposal_store *s;
	struct dt_sb err = DT_SB_INIT;
	char *t, *p;
	size_t len;

	(void)state;
	put("work/gone.txt", "bye\n", 0644);
	s = open_store(1);
	assert_int_equal(dt_proposal_propose(s, "sub/new.txt", "hello\n", 6, &err), 0);
	assert_int_equal(dt_proposal_propose(s, "gone.txt", NULL, 0, &err), 0);
	errno = 0;
	assert_null(dt_proposal_read(s, "gone.txt", &len));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(dt_proposal_decide_all(s, 0, 1, &err), 0);
	t = get("work/sub/new.txt");
	assert_string_equal(t, "hello\n");
	free(t);
	assert_int_equal(dt_proposal_decide_all(s, 0, 1, &err), 0);
	p = path_in("work/gone.txt");
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);
	assert_int_equal(dt_proposal_propose(s, "../escape", "x", 1, &err), -1);
	dt_proposal_store_free(s);
	dt_sb_release(&err);
}

static mode_t mode_of(const char *name)
{
	char *p = path_in(name);
	struct stat st;

	assert_int_equal(stat(p, &st), 0);
	free(p);
	return st.st_mode & 07777;
}

/* u after accepting: the exact bytes and mode come back, the proposal is
 * there to decide again; a new file goes, a deleted one returns; and if the
 * file no longer holds what was written, undo refuses and changes nothing. */
static void undo_landings(void **state)
{
	static const char crlf[] = "one\r\ntwo\r\nthree"; /* no newline at the end */
	struct dt_proposal_store *s;
	struct dt_fpatch fp = DT_FPATCH_INIT;
	struct dt_sb err = DT_SB_INIT;
	struct dt_decision *d;
	char *t, *p, *path = NULL;
	size_t n, undone;

	(void)state;
	put("work/u.txt", base_text, 0750);
	put("work/c.txt", crlf, 0600);
	put("work/del.txt", "keep me\n", 0640);
	s = open_store(1);
	assert_int_equal(dt_proposal_undo(s, &path, &err), 1); /* nothing yet */
	assert_null(path);
	assert_int_equal(dt_proposal_propose(s, "u.txt", proposed_text, strlen(proposed_text), &err), 0);
	load_patch(s, 0, &fp);
	fp.hunk[0].use = DT_HUNK_USE; /* the first hunk lands, the second stays */
	assert_int_equal(dt_proposal_apply(s, 0, &fp, &err), 0);
	dt_fpatch_release(&fp);
	t = get("work/u.txt");
	assert_string_not_equal(t, base_text);
	free(t);
	assert_int_equal(dt_proposal_undo(s, &path, &err), 0);
	assert_string_equal(path, "u.txt");
	free(path);
	t = get("work/u.txt");
	assert_string_equal(t, base_text);
	free(t);
	assert_int_equal(mode_of("work/u.txt"), 0750);
	assert_int_equal(dt_proposal_nr(s), 1); /* back as it was: both hunks */
	load_patch(s, 0, &fp);
	assert_int_equal(fp.nr, 2);
	dt_fpatch_release(&fp);

	/* bytes exactly: CRLF and no final newline; a whole-file accept */
	assert_int_equal(dt_proposal_propose(s, "c.txt", "ONE\n", 4, &err), 0);
	assert_int_equal(dt_proposal_decide_all(s, (size_t)dt_proposal_find(s, "c.txt"), 1, &err), 0);
	t = get("work/c.txt");
	assert_string_equal(t, "ONE\n");
	free(t);
	assert_int_equal(dt_proposal_undo(s, NULL, &err), 0);
	t = get("work/c.txt");
	assert_string_equal(t, crlf);
	free(t);
	assert_int_equal(mode_of("work/c.txt"), 0600);

	/* a new file goes away again; a deleted one comes back */
	assert_int_equal(dt_proposal_propose(s, "n/new.txt", "fresh\n", 6, &err), 0);
	assert_int_equal(dt_proposal_decide_all(s, (size_t)dt_proposal_find(s, "n/new.txt"), 1, &err), 0);
	assert_int_equal(dt_proposal_undo(s, NULL, &err), 0);
	p = path_in("work/n/new.txt");
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);
	assert_true(dt_proposal_find(s, "n/new.txt") >= 0);
	assert_int_equal(dt_proposal_propose(s, "del.txt", NULL, 0, &err), 0);
	assert_int_equal(dt_proposal_decide_all(s, (size_t)dt_proposal_find(s, "del.txt"), 1, &err), 0);
	assert_int_equal(dt_proposal_undo(s, NULL, &err), 0);
	t = get("work/del.txt");
	assert_string_equal(t, "keep me\n");
	free(t);
	assert_int_equal(mode_of("work/del.txt"), 0640);

	/* the file changed after the accept: refused, nothing touched */
	assert_int_equal(dt_proposal_decide_all(s, (size_t)dt_proposal_find(s, "u.txt"), 1, &err), 0);
	put("work/u.txt", "someone else\n", 0750);
	dt_sb_reset(&err);
	assert_int_equal(dt_proposal_undo(s, &path, &err), -1);
	assert_non_null(strstr(err.buf, "u.txt changed since it was accepted"));
	free(path);
	t = get("work/u.txt");
	assert_string_equal(t, "someone else\n");
	free(t);
	/* a mode change counts as a change too */
	put("work/u.txt", proposed_text, 0700);
	dt_sb_reset(&err);
	assert_int_equal(dt_proposal_undo(s, NULL, &err), -1);
	/* the agent is told */
	d = dt_proposal_decisions(s, &n);
	assert_true(n >= 2);
	assert_int_equal(d[0].kind, DT_DECISION_ACCEPTED);
	assert_int_equal(d[1].kind, DT_DECISION_UNDONE);
	assert_string_equal(d[1].path, "u.txt");
	undone = 0;
	for (size_t k = 0; k < n; k++)
		undone += d[k].kind == DT_DECISION_UNDONE;
	assert_int_equal(undone, 4); /* u, c, n/new, del; not the refused one */
	dt_decisions_free(d, n);
	dt_proposal_store_free(s);
	dt_sb_release(&err);
}

/* ---- hunk engine ---- */

static const char patch1[] =
	"diff --git a/f b/f\n"
	"index 1111111..2222222 100644\n"
	"--- a/f\n"
	"+++ b/f\n"
	"@@ -1,8 +1,8 @@ ctx\n"
	" a\n"
	"-b\n"
	"+B\n"
	" c\n"
	" d\n"
	" e\n"
	"-f\n"
	"+F\n"
	" g\n"
	" h\n";

static void split_recount_reassemble(void **state)
{
	struct dt_fpatch fp;
	struct dt_sb err = DT_SB_INIT, out = DT_SB_INIT;

	(void)state;
	assert_int_equal(dt_fpatch_parse(&fp, patch1, strlen(patch1), &err), 0);
	assert_int_equal(fp.nr, 1);
	assert_int_equal(fp.hunk[0].splittable, 2);
	assert_int_equal(dt_fpatch_split(&fp, 0), 2);
	assert_int_equal(fp.nr, 2);
	assert_int_equal(fp.hunk[0].old_off, 1);
	assert_int_equal(fp.hunk[0].old_cnt, 5);
	assert_int_equal(fp.hunk[1].old_off, 3);
	assert_int_equal(fp.hunk[1].new_cnt, 6);
	fp.hunk[0].use = DT_HUNK_SKIP;
	fp.hunk[1].use = DT_HUNK_USE;
	assert_int_equal(dt_fpatch_reassemble(&fp, 0, 0, &out, &err), 0);
	assert_non_null(strstr(out.buf, "@@ -3,6 +3,6 @@\n c\n d\n e\n-f\n+F\n g\n h\n"));
	/* both used: the split halves overlap and are merged back */
	fp.hunk[0].use = DT_HUNK_USE;
	dt_sb_reset(&out);
	assert_int_equal(dt_fpatch_reassemble(&fp, 0, 0, &out, &err), 0);
	assert_non_null(strstr(out.buf, "@@ -1,8 +1,8 @@ ctx\n"));
	dt_sb_release(&out);
	dt_fpatch_release(&fp);
	dt_sb_release(&err);
}

static void line_mode_and_edit(void **state)
{
	struct dt_fpatch fp;
	struct dt_sb err = DT_SB_INIT, text = DT_SB_INIT, out = DT_SB_INIT;
	struct dt_hunk backup;
	size_t plain_len;

	(void)state;
	assert_int_equal(dt_fpatch_parse(&fp, patch1, strlen(patch1), &err), 0);
	/* select only "-f" "+F" (body lines 6 and 7) */
	dt_fpatch_line_text(&fp, 0, 6, 7, 0, 0, &text);
	assert_string_equal(text.buf, " a\n b\n c\n d\n e\n-f\n+F\n g\n h\n");
	assert_int_equal(dt_fpatch_edit(&fp, 0, text.buf, text.len, &backup, &plain_len, &err), 1);
	assert_int_equal(fp.hunk[0].old_cnt, 8);
	assert_int_equal(fp.hunk[0].new_cnt, 8);
	fp.hunk[0].use = DT_HUNK_USE;
	assert_int_equal(dt_fpatch_reassemble(&fp, 0, 0, &out, &err), 0);
	assert_non_null(strstr(out.buf, "@@ -1,8 +1,8 @@ ctx\n a\n b\n"));
	dt_fpatch_unedit(&fp, 0, &backup, plain_len);
	assert_int_equal(fp.hunk[0].edited, 0);
	/* comment lines are dropped, empty text abandons, a bad header is refused */
	assert_int_equal(dt_fpatch_edit(&fp, 0, "# all gone\n", 11, &backup, &plain_len, &err), 0);
	assert_int_equal(dt_fpatch_edit(&fp, 0, "@@ bad\n a\n", 10, &backup, &plain_len, &err), -1);
	assert_non_null(strstr(err.buf, "could not parse hunk header"));
	dt_sb_release(&text);
	dt_sb_release(&out);
	dt_fpatch_release(&fp);
	dt_sb_release(&err);
}

static void reverse_and_apply_buffer(void **state)
{
	struct dt_sb rev = DT_SB_INIT, out = DT_SB_INIT, err = DT_SB_INIT;
	const char src[] = "a\nb\nc\nd\ne\nf\ng\nh\n";

	(void)state;
	assert_int_equal(dt_patch_apply_buffer(patch1, strlen(patch1), src, strlen(src), &out, &err), 0);
	assert_string_equal(out.buf, "a\nB\nc\nd\ne\nF\ng\nh\n");
	dt_patch_reverse(patch1, strlen(patch1), &rev);
	assert_non_null(strstr(rev.buf, "index 2222222..1111111 100644\n--- a/f\n+++ b/f\n"));
	dt_sb_reset(&err);
	{
		struct dt_sb back = DT_SB_INIT;

		assert_int_equal(dt_patch_apply_buffer(rev.buf, rev.len, out.buf, out.len, &back, &err), 0);
		assert_string_equal(back.buf, src);
		dt_sb_release(&back);
	}
	dt_sb_reset(&out);
	assert_int_equal(dt_patch_apply_buffer(patch1, strlen(patch1), "x\n", 2, &out, &err), -1);
	dt_sb_release(&rev);
	dt_sb_release(&out);
	dt_sb_release(&err);
}

static void intraline_ranges(void **state)
{
	struct dt_range ra, rb;
	const char *a = "return foo(bar, 1);", *b = "return foo(baz, 1);";

	(void)state;
	dt_intraline(a, strlen(a), b, strlen(b), &ra, &rb);
	assert_int_equal(ra.start, 11);
	assert_int_equal(ra.end, 14);
	assert_int_equal(rb.end, 14);
	a = "straße x";
	b = "strasse x";
	dt_intraline(a, strlen(a), b, strlen(b), &ra, &rb);
	assert_int_equal(ra.start, 0); /* never inside a word or a UTF-8 character */
}

static void worddiff_words(void **state)
{
	struct dt_worddiff w;
	const char *a = "return foo(bar, 1);", *b = "return foo(baz, 2);";

	(void)state;
	dt_worddiff(a, strlen(a), b, strlen(b), &w);
	assert_true(w.words);
	assert_int_equal(w.na, 2); /* "bar" and "1", not one span across ", " */
	assert_int_equal(w.a[0].start, 11);
	assert_int_equal(w.a[0].end, 14);
	assert_int_equal(w.a[1].start, 16);
	assert_int_equal(w.a[1].end, 17);
	assert_int_equal(w.nb, 2);
	assert_int_equal(w.b[1].start, 16);

	/* changed words separated by blanks only make one range */
	a = "a bb cc d";
	b = "a xx yy zz d";
	dt_worddiff(a, strlen(a), b, strlen(b), &w);
	assert_int_equal(w.na, 1);
	assert_int_equal(w.a[0].start, 2);
	assert_int_equal(w.a[0].end, 7);
	assert_int_equal(w.nb, 1);
	assert_int_equal(w.b[0].start, 2);
	assert_int_equal(w.b[0].end, 10);

	/* an insertion: nothing to mark on the old side */
	a = "f(x);";
	b = "f(x, y);";
	dt_worddiff(a, strlen(a), b, strlen(b), &w);
	assert_int_equal(w.na, 0);
	assert_int_equal(w.nb, 1);
	assert_int_equal(w.b[0].start, 3);
	assert_int_equal(w.b[0].end, 6);

	/* identical lines, and lines with only blanks in common */
	dt_worddiff(a, strlen(a), a, strlen(a), &w);
	assert_int_equal(w.na + w.nb, 0);
	a = "foo bar";
	b = "baz qux";
	dt_worddiff(a, strlen(a), b, strlen(b), &w);
	assert_true(w.words);
	assert_int_equal(w.na + w.nb, 0);
	assert_int_equal(w.common, 0);
}

static void worddiff_utf8(void **state)
{
	struct dt_worddiff w;
	/* a non-ASCII letter belongs to its word: the whole word changes */
	const char *a = "straße x", *b = "strasse x";

	(void)state;
	dt_worddiff(a, strlen(a), b, strlen(b), &w);
	assert_int_equal(w.na, 1);
	assert_int_equal(w.a[0].start, 0);
	assert_int_equal(w.a[0].end, 7); /* "straße" is 7 bytes */
	assert_int_equal(w.b[0].end, 7);

	/* CJK characters are tokens of their own */
	a = "日本語です";
	b = "日本人です";
	dt_worddiff(a, strlen(a), b, strlen(b), &w);
	assert_int_equal(w.na, 1);
	assert_int_equal(w.a[0].start, 6);
	assert_int_equal(w.a[0].end, 9);

	/* Unicode punctuation splits words; a bad byte stands alone */
	a = "x—old—y";
	b = "x—new—y";
	dt_worddiff(a, strlen(a), b, strlen(b), &w);
	assert_int_equal(w.na, 1);
	assert_int_equal(w.a[0].start, 4);
	assert_int_equal(w.a[0].end, 7);
	a = "ab\xff cd";
	b = "ab\xfe cd";
	dt_worddiff(a, strlen(a), b, strlen(b), &w);
	assert_int_equal(w.na, 1);
	assert_int_equal(w.a[0].start, 2);
	assert_int_equal(w.a[0].end, 3);
}

static void worddiff_caps(void **state)
{
	struct dt_sb a = DT_SB_INIT, b = DT_SB_INIT;
	struct dt_worddiff w;
	size_t i;

	(void)state;
	/* 30 changes: 16 ranges, the last one stretching to the last change */
	for (i = 0; i < 30; i++) {
		dt_sb_addf(&a, "k%zu = a%zu; ", i, i);
		dt_sb_addf(&b, "k%zu = b%zu; ", i, i);
	}
	dt_worddiff(a.buf, a.len, b.buf, b.len, &w);
	assert_true(w.words);
	assert_int_equal(w.na, DT_WORDDIFF_MAX_RANGES);
	assert_int_equal(w.a[DT_WORDDIFF_MAX_RANGES - 1].end, a.len - 2);
	/* a line too long for the table falls back to prefix/suffix */
	dt_sb_reset(&a);
	dt_sb_reset(&b);
	for (i = 0; i < 3000; i++) {
		dt_sb_addf(&a, "w%zu ", i);
		dt_sb_addf(&b, "w%zu ", i % 7 ? i : i + 1);
	}
	dt_worddiff(a.buf, a.len, b.buf, b.len, &w);
	assert_false(w.words);
	assert_int_equal(w.na, 1);
	assert_int_equal(w.a[0].start, 0); /* "w0" differs */
	dt_sb_release(&a);
	dt_sb_release(&b);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/dt-proposal.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return dt_remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overlay_and_partial_accept),
		cmocka_unit_test(undecided_stays_and_persists),
		cmocka_unit_test(stale_is_never_merged),
		cmocka_unit_test(new_and_deleted_files),
		cmocka_unit_test(split_recount_reassemble),
		cmocka_unit_test(line_mode_and_edit),
		cmocka_unit_test(reverse_and_apply_buffer),
		cmocka_unit_test(undo_landings),
		cmocka_unit_test(intraline_ranges),
		cmocka_unit_test(worddiff_words),
		cmocka_unit_test(worddiff_utf8),
		cmocka_unit_test(worddiff_caps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
