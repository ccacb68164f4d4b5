/*
 * Screen layout as pure arithmetic: given the terminal size, which pane is
 * zoomed and which side panel is in front, compute every pane's rectangle.
 * No curses here, so the maths is tested by printing the result as text.
 *
 * Wide (>= 110 columns): three columns — Plan over Chat | Review | the three
 * side panels stacked.  Narrower: two columns — Plan over Chat | Review over
 * the side panels folded into one tabbed pane.  Zoom gives one pane the whole
 * screen above the status bar.
 */
#ifndef DUOTERM_UI_LAYOUT_H
#define DUOTERM_UI_LAYOUT_H

#include "duoterm/core/strbuf.h"

enum dt_pane_id {
	DT_PANE_PLAN,
	DT_PANE_REVIEW,
	DT_PANE_CHAT,
	DT_PANE_MRS,
	DT_PANE_ISSUES,
	DT_PANE_PIPELINES,
	DT_PANE_COUNT
};

struct dt_rect {
	int y, x, h, w;
};

struct dt_layout {
	struct dt_rect rect[DT_PANE_COUNT];
	int visible[DT_PANE_COUNT];
	int tabbed;     /* side panels share one rectangle */
	struct dt_rect status;
	int cols, rows;
};

#define DT_LAYOUT_WIDE 110
#define DT_LAYOUT_MIN_COLS 40
#define DT_LAYOUT_MIN_ROWS 10

/* left_pct: share of the width for the Plan/Chat column (15..60). */
void dt_layout_compute(struct dt_layout *l, int cols, int rows, int zoomed, int side_front,
		       int left_pct);
void dt_layout_print(const struct dt_layout *l, struct dt_sb *out);
const char *dt_pane_name(enum dt_pane_id id);
int dt_pane_is_side(enum dt_pane_id id);

#endif
