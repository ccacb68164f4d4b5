/* Layout maths without curses: the tree printed as text, compared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "duoterm/ui/layout.h"
#include "duoterm/ui/pane.h"

static void check(int cols, int rows, int zoom, int front, const char *expect)
{
	struct dt_layout l;
	struct dt_sb sb = DT_SB_INIT;

	dt_layout_compute(&l, cols, rows, zoom, front, 30);
	dt_layout_print(&l, &sb);
	if (strcmp(sb.buf, expect))
		print_error("got:\n%s\nexpected:\n%s\n", sb.buf, expect);
	assert_string_equal(sb.buf, expect);
	dt_sb_release(&sb);
}

/* Every visible pane lies inside the screen and no two overlap. */
static void check_tiling(int cols, int rows, int zoom)
{
	struct dt_layout l;
	static unsigned char cell[400][400];
	int covered = 0;

	dt_layout_compute(&l, cols, rows, zoom, DT_PANE_ISSUES, 30);
	memset(cell, 0, sizeof(cell));
	for (int p = 0; p < DT_PANE_COUNT; p++) {
		struct dt_rect r = l.rect[p];

		if (!l.visible[p])
			continue;
		assert_true(r.y >= 0 && r.x >= 0 && r.y + r.h <= rows - 1 && r.x + r.w <= cols);
		for (int y = r.y; y < r.y + r.h; y++)
			for (int x = r.x; x < r.x + r.w; x++) {
				assert_int_equal(cell[y][x], 0);
				cell[y][x] = 1;
				covered++;
			}
	}
	assert_int_equal(covered, cols * (rows - 1)); /* no holes */
}

static void wide_120x40(void **state)
{
	(void)state;
	check(120, 40, -1, DT_PANE_MRS,
	      "screen 120x40\n"
	      "Plan            y=0   x=0   h=13  w=36\n"
	      "Review          y=0   x=36  h=39  w=58\n"
	      "Chat            y=13  x=0   h=26  w=36\n"
	      "Merge requests  y=0   x=94  h=13  w=26\n"
	      "Issues          y=13  x=94  h=13  w=26\n"
	      "Pipelines       y=26  x=94  h=13  w=26\n"
	      "status          y=39  x=0   h=1   w=120\n");
}

static void narrow_80x24_tabs(void **state)
{
	(void)state;
	check(80, 24, -1, DT_PANE_PIPELINES,
	      "screen 80x24 tabbed\n"
	      "Plan            y=0   x=0   h=8   w=24\n"
	      "Review          y=0   x=24  h=13  w=56\n"
	      "Chat            y=8   x=0   h=15  w=24\n"
	      "Pipelines       y=13  x=24  h=10  w=56\n"
	      "status          y=23  x=0   h=1   w=80\n");
}

static void zoomed(void **state)
{
	(void)state;
	check(80, 24, DT_PANE_REVIEW, DT_PANE_MRS,
	      "screen 80x24\n"
	      "Review          y=0   x=0   h=23  w=80\n"
	      "status          y=23  x=0   h=1   w=80\n");
}

static void tiles_everywhere(void **state)
{
	(void)state;
	for (int cols = 40; cols <= 300; cols += 7)
		for (int rows = 10; rows <= 100; rows += 5) {
			check_tiling(cols, rows, -1);
			check_tiling(cols, rows, DT_PANE_CHAT);
		}
	check_tiling(300, 100, -1);
	check_tiling(80, 24, -1);
}

static void collect(void *ud, const char *s, size_t n)
{
	dt_sb_add(ud, s, n);
	dt_sb_addc(ud, '|');
}

static void wrap_words(void **state)
{
	struct dt_sb sb = DT_SB_INIT;

	(void)state;
	assert_int_equal(dt_wrap("Give the agent a goal in Chat (3);\nits plan", 12, collect, &sb), 4);
	assert_string_equal(sb.buf, "Give the|agent a goal|in Chat (3);|its plan|");
	dt_sb_reset(&sb);
	/* a word longer than the width is cut, a wide character is not split */
	dt_wrap("abcdefghij 日本語です", 4, collect, &sb);
	assert_string_equal(sb.buf, "abcd|efgh|ij|日本|語で|す|");
	dt_sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wide_120x40),
		cmocka_unit_test(narrow_80x24_tabs),
		cmocka_unit_test(zoomed),
		cmocka_unit_test(tiles_everywhere),
		cmocka_unit_test(wrap_words),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
