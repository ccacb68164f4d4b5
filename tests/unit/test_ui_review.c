/* Unit tests: the Review pane's pure pieces — display lines (headers,
 * numbers, intra-line pairs, deletions, mode changes), drawing text with
 * tabs and control characters, the hunk-header shift used by discards, the
 * default keys, and unloading the hunks of files far from the cursor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/proc.h"
#include "duoterm/git/diff.h"
#include "duoterm/git/repo.h"
#include "duoterm/git/review.h"
#include "duoterm/ui/panel_review.h"

static const char two_hunks[] =
	"diff --git a/f b/f\n"
	"index 1111111..2222222 100644\n"
	"--- a/f\n"
	"+++ b/f\n"
	"@@ -1,3 +1,3 @@ ctx\n"
	" a\n"
	"-b old\n"
	"+b new\n"
	" c\n"
	"@@ -10,2 +10,3 @@\n"
	" j\n"
	"+k\n"
	"+l\n"
	"-m\n";

static void lines_of_two_hunks(void **state)
{
	struct dt_fpatch fp = DT_FPATCH_INIT;
	struct dt_sb err = DT_SB_INIT;
	struct dt_rv_line *l;
	size_t n;

	(void)state;
	assert_int_equal(dt_fpatch_parse(&fp, two_hunks, strlen(two_hunks), &err), 0);
	n = dt_rv_build_lines(&fp, &l);
	assert_int_equal(n, 10); /* 2 headers, 4 + 4 body lines */
	assert_int_equal(l[0].kind, DT_RV_LINE_HEADER);
	assert_int_equal(l[0].hunk, 0);
	assert_int_equal(l[2].origin, '-');
	assert_int_equal(l[2].old_no, 2);
	assert_int_equal(l[2].new_no, 0);
	assert_int_equal(l[3].origin, '+');
	assert_int_equal(l[3].new_no, 2);
	assert_int_equal(l[2].pair, 3); /* one '-' then one '+': paired */
	assert_int_equal(l[3].pair, 2);
	assert_memory_equal(fp.plain.buf + l[3].pos, "b new", l[3].len);
	assert_int_equal(l[4].old_no, 3);
	assert_int_equal(l[4].new_no, 3);
	assert_int_equal(l[5].kind, DT_RV_LINE_HEADER);
	assert_int_equal(l[5].hunk, 1);
	assert_int_equal(l[6].body, 0);
	assert_int_equal(l[7].body, 1);
	/* two '+' before one '-': not a run to pair */
	assert_int_equal(l[7].pair, -1);
	assert_int_equal(l[9].origin, '-');
	assert_int_equal(l[9].pair, -1);
	assert_int_equal(l[9].old_no, 11);
	free(l);
	dt_fpatch_release(&fp);
	dt_sb_release(&err);
}

static void lines_of_deletion_and_mode(void **state)
{
	static const char del[] = "diff --git a/g b/g\n"
				  "deleted file mode 100644\n"
				  "index 3333333..0000000\n"
				  "--- a/g\n"
				  "+++ /dev/null\n"
				  "@@ -1,2 +0,0 @@\n"
				  "-x\n"
				  "-y\n";
	static const char mode[] = "diff --git a/s b/s\n"
				   "old mode 100644\n"
				   "new mode 100755\n"
				   "index 4444444..5555555\n"
				   "--- a/s\n"
				   "+++ b/s\n"
				   "@@ -1 +1 @@\n"
				   "-p\n"
				   "+q\n";
	struct dt_fpatch fp = DT_FPATCH_INIT;
	struct dt_sb err = DT_SB_INIT;
	struct dt_rv_line *l;
	size_t n;

	(void)state;
	assert_int_equal(dt_fpatch_parse(&fp, del, strlen(del), &err), 0);
	n = dt_rv_build_lines(&fp, &l);
	assert_int_equal(n, 3); /* the @@ line found in the header, then two lines */
	assert_int_equal(l[0].kind, DT_RV_LINE_HEADER);
	assert_int_equal(l[1].origin, '-');
	assert_int_equal(l[1].old_no, 1);
	assert_int_equal(l[2].old_no, 2);
	free(l);
	dt_fpatch_release(&fp);

	assert_int_equal(dt_fpatch_parse(&fp, mode, strlen(mode), &err), 0);
	n = dt_rv_build_lines(&fp, &l);
	assert_int_equal(n, 4);
	assert_int_equal(l[0].kind, DT_RV_LINE_META);
	assert_memory_equal(fp.plain.buf + l[0].pos, "old mode 100644", 15);
	assert_int_equal(l[1].kind, DT_RV_LINE_HEADER);
	assert_int_equal(l[1].hunk, 1);
	assert_int_equal(l[2].pair, 3);
	free(l);
	dt_fpatch_release(&fp);
	dt_sb_release(&err);
}

/* Runs of unequal length pair each '-' with the next '+' like it; a
 * "\ No newline" line between the sides is not a partner. */
static void lines_pair_unequal_runs(void **state)
{
	static const char text[] = "diff --git a/f b/f\n"
				   "index 1111111..2222222 100644\n"
				   "--- a/f\n"
				   "+++ b/f\n"
				   "@@ -1,3 +1,3 @@\n"
				   "-\tint count = 1;\n"
				   "-\tgone();\n"
				   "+\tint count = 2;\n"
				   " x\n"
				   "-\tcall(a, b);\n"
				   "+\tnew_thing();\n"
				   "+\tcall(a, c);\n"
				   " y\n"
				   "-last one\n"
				   "\\ No newline at end of file\n"
				   "+last two\n"
				   "\\ No newline at end of file\n";
	struct dt_fpatch fp = DT_FPATCH_INIT;
	struct dt_sb err = DT_SB_INIT;
	struct dt_rv_line *l;
	size_t n;

	(void)state;
	assert_int_equal(dt_fpatch_parse(&fp, text, strlen(text), &err), 0);
	n = dt_rv_build_lines(&fp, &l);
	assert_int_equal(n, 13);
	assert_int_equal(l[1].pair, 3); /* "int count" with "int count" */
	assert_int_equal(l[3].pair, 1);
	assert_int_equal(l[2].pair, -1); /* gone() has no partner */
	assert_int_equal(l[5].pair, 7);  /* call(a, b) skips new_thing() */
	assert_int_equal(l[6].pair, -1);
	assert_int_equal(l[7].pair, 5);
	assert_int_equal(l[10].origin, '\\');
	assert_int_equal(l[9].pair, 11);
	assert_int_equal(l[11].pair, 9);
	assert_int_equal(l[10].pair, -1);
	free(l);
	dt_fpatch_release(&fp);
	dt_sb_release(&err);
}

/* A merge request's diffs from GitLab become read-only files with hunks:
 * modified, new, deleted, renamed, and one GitLab sent no diff for. */
static void mr_diffs(void **state)
{
	static const char json[] =
		"[{\"old_path\":\"src/a.c\",\"new_path\":\"src/a.c\",\"new_file\":false,"
		"\"deleted_file\":false,\"renamed_file\":false,\"diff\":\"@@ -1,3 +1,3 @@\\n a\\n-b old\\n"
		"+b new\\n c\\n@@ -10,2 +10,3 @@ f()\\n j\\n+k\\n l\\n\"},"
		"{\"old_path\":\"n.txt\",\"new_path\":\"n.txt\",\"new_file\":true,\"diff\":"
		"\"@@ -0,0 +1,2 @@\\n+x\\n+y\\n\"},"
		"{\"old_path\":\"gone.txt\",\"new_path\":\"gone.txt\",\"deleted_file\":true,\"diff\":"
		"\"@@ -1 +0,0 @@\\n-z\\n\"},"
		"{\"old_path\":\"old/r.md\",\"new_path\":\"new/r.md\",\"renamed_file\":true,\"diff\":"
		"\"@@ -1 +1 @@\\n-t\\n+T\"},"
		"{\"old_path\":\"logo.png\",\"new_path\":\"logo.png\",\"diff\":\"\"}]";
	struct dt_diff *d = NULL;
	struct dt_diff_file *f;
	struct dt_sb err = DT_SB_INIT;
	struct dt_rv_line *l;

	(void)state;
	assert_int_equal(dt_rv_mr_diff(json, strlen(json), &d, &err), 0);
	assert_int_equal(dt_diff_nr(d), 5);
	assert_int_equal(dt_diff_source(d), DT_DIFF_TEXTS);
	f = dt_diff_file(d, 0);
	assert_int_equal(f->status, 'M');
	assert_int_equal(dt_diff_load(d, 0, &err), 0);
	assert_int_equal(f->patch.nr, 2);
	assert_int_equal(f->adds, 2);
	assert_int_equal(f->dels, 1);
	assert_int_equal(dt_rv_build_lines(&f->patch, &l), 9);
	assert_int_equal(l[2].pair, 3); /* word highlighting works here too */
	free(l);
	f = dt_diff_file(d, 1);
	assert_int_equal(f->status, 'A');
	assert_int_equal(dt_diff_load(d, 1, &err), 0);
	assert_true(f->patch.added);
	assert_int_equal(f->adds, 2);
	f = dt_diff_file(d, 2);
	assert_int_equal(f->status, 'D');
	assert_int_equal(dt_diff_load(d, 2, &err), 0);
	assert_true(f->patch.deleted);
	assert_int_equal(f->dels, 1);
	f = dt_diff_file(d, 3);
	assert_int_equal(f->status, 'R');
	assert_string_equal(f->old_path, "old/r.md");
	assert_string_equal(f->path, "new/r.md");
	assert_int_equal(dt_diff_load(d, 3, &err), 0); /* no final newline from GitLab */
	assert_int_equal(f->adds, 1);
	f = dt_diff_file(d, 4);
	assert_int_equal(dt_diff_load(d, 4, &err), 0);
	assert_int_equal(f->patch.nr, 0);
	assert_non_null(strstr(f->summary, "no diff from GitLab"));
	dt_diff_free(d);
	/* not a list of diffs: an error, no diff */
	assert_int_equal(dt_rv_mr_diff("{\"message\":\"404\"}", 17, &d, &err), -1);
	assert_null(d);
	assert_true(err.len > 0);
	dt_sb_release(&err);
}

static void expand_tabs_and_controls(void **state)
{
	struct dt_sb sb = DT_SB_INIT;
	int col = 0;

	(void)state;
	dt_rv_expand(&sb, "a\tb", 3, &col);
	assert_string_equal(sb.buf, "a       b");
	assert_int_equal(col, 9);
	/* a second piece continues from the column reached */
	dt_rv_expand(&sb, "\tc", 2, &col);
	assert_string_equal(sb.buf, "a       b       c");
	dt_sb_reset(&sb);
	col = 0;
	dt_rv_expand(&sb, "x\x1by\r", 4, &col);
	assert_string_equal(sb.buf, "x\xef\xbf\xbdy\xef\xbf\xbd");
	assert_int_equal(col, 4);
	dt_sb_reset(&sb);
	col = 0;
	dt_rv_expand(&sb, "\xe6\x97\xa5\xff", 4, &col); /* a wide character, a bad byte */
	assert_string_equal(sb.buf, "\xe6\x97\xa5\xef\xbf\xbd");
	assert_int_equal(col, 3);
	dt_sb_release(&sb);
}

static void shift_headers(void **state)
{
	static const char p[] = "diff --git a/f b/f\n--- a/f\n+++ b/f\n"
				"@@ -19,7 +19,7 @@ line 16\n x\n-y\n+z\n"
				"@@ -30 +30,2 @@\n q\n+r\n";
	struct dt_sb out = DT_SB_INIT;

	(void)state;
	assert_int_equal(dt_rv_shift_patch(p, strlen(p), -2, &out), 0);
	assert_string_equal(out.buf, "diff --git a/f b/f\n--- a/f\n+++ b/f\n"
				     "@@ -17,7 +17,7 @@ line 16\n x\n-y\n+z\n"
				     "@@ -28 +28,2 @@\n q\n+r\n");
	dt_sb_reset(&out);
	assert_int_equal(dt_rv_shift_patch(p, strlen(p), 0, &out), 0);
	assert_string_equal(out.buf, p);
	dt_sb_reset(&out);
	assert_int_equal(dt_rv_shift_patch(p, strlen(p), -19, &out), -1);
	dt_sb_reset(&out);
	/* an empty side (a new or deleted file) stays 0 */
	assert_int_equal(dt_rv_shift_patch("@@ -0,0 +1,2 @@\n+a\n+b\n", 22, 5, &out), 0);
	assert_string_equal(out.buf, "@@ -0,0 +6,2 @@\n+a\n+b\n");
	dt_sb_release(&out);
}

/* The review-* actions' default keys (context Review) and their commands. */
static enum dt_rv_cmd key_cmd(const struct dt_keymap *km, dt_key k)
{
	return dt_rv_command(dt_keymap_lookup(km, DT_CTX_REVIEW, k));
}

static void default_keys(void **state)
{
	struct dt_keymap km;
	dt_key q;

	(void)state;
	dt_keymap_init(&km);
	assert_int_equal(key_cmd(&km, 'y'), DT_RV_ACCEPT);
	assert_int_equal(key_cmd(&km, 'n'), DT_RV_REJECT);
	assert_int_equal(key_cmd(&km, 'Y'), DT_RV_ACCEPT_FILE);
	assert_int_equal(key_cmd(&km, 'N'), DT_RV_REJECT_FILE);
	assert_int_equal(key_cmd(&km, 's'), DT_RV_SPLIT);
	assert_int_equal(key_cmd(&km, 'e'), DT_RV_EDIT);
	assert_int_equal(key_cmd(&km, 'u'), DT_RV_UNDO);
	assert_int_equal(key_cmd(&km, 'v'), DT_RV_LINES);
	assert_int_equal(key_cmd(&km, 'd'), DT_RV_DISCARD);
	assert_int_equal(key_cmd(&km, 'J'), DT_RV_NEXT_HUNK);
	assert_int_equal(key_cmd(&km, 'K'), DT_RV_PREV_HUNK);
	assert_int_equal(key_cmd(&km, '>'), DT_RV_SOURCE_NEXT);
	assert_int_equal(key_cmd(&km, '<'), DT_RV_SOURCE_PREV);
	assert_int_equal(key_cmd(&km, 'r'), DT_RV_RELOAD);
	/* j/k scroll (move-down/up answer in Review too); q stays quit */
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_REVIEW, 'j'), DT_ACT_DOWN);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_REVIEW, DT_KEY_PGDN), DT_ACT_PAGE_DOWN);
	assert_int_equal(key_cmd(&km, 'q'), DT_RV_NONE);
	assert_int_equal(dt_rv_command(DT_ACT_SEARCH_NEXT), DT_RV_NONE);
	/* rebindable: review-accept on a, then y does nothing here */
	q = 'a';
	dt_keymap_bind(&km, DT_ACT_REVIEW_ACCEPT, &q, 1);
	assert_int_equal(key_cmd(&km, 'a'), DT_RV_ACCEPT);
	assert_int_equal(key_cmd(&km, 'y'), DT_RV_NONE);
	dt_keymap_release(&km);
}

/* The pane frees the hunks of files far from its cursor: a file with a
 * decision (or a split) keeps them, a pristine one loads the same again. */
static void unload_far_files(void **state)
{
	char root[64] = "/tmp/dt-rv-unload.XXXXXX", cmd[512];
	struct dt_sb err = DT_SB_INIT;
	struct dt_repo *repo = NULL;
	struct dt_review *r = NULL;
	struct dt_diff *d;
	struct dt_diff_file *f;
	size_t file, hunk, nr;

	(void)state;
	if (system("git --version >/dev/null 2>&1"))
		skip();
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null && "
		 "git init -q && for i in 1 2 3; do seq 1 40 > f$i; done && git add . && "
		 "git -c user.name=t -c user.email=t@t commit -qm base && "
		 "for i in 1 2 3; do sed -i 's/^5$/five/; s/^30$/thirty/' f$i; done", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(dt_repo_open(&repo, root, &err), 0);
	assert_int_equal(dt_review_open(&r, repo, DT_REVIEW_STAGE, NULL, &err), 0);
	d = dt_review_diff(r);
	assert_int_equal(dt_diff_nr(d), 3);
	assert_int_equal(dt_review_cursor(r, &file, &hunk), 0);
	assert_int_equal(file, 0);
	assert_int_equal(dt_review_key(r, 'n', &err), 0); /* f1: hunk 1 skipped */
	f = dt_diff_file(d, 0);
	assert_int_equal(dt_diff_unload(d, 0), 0); /* a decision: kept */
	assert_true(f->loaded);
	/* f2, never shown: loads, unloads keeping its counts, loads the same */
	assert_int_equal(dt_diff_load(d, 1, &err), 0);
	f = dt_diff_file(d, 1);
	nr = f->patch.nr;
	assert_int_equal(nr, 2);
	assert_int_equal(dt_diff_unload(d, 1), 1);
	assert_false(f->loaded);
	assert_true(f->counted);
	assert_int_equal(f->adds, 2);
	assert_int_equal(f->patch.nr, 0);
	assert_int_equal(dt_diff_load(d, 1, &err), 0);
	assert_int_equal(f->patch.nr, nr);
	/* a split file is not pristine */
	assert_int_equal(dt_diff_load(d, 2, &err), 0);
	f = dt_diff_file(d, 2);
	f->patch.nr = 1; /* as if hunks had been merged or split */
	assert_int_equal(dt_diff_unload(d, 2), 0);
	f->patch.nr = 2;
	/* undo reaches back into f1's kept hunks */
	assert_int_equal(dt_review_undo(r, &err), 0);
	assert_int_equal(dt_review_cursor(r, &file, &hunk), 0);
	assert_int_equal(file, 0);
	assert_int_equal(hunk, 0);
	dt_review_free(r);
	dt_repo_free(repo);
	dt_sb_release(&err);
	assert_int_equal(dt_remove_tree(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_of_two_hunks),
		cmocka_unit_test(lines_of_deletion_and_mode),
		cmocka_unit_test(lines_pair_unequal_runs),
		cmocka_unit_test(mr_diffs),
		cmocka_unit_test(expand_tabs_and_controls),
		cmocka_unit_test(shift_headers),
		cmocka_unit_test(default_keys),
		cmocka_unit_test(unload_far_files),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
