#include "duoterm/ui/layout.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char *const pane_names[DT_PANE_COUNT] = {
	"Plan", "Review", "Chat", "Merge requests", "Issues", "Pipelines",
};

const char *dt_pane_name(enum dt_pane_id id)
{
	return id < DT_PANE_COUNT ? pane_names[id] : "?";
}

static const char *const pane_keys[DT_PANE_COUNT] = {
	"plan", "review", "chat", "merge-requests", "issues", "pipelines",
};

int dt_pane_is_side(enum dt_pane_id id)
{
	return id == DT_PANE_MRS || id == DT_PANE_ISSUES || id == DT_PANE_PIPELINES;
}

/* ---- building the tree ---- */

static int pref_weight(const struct dt_layout_prefs *prefs, const char *name, int def)
{
	for (int i = 0; prefs && i < prefs->n; i++)
		if (!strcmp(prefs->w[i].name, name))
			return prefs->w[i].weight;
	return def;
}

struct spec {
	const char *name;
	enum dt_win_type type;
	enum dt_win_size sizing;
	int size, min, prio, pane;
};

static int add(struct dt_layout *l, const struct dt_layout_prefs *prefs, int parent,
	       const struct spec *s)
{
	struct dt_win *w = &l->win[l->nr_wins];

	*w = (struct dt_win){.name = s->name, .type = s->type, .sizing = s->sizing,
			     .size = s->size, .min = s->min, .prio = s->prio, .pane = s->pane,
			     .parent = parent};
	if (s->sizing == DT_SIZE_MAXIMISE)
		w->size = pref_weight(prefs, s->name, s->size);
	if (parent >= 0)
		l->win[parent].kids[l->win[parent].nr_kids++] = l->nr_wins;
	return l->nr_wins++;
}

#define MAX DT_SIZE_MAXIMISE
#define FIX DT_SIZE_FIXED

static void add_pane(struct dt_layout *l, const struct dt_layout_prefs *prefs, int parent,
		     const char *name, int weight, int min, int prio, int pane)
{
	add(l, prefs, parent, &(struct spec){name, DT_WIN_PANE, MAX, weight, min, prio, pane});
}

static void build_wide(struct dt_layout *l, const struct dt_layout_prefs *pr, int body)
{
	int left = add(l, pr, body, &(struct spec){"left", DT_WIN_VBOX, MAX, 30, 24, 5, -1});
	int side;

	add_pane(l, pr, left, "plan", 35, 3, 4, DT_PANE_PLAN);
	add_pane(l, pr, left, "chat", 65, 6, 8, DT_PANE_CHAT);
	add_pane(l, pr, body, "review", 46, 24, 7, DT_PANE_REVIEW);
	side = add(l, pr, body, &(struct spec){"side", DT_WIN_VBOX, MAX, 24, 22, 3, -1});
	add_pane(l, pr, side, "merge-requests", 1, 3, 3, DT_PANE_MRS);
	add_pane(l, pr, side, "issues", 1, 3, 2, DT_PANE_ISSUES);
	add_pane(l, pr, side, "pipelines", 1, 3, 1, DT_PANE_PIPELINES);
}

static void add_tabs(struct dt_layout *l, const struct dt_layout_prefs *pr, int parent,
		     const struct spec *s, int first, int last)
{
	int tabs = add(l, pr, parent, s);

	for (int p = first; p <= last; p++)
		add_pane(l, pr, tabs, pane_keys[p], 1, 0, 0, p);
}

static void build_narrow(struct dt_layout *l, const struct dt_layout_prefs *pr, int body,
			 int front)
{
	int left = add(l, pr, body,
		       &(struct spec){"narrow-left", DT_WIN_VBOX, MAX, 40, 22, 5, -1});
	int right = add(l, pr, body,
			&(struct spec){"narrow-right", DT_WIN_VBOX, MAX, 60, 30, 7, -1});

	add_pane(l, pr, left, "narrow-plan", 35, 3, 4, DT_PANE_PLAN);
	add_pane(l, pr, left, "narrow-chat", 65, 6, 8, DT_PANE_CHAT);
	add_pane(l, pr, right, "narrow-review", 60, 3, 7, DT_PANE_REVIEW);
	add_tabs(l, pr, right, &(struct spec){"narrow-side", DT_WIN_TABS, MAX, 40, 3, 3, front},
		 DT_PANE_MRS, DT_PANE_PIPELINES);
}

static void build(struct dt_layout *l, int cols, const struct dt_layout_state *st,
		  const struct dt_layout_prefs *pr)
{
	int root = add(l, pr, -1, &(struct spec){"screen", DT_WIN_VBOX, MAX, 1, 0, 0, -1});
	int front = dt_pane_is_side((enum dt_pane_id)st->side_front) ? st->side_front : DT_PANE_MRS;
	int zoomed = st->zoomed >= 0 && st->zoomed < DT_PANE_COUNT;
	int body;

	if (zoomed) {
		l->shape = "zoom";
		add_pane(l, pr, root, "zoomed", 1, 1, 9, st->zoomed);
	} else if (cols >= DT_LAYOUT_WIDE) {
		l->shape = "wide";
		body = add(l, pr, root, &(struct spec){"body", DT_WIN_HBOX, MAX, 1, 1, 9, -1});
		build_wide(l, pr, body);
	} else if (cols >= DT_LAYOUT_NARROW) {
		l->shape = "narrow";
		body = add(l, pr, root, &(struct spec){"body", DT_WIN_HBOX, MAX, 1, 1, 9, -1});
		build_narrow(l, pr, body, front);
	} else {
		l->shape = "tiny";
		add_tabs(l, pr, root,
			 &(struct spec){"all", DT_WIN_TABS, MAX, 1, 1, 9,
					st->focus >= 0 && st->focus < DT_PANE_COUNT ? st->focus : 0},
			 0, DT_PANE_COUNT - 1);
	}
	add(l, pr, root, &(struct spec){"status", DT_WIN_STATUS, FIX, 1, 1, 10, -1});
}

/* ---- reflow ---- */

/* The kids that fit, most important first: a kid whose minimum does not
 * fit beside the more important ones is hidden, its share goes to them. */
static void choose(const struct dt_layout *l, const struct dt_win *box, const int *dead, int len,
		   int *alive)
{
	int order[DT_LAYOUT_MAX_KIDS], n = box->nr_kids, used = 0;

	for (int i = 0; i < n; i++)
		order[i] = i, alive[i] = 0;
	for (int i = 1; i < n; i++) /* by priority, highest first (insertion sort) */
		for (int j = i; j > 0 && l->win[box->kids[order[j]]].prio >
					   l->win[box->kids[order[j - 1]]].prio; j--) {
			int t = order[j];

			order[j] = order[j - 1], order[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		const struct dt_win *k = &l->win[box->kids[order[i]]];
		int need = k->sizing == FIX ? k->size : k->min;

		if (!dead[order[i]] && used + need <= len) {
			alive[order[i]] = 1;
			used += need;
		}
	}
}

/* Shares of `free` cells by weight for the kids not pinned to their minimum. */
static void share(const struct dt_layout *l, const struct dt_win *box, const int *alive,
		  const int *pinned, int free, int *sizes)
{
	long wsum = 0, acc = 0;
	int prev = 0;

	for (int i = 0; i < box->nr_kids; i++)
		if (alive[i] && !pinned[i] && l->win[box->kids[i]].sizing == MAX)
			wsum += l->win[box->kids[i]].size > 0 ? l->win[box->kids[i]].size : 1;
	for (int i = 0; i < box->nr_kids; i++) {
		const struct dt_win *k = &l->win[box->kids[i]];
		int pos;

		if (!alive[i] || pinned[i] || k->sizing != MAX)
			continue;
		acc += k->size > 0 ? k->size : 1;
		pos = (int)(free * acc / wsum);
		sizes[i] = pos - prev;
		prev = pos;
	}
}

/* Sizes along len for the chosen kids: fixed ones get their size, the rest
 * share what is left by weight, none below its minimum (water-filling). */
static void fit(const struct dt_layout *l, const struct dt_win *box, const int *alive, int len,
		int *sizes)
{
	int pinned[DT_LAYOUT_MAX_KIDS] = {0}, fixed = 0, again = 1;

	for (int i = 0; i < box->nr_kids; i++) {
		const struct dt_win *k = &l->win[box->kids[i]];

		sizes[i] = 0;
		if (alive[i] && k->sizing != MAX)
			fixed += sizes[i] = k->sizing == FIX ? k->size : k->min;
	}
	while (again) {
		int free = len - fixed;

		for (int i = 0; i < box->nr_kids; i++)
			if (alive[i] && pinned[i])
				free -= sizes[i];
		share(l, box, alive, pinned, free, sizes);
		again = 0;
		for (int i = 0; i < box->nr_kids; i++) {
			const struct dt_win *k = &l->win[box->kids[i]];

			if (alive[i] && !pinned[i] && k->sizing == MAX && sizes[i] < k->min) {
				sizes[i] = k->min;
				pinned[i] = again = 1;
			}
		}
	}
}

static void hide(struct dt_layout *l, int w)
{
	struct dt_win *win = &l->win[w];

	win->visible = 0;
	win->r = (struct dt_rect){0, 0, 0, 0};
	if (win->type == DT_WIN_PANE) {
		l->visible[win->pane] = 0;
		l->rect[win->pane] = win->r;
		l->tabs[win->pane] = 0;
	}
	for (int i = 0; i < win->nr_kids; i++)
		hide(l, win->kids[i]);
}

static int place(struct dt_layout *l, int w, struct dt_rect r);

/* Lays the kids out; a kid that shows nothing (all its own kids hidden)
 * is dropped and the rest laid out again.  1 if anything shows. */
static int reflow_box(struct dt_layout *l, struct dt_win *box)
{
	int dead[DT_LAYOUT_MAX_KIDS] = {0}, alive[DT_LAYOUT_MAX_KIDS], sizes[DT_LAYOUT_MAX_KIDS];
	int vert = box->type == DT_WIN_VBOX, len = vert ? box->r.h : box->r.w, again = 1, shown = 0;

	while (again) {
		int at = 0;

		again = shown = 0;
		choose(l, box, dead, len, alive);
		fit(l, box, alive, len, sizes);
		for (int i = 0; i < box->nr_kids; i++) {
			struct dt_rect r = box->r;

			if (!alive[i] || sizes[i] <= 0) {
				hide(l, box->kids[i]);
				continue;
			}
			if (vert)
				r.y += at, r.h = sizes[i];
			else
				r.x += at, r.w = sizes[i];
			at += sizes[i];
			if (place(l, box->kids[i], r))
				shown = 1;
			else
				dead[i] = again = 1;
		}
	}
	return shown;
}

static int place_tabs(struct dt_layout *l, struct dt_win *win, struct dt_rect r)
{
	int shown = 0;

	for (int i = 0; i < win->nr_kids; i++) {
		int k = win->kids[i];

		if (l->win[k].pane == win->pane)
			shown = place(l, k, r);
		else
			hide(l, k);
	}
	for (int i = 0; i < win->nr_kids; i++)
		l->tabs[l->win[win->kids[i]].pane] = 1;
	return shown;
}

static int place(struct dt_layout *l, int w, struct dt_rect r)
{
	struct dt_win *win = &l->win[w];

	win->r = r;
	win->visible = r.h > 0 && r.w > 0;
	if (!win->visible) {
		hide(l, w);
		return 0;
	}
	switch (win->type) {
	case DT_WIN_PANE:
		l->rect[win->pane] = r;
		l->visible[win->pane] = 1;
		return 1;
	case DT_WIN_STATUS:
		l->status = r;
		return 1;
	case DT_WIN_TABS:
		return place_tabs(l, win, r);
	default:
		if (reflow_box(l, win))
			return 1;
		hide(l, w);
		return 0;
	}
}

void dt_layout_compute(struct dt_layout *l, int cols, int rows, const struct dt_layout_state *st,
		       const struct dt_layout_prefs *prefs)
{
	memset(l, 0, sizeof(*l));
	l->cols = cols < 0 ? 0 : cols;
	l->rows = rows < 0 ? 0 : rows;
	build(l, l->cols, st, prefs);
	place(l, 0, (struct dt_rect){0, 0, l->rows, l->cols});
}

/* ---- printing ---- */

static void print_win(const struct dt_layout *l, int w, int depth, struct dt_sb *out)
{
	static const char *const types[] = {"vbox", "hbox", "tabs", "pane", "status"};
	static const char *const sizing[] = {"fixed", "min", "max"};
	const struct dt_win *win = &l->win[w];
	struct dt_sb head = DT_SB_INIT;

	dt_sb_addf(&head, "%*s%s %s", depth * 2, "", types[win->type], win->name);
	if (win->visible)
		dt_sb_addf(out, "%-30s y=%-3d x=%-3d h=%-3d w=%-3d %s %d", head.buf, win->r.y,
			   win->r.x, win->r.h, win->r.w, sizing[win->sizing], win->size);
	else
		dt_sb_addf(out, "%-30s hidden", head.buf);
	if (win->type == DT_WIN_TABS)
		dt_sb_addf(out, " front=%s", dt_pane_name((enum dt_pane_id)win->pane));
	dt_sb_addc(out, '\n');
	dt_sb_release(&head);
	for (int i = 0; i < win->nr_kids; i++)
		print_win(l, win->kids[i], depth + 1, out);
}

void dt_layout_print(const struct dt_layout *l, struct dt_sb *out)
{
	dt_sb_addf(out, "screen %dx%d %s\n", l->cols, l->rows, l->shape);
	if (l->nr_wins)
		print_win(l, 0, 0, out);
}

/* ---- adjusting splits ---- */

static void set_pref(struct dt_layout_prefs *prefs, const char *name, int weight)
{
	int i;

	for (i = 0; i < prefs->n; i++)
		if (!strcmp(prefs->w[i].name, name))
			break;
	if (i == prefs->n) {
		if (prefs->n == DT_LAYOUT_MAX_PREFS)
			return;
		prefs->n++;
		snprintf(prefs->w[i].name, sizeof(prefs->w[i].name), "%s", name);
	}
	prefs->w[i].weight = weight;
}

static int find_pane_win(const struct dt_layout *l, int pane)
{
	for (int w = 0; w < l->nr_wins; w++)
		if (l->win[w].type == DT_WIN_PANE && l->win[w].pane == pane && l->win[w].visible)
			return w;
	return -1;
}

/* Index in box->kids of the visible MAX sibling next to kid i (after, else before). */
static int neighbour(const struct dt_layout *l, const struct dt_win *box, int i)
{
	for (int j = i + 1; j < box->nr_kids; j++)
		if (l->win[box->kids[j]].visible && l->win[box->kids[j]].sizing == MAX)
			return j;
	for (int j = i - 1; j >= 0; j--)
		if (l->win[box->kids[j]].visible && l->win[box->kids[j]].sizing == MAX)
			return j;
	return -1;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int shift_weight(const struct dt_layout *l, struct dt_layout_prefs *prefs,
			const struct dt_win *box, int i, int n, int delta)
{
	int pct[DT_LAYOUT_MAX_KIDS], sum = 0, moved;

	for (int j = 0; j < box->nr_kids; j++)
		if (l->win[box->kids[j]].visible && l->win[box->kids[j]].sizing == MAX)
			sum += l->win[box->kids[j]].size;
	for (int j = 0; j < box->nr_kids; j++)
		pct[j] = sum ? (l->win[box->kids[j]].size * 100 + sum / 2) / sum : 0;
	moved = clampi(pct[i] + delta, 10, 90) - pct[i];
	moved = pct[n] - clampi(pct[n] - moved, 10, 90);
	if (!moved)
		return 0;
	pct[i] += moved;
	pct[n] -= moved;
	for (int j = 0; j < box->nr_kids; j++)
		if (l->win[box->kids[j]].visible && l->win[box->kids[j]].sizing == MAX)
			set_pref(prefs, l->win[box->kids[j]].name, pct[j]);
	return 1;
}

int dt_layout_adjust(const struct dt_layout *l, struct dt_layout_prefs *prefs, int pane,
		     int horizontal, int delta)
{
	int w = find_pane_win(l, pane);

	while (w > 0) {
		const struct dt_win *box = &l->win[l->win[w].parent];
		int i = 0, n;

		while (box->kids[i] != w)
			i++;
		if (box->type == (horizontal ? DT_WIN_HBOX : DT_WIN_VBOX) &&
		    l->win[w].sizing == MAX && (n = neighbour(l, box, i)) >= 0)
			return shift_weight(l, prefs, box, i, n, delta);
		w = l->win[w].parent;
	}
	return 0;
}

void dt_layout_prefs_to_json(const struct dt_layout_prefs *prefs, struct dt_sb *out)
{
	dt_sb_adds(out, "{\n  \"version\": 1,\n  \"splits\": {");
	for (int i = 0; i < prefs->n; i++)
		dt_sb_addf(out, "%s\n    \"%s\": %d", i ? "," : "", prefs->w[i].name,
			   prefs->w[i].weight);
	dt_sb_adds(out, prefs->n ? "\n  }\n}\n" : "}\n}\n");
}

void dt_layout_prefs_from_json(struct dt_layout_prefs *prefs, const char *text)
{
	cJSON *root = text ? cJSON_Parse(text) : NULL;
	const cJSON *it;

	prefs->n = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "splits")) {
		if (cJSON_IsNumber(it) && it->valueint >= 1 && it->valueint <= 1000 &&
		    strlen(it->string) < sizeof(prefs->w[0].name))
			set_pref(prefs, it->string, it->valueint);
	}
	cJSON_Delete(root);
}
