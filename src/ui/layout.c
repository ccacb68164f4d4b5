#include "duoterm/ui/layout.h"

static const char *const pane_names[DT_PANE_COUNT] = {
	"Plan", "Review", "Chat", "Merge requests", "Issues", "Pipelines",
};

const char *dt_pane_name(enum dt_pane_id id)
{
	return id < DT_PANE_COUNT ? pane_names[id] : "?";
}

int dt_pane_is_side(enum dt_pane_id id)
{
	return id == DT_PANE_MRS || id == DT_PANE_ISSUES || id == DT_PANE_PIPELINES;
}

static struct dt_rect rect(int y, int x, int h, int w)
{
	return (struct dt_rect){y, x, h < 0 ? 0 : h, w < 0 ? 0 : w};
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void stack_side(struct dt_layout *l, int y, int x, int h, int w)
{
	int a = h / 3, b = h / 3, c = h - a - b;

	l->rect[DT_PANE_MRS] = rect(y, x, a, w);
	l->rect[DT_PANE_ISSUES] = rect(y + a, x, b, w);
	l->rect[DT_PANE_PIPELINES] = rect(y + a + b, x, c, w);
	for (int p = DT_PANE_MRS; p <= DT_PANE_PIPELINES; p++)
		l->visible[p] = 1;
}

void dt_layout_compute(struct dt_layout *l, int cols, int rows, int zoomed, int side_front,
		       int left_pct)
{
	int body = rows - 1, left, plan_h, rest;

	*l = (struct dt_layout){0};
	l->cols = cols;
	l->rows = rows;
	l->status = rect(rows - 1, 0, 1, cols);
	if (body < 1)
		return;
	if (zoomed >= 0 && zoomed < DT_PANE_COUNT) {
		l->rect[zoomed] = rect(0, 0, body, cols);
		l->visible[zoomed] = 1;
		return;
	}
	left_pct = clampi(left_pct, 15, 60);
	left = clampi(cols * left_pct / 100, 20, cols / 2);
	plan_h = clampi(body * 35 / 100, 4, body - 4);
	l->rect[DT_PANE_PLAN] = rect(0, 0, plan_h, left);
	l->rect[DT_PANE_CHAT] = rect(plan_h, 0, body - plan_h, left);
	l->visible[DT_PANE_PLAN] = l->visible[DT_PANE_CHAT] = 1;
	rest = cols - left;
	if (cols >= DT_LAYOUT_WIDE) {
		int side = clampi(rest * 32 / 100, 24, rest / 2);

		l->rect[DT_PANE_REVIEW] = rect(0, left, body, rest - side);
		l->visible[DT_PANE_REVIEW] = 1;
		stack_side(l, 0, left + rest - side, body, side);
		return;
	}
	/* narrow: Review over a tabbed side pane */
	{
		int rev_h = clampi(body * 60 / 100, 3, body - 3);

		if (!dt_pane_is_side((enum dt_pane_id)side_front))
			side_front = DT_PANE_MRS;
		l->tabbed = 1;
		l->rect[DT_PANE_REVIEW] = rect(0, left, rev_h, rest);
		l->visible[DT_PANE_REVIEW] = 1;
		l->rect[side_front] = rect(rev_h, left, body - rev_h, rest);
		l->visible[side_front] = 1;
	}
}

void dt_layout_print(const struct dt_layout *l, struct dt_sb *out)
{
	dt_sb_addf(out, "screen %dx%d%s\n", l->cols, l->rows, l->tabbed ? " tabbed" : "");
	for (int p = 0; p < DT_PANE_COUNT; p++) {
		const struct dt_rect *r = &l->rect[p];

		if (!l->visible[p])
			continue;
		dt_sb_addf(out, "%-15s y=%-3d x=%-3d h=%-3d w=%d\n", pane_names[p], r->y, r->x,
			   r->h, r->w);
	}
	dt_sb_addf(out, "%-15s y=%-3d x=%-3d h=%-3d w=%d\n", "status", l->status.y, l->status.x,
		   l->status.h, l->status.w);
}
