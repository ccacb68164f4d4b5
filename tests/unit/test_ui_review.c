/* Unit tests: the Review pane's pure pieces — display lines (headers,
 * numbers, intra-line pairs, deletions, mode changes), drawing text with
 * tabs and control characters, the hunk-header shift used by discards, and
 * the default keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

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

static void default_keys(void **state)
{
	(void)state;
	assert_int_equal(dt_rv_command('y'), DT_RV_ACCEPT);
	assert_int_equal(dt_rv_command('n'), DT_RV_REJECT);
	assert_int_equal(dt_rv_command('Y'), DT_RV_ACCEPT_FILE);
	assert_int_equal(dt_rv_command('N'), DT_RV_REJECT_FILE);
	assert_int_equal(dt_rv_command('s'), DT_RV_SPLIT);
	assert_int_equal(dt_rv_command('e'), DT_RV_EDIT);
	assert_int_equal(dt_rv_command('u'), DT_RV_UNDO);
	assert_int_equal(dt_rv_command('v'), DT_RV_LINES);
	assert_int_equal(dt_rv_command('d'), DT_RV_DISCARD);
	assert_int_equal(dt_rv_command('J'), DT_RV_NEXT_HUNK);
	assert_int_equal(dt_rv_command('K'), DT_RV_PREV_HUNK);
	assert_int_equal(dt_rv_command('j'), DT_RV_NONE); /* j/k scroll (move-down/up) */
	assert_int_equal(dt_rv_command('q'), DT_RV_NONE); /* q stays quit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_of_two_hunks),
		cmocka_unit_test(lines_of_deletion_and_mode),
		cmocka_unit_test(expand_tabs_and_controls),
		cmocka_unit_test(shift_headers),
		cmocka_unit_test(default_keys),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
