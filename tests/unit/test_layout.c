/* The layout tree without curses: printed as text and compared, tiled
 * without holes or overlaps at every size, adjusted and remembered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "duoterm/ui/layout.h"
#include "duoterm/ui/pane.h"

static void check(int cols, int rows, int zoom, int front, int focus,
		  const struct dt_layout_prefs *prefs, const char *expect)
{
	struct dt_layout l;
	struct dt_sb sb = DT_SB_INIT;
	struct dt_layout_state st = {zoom, front, focus};

	dt_layout_compute(&l, cols, rows, &st, prefs);
	dt_layout_print(&l, &sb);
	if (strcmp(sb.buf, expect))
		print_error("got:\n%s\nexpected:\n%s\n", sb.buf, expect);
	assert_string_equal(sb.buf, expect);
	dt_sb_release(&sb);
}

static void wide_120x40(void **state)
{
	(void)state;
	check(120, 40, -1, DT_PANE_MRS, DT_PANE_PLAN, NULL,
	      "screen 120x40 wide\n"
	      "vbox screen                    y=0   x=0   h=40  w=120 max 1\n"
	      "  hbox body                    y=0   x=0   h=39  w=120 max 1\n"
	      "    vbox left                  y=0   x=0   h=39  w=36  max 30\n"
	      "      pane plan                y=0   x=0   h=13  w=36  max 35\n"
	      "      pane chat                y=13  x=0   h=26  w=36  max 65\n"
	      "    pane review                y=0   x=36  h=39  w=55  max 46\n"
	      "    vbox side                  y=0   x=91  h=39  w=29  max 24\n"
	      "      pane merge-requests      y=0   x=91  h=13  w=29  max 1\n"
	      "      pane issues              y=13  x=91  h=13  w=29  max 1\n"
	      "      pane pipelines           y=26  x=91  h=13  w=29  max 1\n"
	      "  status status                y=39  x=0   h=1   w=120 fixed 1\n");
}

static void narrow_80x24_tabs(void **state)
{
	(void)state;
	check(80, 24, -1, DT_PANE_PIPELINES, DT_PANE_PLAN, NULL,
	      "screen 80x24 narrow\n"
	      "vbox screen                    y=0   x=0   h=24  w=80  max 1\n"
	      "  hbox body                    y=0   x=0   h=23  w=80  max 1\n"
	      "    vbox narrow-left           y=0   x=0   h=23  w=32  max 40\n"
	      "      pane narrow-plan         y=0   x=0   h=8   w=32  max 35\n"
	      "      pane narrow-chat         y=8   x=0   h=15  w=32  max 65\n"
	      "    vbox narrow-right          y=0   x=32  h=23  w=48  max 60\n"
	      "      pane narrow-review       y=0   x=32  h=13  w=48  max 60\n"
	      "      tabs narrow-side         y=13  x=32  h=10  w=48  max 40 front=Pipelines\n"
	      "        pane merge-requests    hidden\n"
	      "        pane issues            hidden\n"
	      "        pane pipelines         y=13  x=32  h=10  w=48  max 1\n"
	      "  status status                y=23  x=0   h=1   w=80  fixed 1\n");
}

static void tiny_tabs_follow_focus(void **state)
{
	(void)state;
	check(50, 14, -1, DT_PANE_MRS, DT_PANE_CHAT, NULL,
	      "screen 50x14 tiny\n"
	      "vbox screen                    y=0   x=0   h=14  w=50  max 1\n"
	      "  tabs all                     y=0   x=0   h=13  w=50  max 1 front=Chat\n"
	      "    pane plan                  hidden\n"
	      "    pane review                hidden\n"
	      "    pane chat                  y=0   x=0   h=13  w=50  max 1\n"
	      "    pane merge-requests        hidden\n"
	      "    pane issues                hidden\n"
	      "    pane pipelines             hidden\n"
	      "  status status                y=13  x=0   h=1   w=50  fixed 1\n");
}

static void zoomed(void **state)
{
	(void)state;
	check(80, 24, DT_PANE_REVIEW, DT_PANE_MRS, DT_PANE_REVIEW, NULL,
	      "screen 80x24 zoom\n"
	      "vbox screen                    y=0   x=0   h=24  w=80  max 1\n"
	      "  pane zoomed                  y=0   x=0   h=23  w=80  max 1\n"
	      "  status status                y=23  x=0   h=1   w=80  fixed 1\n");
}

/* Too short for Plan's minimum next to Chat's: Plan goes, Chat stays. */
static void minimums_hide_by_priority(void **state)
{
	struct dt_layout l;
	struct dt_layout_state st = {-1, DT_PANE_MRS, DT_PANE_PLAN};

	(void)state;
	dt_layout_compute(&l, 120, 9, &st, NULL);
	assert_false(l.visible[DT_PANE_PLAN]);
	assert_true(l.visible[DT_PANE_CHAT]);
	assert_int_equal(l.rect[DT_PANE_CHAT].h, 8);
	/* the side panels stack while each keeps 3 rows, then fewer show */
	assert_false(l.visible[DT_PANE_PIPELINES]);
	assert_true(l.visible[DT_PANE_MRS]);
	dt_layout_compute(&l, 120, 2, &st, NULL);
	assert_int_equal(l.status.y, 1);
	dt_layout_compute(&l, 120, 1, &st, NULL);
	assert_int_equal(l.status.y, 0);
	assert_int_equal(l.status.h, 1);
}

/* Every visible pane lies inside the screen and no two overlap; with the
 * status bar they cover it all. */
static void check_tiling(int cols, int rows, int zoom, enum dt_pane_id focus)
{
	static unsigned char cell[100][300];
	struct dt_layout l;
	struct dt_layout_state st = {zoom, dt_pane_is_side(focus) ? focus : DT_PANE_ISSUES, focus};
	int covered = 0;

	dt_layout_compute(&l, cols, rows, &st, NULL);
	memset(cell, 0, sizeof(cell));
	for (int p = 0; p <= DT_PANE_COUNT; p++) {
		struct dt_rect r = p < DT_PANE_COUNT ? l.rect[p] : l.status;

		if (p < DT_PANE_COUNT && !l.visible[p])
			continue;
		assert_true(r.y >= 0 && r.x >= 0 && r.y + r.h <= rows && r.x + r.w <= cols);
		for (int y = r.y; y < r.y + r.h; y++)
			for (int x = r.x; x < r.x + r.w; x++) {
				assert_int_equal(cell[y][x], 0);
				cell[y][x] = 1;
				covered++;
			}
	}
	assert_int_equal(covered, cols * rows);
	assert_true(l.visible[focus] || zoom >= 0 || rows < 12);
}

static void tiles_everywhere(void **state)
{
	(void)state;
	for (int cols = 20; cols <= 300; cols += 3)
		for (int rows = 4; rows <= 100; rows += 4) {
			check_tiling(cols, rows, -1, DT_PANE_PLAN);
			check_tiling(cols, rows, -1, DT_PANE_PIPELINES);
			check_tiling(cols, rows, DT_PANE_CHAT, DT_PANE_CHAT);
		}
	check_tiling(300, 100, -1, DT_PANE_CHAT);
	check_tiling(80, 24, -1, DT_PANE_REVIEW);
	check_tiling(109, 30, -1, DT_PANE_ISSUES);
	check_tiling(110, 30, -1, DT_PANE_ISSUES);
}

static void adjust_and_remember(void **state)
{
	struct dt_layout l;
	struct dt_layout_state st = {-1, DT_PANE_MRS, DT_PANE_REVIEW};
	struct dt_layout_prefs prefs = {0}, back = {0};
	struct dt_sb json = DT_SB_INIT;
	int w0;

	(void)state;
	dt_layout_compute(&l, 120, 40, &st, &prefs);
	w0 = l.rect[DT_PANE_REVIEW].w;
	assert_true(dt_layout_adjust(&l, &prefs, DT_PANE_REVIEW, 1, 5));
	dt_layout_compute(&l, 120, 40, &st, &prefs);
	assert_int_equal(l.rect[DT_PANE_REVIEW].w, w0 + 6);
	/* Chat taller: the Plan/Chat split moves, the columns do not */
	assert_true(dt_layout_adjust(&l, &prefs, DT_PANE_CHAT, 0, 10));
	dt_layout_compute(&l, 120, 40, &st, &prefs);
	assert_int_equal(l.rect[DT_PANE_CHAT].h, 30);
	assert_int_equal(l.rect[DT_PANE_REVIEW].w, w0 + 6);
	/* Review spans the whole height: no vertical split to move */
	assert_false(dt_layout_adjust(&l, &prefs, DT_PANE_REVIEW, 0, 5));
	/* a weight never passes 90% */
	for (int i = 0; i < 30; i++)
		dt_layout_adjust(&l, &prefs, DT_PANE_CHAT, 0, 5);
	dt_layout_compute(&l, 120, 40, &st, &prefs);
	assert_true(l.visible[DT_PANE_PLAN]);

	dt_layout_prefs_to_json(&prefs, &json);
	dt_layout_prefs_from_json(&back, json.buf);
	assert_int_equal(back.n, prefs.n);
	for (int i = 0; i < prefs.n; i++) {
		assert_string_equal(back.w[i].name, prefs.w[i].name);
		assert_int_equal(back.w[i].weight, prefs.w[i].weight);
	}
	dt_layout_prefs_from_json(&back, "{\"splits\": {\"left\": \"x\", \"huge\": 1e9}}");
	assert_int_equal(back.n, 0);
	dt_layout_prefs_from_json(&back, "not json");
	assert_int_equal(back.n, 0);
	dt_sb_release(&json);
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
		cmocka_unit_test(tiny_tabs_follow_focus),
		cmocka_unit_test(zoomed),
		cmocka_unit_test(minimums_hide_by_priority),
		cmocka_unit_test(tiles_everywhere),
		cmocka_unit_test(adjust_and_remember),
		cmocka_unit_test(wrap_words),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
