/*
 * The screen layout as a tree of windows (neomutt's mutt_window): boxes that
 * stack their children vertically or side by side, and leaves that are
 * panes or the status bar.  Along its parent's axis each window is
 *   FIXED     exactly `size` cells (the status bar: 1 row),
 *   MINIMISE  just its minimum,
 *   MAXIMISE  a share of what is left, by `size` as a weight;
 * and never less than `min` cells: a window that cannot get its minimum is
 * hidden and its share goes to its siblings (lowest `prio` goes first).
 *
 * The tree's shape follows the terminal:
 *   wide   (>= DT_LAYOUT_WIDE cols): Plan over Chat | Review | the three
 *          side panels stacked;
 *   narrow (>= DT_LAYOUT_NARROW):    Plan over Chat | Review over the side
 *          panels folded into one tabbed window (the front one shows);
 *   tiny:                            one tabbed window of all six panes,
 *          the focused one in front;
 *   zoom:                            the zoomed pane alone.
 * The status bar is the last row in every shape.
 *
 * Split sizes are weights kept in struct dt_layout_prefs by window name and
 * adjusted from the keyboard (dt_layout_adjust); the app saves them in
 * $XDG_STATE_HOME/duoterm/ui.json.  No curses here: the maths is tested by
 * printing the tree (dt_layout_print) and comparing text.
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

enum dt_win_type { DT_WIN_VBOX, DT_WIN_HBOX, DT_WIN_TABS, DT_WIN_PANE, DT_WIN_STATUS };
enum dt_win_size { DT_SIZE_FIXED, DT_SIZE_MINIMISE, DT_SIZE_MAXIMISE };

#define DT_LAYOUT_MAX_WINS 24
#define DT_LAYOUT_MAX_KIDS 8

struct dt_win {
	const char *name;
	enum dt_win_type type;
	enum dt_win_size sizing;
	int size, min, prio;
	int pane;               /* DT_WIN_PANE: the pane; DT_WIN_TABS: the front pane */
	int parent, nr_kids, kids[DT_LAYOUT_MAX_KIDS];
	int visible;
	struct dt_rect r;
};

/* Weights the user changed, by window name (a few dozen bytes). */
#define DT_LAYOUT_MAX_PREFS 16
struct dt_layout_prefs {
	int n;
	struct {
		char name[24];
		int weight;
	} w[DT_LAYOUT_MAX_PREFS];
};

struct dt_layout_state {
	int zoomed;     /* a pane id, or -1 */
	int side_front; /* the side panel in front when they are tabbed */
	int focus;      /* the focused pane (in front in the tiny shape) */
};

struct dt_layout {
	struct dt_win win[DT_LAYOUT_MAX_WINS];
	int nr_wins;
	const char *shape; /* "wide", "narrow", "tiny", "zoom" */
	/* the result, by pane */
	struct dt_rect rect[DT_PANE_COUNT];
	int visible[DT_PANE_COUNT];
	int tabs[DT_PANE_COUNT]; /* the pane shares its window with others (tabs) */
	struct dt_rect status;
	int cols, rows;
};

#define DT_LAYOUT_WIDE 110
#define DT_LAYOUT_NARROW 64

/* Builds the tree for the size and state, with prefs' weights, and reflows. */
void dt_layout_compute(struct dt_layout *l, int cols, int rows, const struct dt_layout_state *st,
		       const struct dt_layout_prefs *prefs);
/* The tree as text, one window a line, indented by depth. */
void dt_layout_print(const struct dt_layout *l, struct dt_sb *out);

/* Grows (delta > 0) or shrinks the split of pane along an axis (horizontal:
 * width) in prefs, taking from or giving to the neighbour; 1 if something
 * changed.  Weights are percentages of the box, kept within 10..90. */
int dt_layout_adjust(const struct dt_layout *l, struct dt_layout_prefs *prefs, int pane,
		     int horizontal, int delta);
/* prefs <-> {"splits": {"left": 30, ...}} JSON text; loading ignores what
 * it does not know. */
void dt_layout_prefs_to_json(const struct dt_layout_prefs *prefs, struct dt_sb *out);
void dt_layout_prefs_from_json(struct dt_layout_prefs *prefs, const char *text);

const char *dt_pane_name(enum dt_pane_id id);
int dt_pane_is_side(enum dt_pane_id id);

#endif
