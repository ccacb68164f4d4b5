/*
 * From bytes on the tty to actions: the key parser's events, the dialog or
 * prompt in front, the focused pane's contexts, then the global actions —
 * each action one entry in a table of handlers.
 */
#include "duoterm/ui/dispatch.h"

#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/core/log.h"

typedef void (*act_fn)(struct dt_app *app, enum dt_action a);

/* The action for a key in the contexts ctx, the most specific first: an
 * Enter in a pick dialog accepts (dialog) before it opens (list). */
static enum dt_action lookup(struct dt_app *app, unsigned ctx, dt_key k)
{
	static const unsigned order[] = {DT_CTX_DIALOG, DT_CTX_PROMPT, DT_CTX_CHAT,
					 DT_CTX_INPUT,  DT_CTX_REVIEW, DT_CTX_PLAN,
					 DT_CTX_PANEL,  DT_CTX_LIST,   DT_CTX_GLOBAL};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum dt_action a = ctx & order[i] ? dt_keymap_lookup(&app->keymap, order[i], k)
						  : DT_ACT_NONE;

		if (a != DT_ACT_NONE)
			return a;
	}
	return DT_ACT_NONE;
}

static struct dt_pane *focused(struct dt_app *app)
{
	return &app->panes[app->focus];
}

static int is_list(const struct dt_pane *p)
{
	return (p->ops->ctx & DT_CTX_LIST) != 0;
}

/* ---- global actions ---- */

static void quit_answer(void *ud, int yes)
{
	struct dt_app *app = ud;

	if (yes)
		app->quit = 1;
}

static void act_quit(struct dt_app *app, enum dt_action a)
{
	(void)a;
	if (!app->busy) {
		app->quit = 1;
		return;
	}
	dt_app_confirm(app, "Quit?", "The agent is still working. Quit anyway? Its work so far "
				     "stays in the session.", quit_answer, app);
}

static void act_focus(struct dt_app *app, enum dt_action a)
{
	int id = app->focus;

	if (a == DT_ACT_FOCUS_NEXT)
		id = (id + 1) % DT_PANE_COUNT;
	else if (a == DT_ACT_FOCUS_PREV)
		id = (id + DT_PANE_COUNT - 1) % DT_PANE_COUNT;
	else
		id = (int)(a - DT_ACT_FOCUS_PLAN);
	dt_app_set_focus(app, id);
}

static void act_zoom(struct dt_app *app, enum dt_action a)
{
	(void)a;
	app->lstate.zoomed = app->lstate.zoomed >= 0 ? -1 : app->focus;
	app->layout_dirty = 1;
}

static void act_help(struct dt_app *app, enum dt_action a)
{
	(void)a;
	dt_app_open_dialog(app, dt_dialog_help(&app->keymap));
}

static void act_redraw(struct dt_app *app, enum dt_action a)
{
	(void)a;
	app->clear_next = 1;
	app->layout_dirty = 1;
}

static void act_split(struct dt_app *app, enum dt_action a)
{
	int horizontal = a == DT_ACT_WIDER || a == DT_ACT_NARROWER;
	int delta = a == DT_ACT_WIDER || a == DT_ACT_TALLER ? 5 : -5;

	if (app->lstate.zoomed >= 0) {
		dt_app_message(app, "zoomed: z first");
		return;
	}
	/* keys typed ahead of the frame adjust the layout they will see */
	dt_layout_compute(&app->layout, app->layout.cols, app->layout.rows, &app->lstate,
			  &app->prefs);
	if (!dt_layout_adjust(&app->layout, &app->prefs, app->focus, horizontal, delta)) {
		dt_app_message(app, "%s cannot get %s here", dt_pane_name((enum dt_pane_id)app->focus),
			       a == DT_ACT_WIDER ? "wider" : a == DT_ACT_NARROWER ? "narrower"
			       : a == DT_ACT_TALLER ? "taller" : "shorter");
		return;
	}
	app->layout_dirty = 1;
	dt_app_save_prefs_soon(app);
}

static void act_split_reset(struct dt_app *app, enum dt_action a)
{
	(void)a;
	app->prefs.n = 0;
	app->layout_dirty = 1;
	dt_app_save_prefs_soon(app);
	dt_app_message(app, "split sizes back to the defaults");
}

static void act_cancel(struct dt_app *app, enum dt_action a)
{
	(void)a;
	if (app->busy && app->cancel_cb) {
		app->cancel_cb(app->cancel_ud);
		dt_app_message(app, "stopping the agent…");
	} else if (app->message) {
		free(app->message);
		app->message = NULL;
		app->status_dirty = 1;
	}
}

static void act_copy(struct dt_app *app, enum dt_action a)
{
	struct dt_pane *p = focused(app);
	const char *text = p->ops->copy_text ? p->ops->copy_text(p) : NULL;

	(void)a;
	if (!text) {
		dt_app_message(app, "nothing to copy here");
		return;
	}
	dt_app_copy(app, text, strlen(text));
}

static void act_mouse(struct dt_app *app, enum dt_action a)
{
	(void)a;
	dt_term_set_mouse(&app->term, !app->term.mouse);
	dt_app_message(app, "mouse %s", app->term.mouse ? "on (Shift-drag still selects text)"
							: "off: the terminal selects text");
}

struct theme_pick {
	struct dt_app *app;
	char **names;
	size_t n;
};

static void theme_picked(void *ud, int i)
{
	struct theme_pick *tp = ud;

	if (i >= 0 && (size_t)i < tp->n) {
		dt_app_apply_theme(tp->app, tp->names[i]);
		tp->app->clear_next = tp->app->layout_dirty = 1;
		dt_app_message(tp->app, "theme %s (set ui.theme in config.json to keep it)",
			       dt_theme_current());
	}
	for (size_t k = 0; k < tp->n; k++)
		free(tp->names[k]);
	free(tp->names);
	free(tp);
}

static void act_theme(struct dt_app *app, enum dt_action a)
{
	struct theme_pick *tp = dt_xcalloc(1, sizeof(*tp));
	struct dt_sb names = DT_SB_INIT;
	char *save = NULL;
	size_t sel = 0;

	(void)a;
	tp->app = app;
	dt_theme_names(&names);
	for (char *n = strtok_r(names.buf, "\n", &save); n; n = strtok_r(NULL, "\n", &save)) {
		tp->names = dt_xrealloc(tp->names, (tp->n + 1) * sizeof(*tp->names));
		if (!strcmp(n, dt_theme_current()))
			sel = tp->n;
		tp->names[tp->n++] = dt_xstrdup(n);
	}
	dt_app_pick(app, "Theme", (const char *const *)tp->names, tp->n, sel, theme_picked, tp);
	dt_sb_release(&names);
}

/* ---- list actions every list pane gets from the app ---- */

static void open_prompt(struct dt_app *app, enum dt_prompt_kind kind);
static void close_prompt(struct dt_app *app, int accept);

static void act_search(struct dt_app *app, enum dt_action a)
{
	(void)a;
	open_prompt(app, DT_PROMPT_SEARCH);
}

static void act_filter(struct dt_app *app, enum dt_action a)
{
	(void)a;
	open_prompt(app, DT_PROMPT_FILTER);
}

static void act_search_next(struct dt_app *app, enum dt_action a)
{
	struct dt_pane *p = focused(app);

	if (!p->search) {
		dt_app_message(app, "no search yet: / searches");
		return;
	}
	if (dt_pane_search(p, p->search, a == DT_ACT_SEARCH_PREV ? -1 : 1, 0))
		dt_app_error(app, "not found: %s", p->search);
}

static void act_open(struct dt_app *app, enum dt_action a)
{
	struct dt_pane *p = focused(app);
	const struct dt_row *r = dt_pane_view_row(p, p->sel);

	(void)a;
	if (!r)
		return;
	if (app->open_cb)
		app->open_cb(app->open_ud, p->id, (size_t)(r - p->rows));
	else if (r->url)
		dt_app_message(app, "%s", r->url);
}

static void act_palette(struct dt_app *app, enum dt_action a)
{
	(void)a;
	open_prompt(app, DT_PROMPT_PALETTE);
}

static const act_fn global_acts[DT_ACT_COUNT] = {
	[DT_ACT_QUIT] = act_quit,
	[DT_ACT_FOCUS_NEXT] = act_focus,
	[DT_ACT_FOCUS_PREV] = act_focus,
	[DT_ACT_FOCUS_PLAN] = act_focus,
	[DT_ACT_FOCUS_REVIEW] = act_focus,
	[DT_ACT_FOCUS_CHAT] = act_focus,
	[DT_ACT_FOCUS_MRS] = act_focus,
	[DT_ACT_FOCUS_ISSUES] = act_focus,
	[DT_ACT_FOCUS_PIPELINES] = act_focus,
	[DT_ACT_ZOOM] = act_zoom,
	[DT_ACT_HELP] = act_help,
	[DT_ACT_PALETTE] = act_palette,
	[DT_ACT_REDRAW] = act_redraw,
	[DT_ACT_WIDER] = act_split,
	[DT_ACT_NARROWER] = act_split,
	[DT_ACT_TALLER] = act_split,
	[DT_ACT_SHORTER] = act_split,
	[DT_ACT_SPLIT_RESET] = act_split_reset,
	[DT_ACT_CANCEL] = act_cancel,
	[DT_ACT_COPY] = act_copy,
	[DT_ACT_TOGGLE_MOUSE] = act_mouse,
	[DT_ACT_CHOOSE_THEME] = act_theme,
};

static const act_fn list_acts[DT_ACT_COUNT] = {
	[DT_ACT_SEARCH] = act_search,
	[DT_ACT_SEARCH_NEXT] = act_search_next,
	[DT_ACT_SEARCH_PREV] = act_search_next,
	[DT_ACT_FILTER] = act_filter,
	[DT_ACT_OPEN] = act_open,
};

/* An action for the focused pane: its own handler, then the app's list
 * actions.  1 when something took it. */
static int pane_action(struct dt_app *app, enum dt_action a)
{
	struct dt_pane *p = focused(app);

	if (p->ops->action && p->ops->action(p, a))
		return 1;
	if (is_list(p) && list_acts[a]) {
		list_acts[a](app, a);
		return 1;
	}
	return 0;
}

int dt_app_run(struct dt_app *app, const char *name)
{
	enum dt_action a = dt_action_by_name(name);

	if (a == DT_ACT_NONE)
		return -1;
	if (global_acts[a]) {
		global_acts[a](app, a);
		return 0;
	}
	return (dt_action_ctx(a) & focused(app)->ops->ctx) && pane_action(app, a) ? 0 : -1;
}

/* ---- prompts: / search, f filter, : palette ---- */

static void palette_match(struct dt_app *app)
{
	struct dt_prompt *pr = &app->prompt;
	const char *t = dt_input_text(&pr->in[DT_PROMPT_PALETTE]);
	size_t tl = strlen(t);

	pr->nr_matches = pr->match_sel = 0;
	for (int pass = 0; pass < 2; pass++) /* prefix matches first, then the rest */
		for (int a = 1; a < DT_ACT_COUNT; a++) {
			const char *n = dt_action_name((enum dt_action)a);
			int prefix = !strncmp(n, t, tl);

			if (!(dt_action_ctx((enum dt_action)a) &
			      (DT_CTX_GLOBAL | DT_CTX_LIST | DT_CTX_CHAT | DT_CTX_REVIEW |
			       DT_CTX_PLAN | DT_CTX_PANEL)))
				continue;
			if ((pass == 0 && prefix) || (pass == 1 && !prefix && strstr(n, t)))
				pr->matches[pr->nr_matches++] = a;
		}
}

/* Forgets the prompt's state (not the editors and their history). */
static void prompt_reset(struct dt_app *app)
{
	struct dt_prompt *pr = &app->prompt;

	free(pr->orig_filter);
	free(pr->orig_search);
	free(pr->label);
	pr->orig_filter = pr->orig_search = pr->label = NULL;
	pr->ask_cb = NULL;
	pr->ask_ud = NULL;
	pr->active = pr->nomatch = 0;
	pr->nr_matches = pr->match_sel = 0;
	app->status_dirty = 1;
}

static void open_prompt(struct dt_app *app, enum dt_prompt_kind kind)
{
	struct dt_prompt *pr = &app->prompt;
	struct dt_pane *p = focused(app);

	prompt_reset(app);
	pr->active = pr->dirty = 1;
	pr->kind = kind;
	pr->pane = app->focus;
	pr->orig_sel = p->sel;
	pr->orig_top = p->top;
	pr->orig_filter = p->filter ? dt_xstrdup(p->filter) : NULL;
	pr->orig_search = p->search ? dt_xstrdup(p->search) : NULL;
	dt_input_clear(&pr->in[kind]);
	pr->in[kind].hist_pos = pr->in[kind].nr_hist;
	if (kind == DT_PROMPT_FILTER && p->filter)
		dt_input_set(&pr->in[kind], p->filter);
	if (kind == DT_PROMPT_PALETTE)
		palette_match(app);
}

void dt_app_ask(struct dt_app *app, const char *label, const char *initial, dt_ask_cb cb,
		void *ud)
{
	struct dt_prompt *pr = &app->prompt;

	if (pr->active)
		close_prompt(app, 0);
	open_prompt(app, DT_PROMPT_TEXT);
	pr->label = dt_xstrdup(label);
	pr->ask_cb = cb;
	pr->ask_ud = ud;
	if (initial)
		dt_input_set(&pr->in[DT_PROMPT_TEXT], initial);
}

void dt_app_prompt_release(struct dt_app *app)
{
	prompt_reset(app);
	if (app->prompt.popup) {
		delwin(app->prompt.popup);
		app->prompt.popup = NULL;
	}
	for (int k = 0; k < DT_PROMPT_COUNT; k++)
		dt_input_release(&app->prompt.in[k]);
}

static void prompt_changed(struct dt_app *app)
{
	struct dt_prompt *pr = &app->prompt;
	struct dt_pane *p = &app->panes[pr->pane];
	const char *t = dt_input_text(&pr->in[pr->kind]);

	pr->dirty = 1;
	pr->nomatch = 0;
	if (pr->kind == DT_PROMPT_TEXT) {
		return;
	} else if (pr->kind == DT_PROMPT_PALETTE) {
		palette_match(app);
	} else if (pr->kind == DT_PROMPT_FILTER) {
		dt_pane_set_filter(p, t);
		pr->nomatch = *t && !dt_pane_view_len(p);
	} else {
		p->sel = pr->orig_sel, p->top = pr->orig_top;
		p->dirty |= DT_DIRTY_ALL;
		if (*t) {
			pr->nomatch = dt_pane_search(p, t, 1, 1) != 0;
		} else {
			free(p->search);
			p->search = NULL;
		}
	}
}

static void close_prompt(struct dt_app *app, int accept)
{
	struct dt_prompt *pr = &app->prompt;
	struct dt_pane *p = &app->panes[pr->pane];
	char *text = dt_input_take(&pr->in[pr->kind]);
	dt_ask_cb ask_cb = pr->kind == DT_PROMPT_TEXT ? pr->ask_cb : NULL;
	void *ask_ud = pr->ask_ud;

	if (ask_cb) {
		prompt_reset(app); /* first: the answer may ask again */
		ask_cb(ask_ud, accept ? text : NULL);
		free(text);
		return;
	}
	if (!accept && pr->kind == DT_PROMPT_FILTER) {
		dt_pane_set_filter(p, pr->orig_filter);
	} else if (!accept && pr->kind == DT_PROMPT_SEARCH) {
		free(p->search);
		p->search = pr->orig_search;
		pr->orig_search = NULL;
		p->sel = pr->orig_sel, p->top = pr->orig_top;
		p->dirty |= DT_DIRTY_ALL;
	} else if (accept && pr->kind == DT_PROMPT_SEARCH && pr->nomatch) {
		dt_app_error(app, "not found: %s", text);
	}
	prompt_reset(app);
	free(text);
}

static void accept_palette(struct dt_app *app)
{
	struct dt_prompt *pr = &app->prompt;
	const char *t = dt_input_text(&pr->in[DT_PROMPT_PALETTE]);
	enum dt_action a = dt_action_by_name(t);
	char name[64];

	if (a == DT_ACT_NONE && pr->nr_matches && *t)
		a = (enum dt_action)pr->matches[pr->match_sel];
	if (a == DT_ACT_NONE && *t) {
		dt_app_error(app, "no action \"%s\" (Tab completes)", t);
		close_prompt(app, 0);
		return;
	}
	snprintf(name, sizeof(name), "%s", dt_action_name(a));
	close_prompt(app, 1);
	if (a != DT_ACT_NONE && dt_app_run(app, name))
		dt_app_error(app, "%s does nothing in %s", name,
			     dt_pane_name((enum dt_pane_id)app->focus));
}

static void complete(struct dt_app *app)
{
	struct dt_prompt *pr = &app->prompt;
	struct dt_input *in = &pr->in[DT_PROMPT_PALETTE];
	const char *t = dt_input_text(in), *first;
	size_t lcp;

	if (!pr->nr_matches)
		return;
	first = dt_action_name((enum dt_action)pr->matches[0]);
	lcp = strncmp(first, t, strlen(t)) ? 0 : strlen(first);
	for (int i = 1; i < pr->nr_matches && lcp; i++) {
		const char *n = dt_action_name((enum dt_action)pr->matches[i]);
		size_t k = 0;

		if (strncmp(n, t, strlen(t)))
			break; /* past the prefix matches */
		while (k < lcp && n[k] == first[k])
			k++;
		lcp = k;
	}
	if (lcp > strlen(t)) {
		char *c = dt_xstrndup(first, lcp);

		dt_input_set(in, c);
		free(c);
		palette_match(app);
	} else { /* cycle through the candidates */
		if (!strcmp(t, dt_action_name((enum dt_action)pr->matches[pr->match_sel])))
			pr->match_sel = (pr->match_sel + 1) % pr->nr_matches;
		dt_input_set(in, dt_action_name((enum dt_action)pr->matches[pr->match_sel]));
	}
	pr->dirty = 1;
}

static void prompt_key(struct dt_app *app, dt_key k)
{
	struct dt_prompt *pr = &app->prompt;
	struct dt_input *in = &pr->in[pr->kind];
	enum dt_action a = lookup(app, DT_CTX_PROMPT | DT_CTX_INPUT, k);

	if (a == DT_ACT_ACCEPT && pr->kind == DT_PROMPT_PALETTE)
		accept_palette(app);
	else if (a == DT_ACT_ACCEPT || a == DT_ACT_CANCEL)
		close_prompt(app, a == DT_ACT_ACCEPT);
	else if (a == DT_ACT_COMPLETE && pr->kind == DT_PROMPT_PALETTE)
		complete(app);
	else if (a != DT_ACT_NONE && dt_input_action(in, a))
		prompt_changed(app);
	else if (dt_key_is_text(k)) {
		dt_input_insert_key(in, k);
		prompt_changed(app);
	}
}

/* ---- keys, pastes, the mouse ---- */

static void on_key(struct dt_app *app, dt_key k)
{
	struct dt_pane *p = focused(app);
	enum dt_action a;

	if (app->bench.on && k >= DT_KEY_F1 + 9 && k <= DT_KEY_F1 + 11) {
		if (k == DT_KEY_F1 + 9) /* F10: play a busy agent */
			dt_app_set_agent_busy(app, !app->busy);
		else
			dt_app_bench_stream(app, k == DT_KEY_F1 + 11 ? 1 : 8);
		return;
	}
	if (app->dialog) {
		a = lookup(app, dt_dialog_ctx(app->dialog), k);
		if (a != DT_ACT_NONE && dt_dialog_action(app->dialog, a))
			dt_app_close_dialog(app);
		return;
	}
	if (app->prompt.active) {
		prompt_key(app, k);
		return;
	}
	a = lookup(app, p->ops->ctx, k);
	if (a != DT_ACT_NONE && pane_action(app, a))
		return;
	if (p->ops->text && dt_key_is_text(k) && p->ops->text(p, k))
		return;
	a = lookup(app, DT_CTX_GLOBAL, k);
	if (a != DT_ACT_NONE && global_acts[a])
		global_acts[a](app, a);
}

static void on_paste(struct dt_app *app, const struct dt_kev *ev)
{
	if (app->dialog)
		return;
	if (app->prompt.active) {
		dt_input_paste(&app->prompt.in[app->prompt.kind], ev->text, ev->len);
		prompt_changed(app);
		return;
	}
	if (!focused(app)->ops->paste)
		dt_app_set_focus(app, DT_PANE_CHAT);
	focused(app)->ops->paste(focused(app), ev->text, ev->len);
	if (ev->truncated)
		dt_app_error(app, "the paste was cut at %u MB", DT_KP_PASTE_CAP >> 20);
}

static struct dt_pane *pane_at(struct dt_app *app, int y, int x)
{
	for (int i = 0; i < DT_PANE_COUNT; i++) {
		struct dt_pane *p = &app->panes[i];

		if (p->win && y >= p->r.y && y < p->r.y + p->r.h && x >= p->r.x &&
		    x < p->r.x + p->r.w)
			return p;
	}
	return NULL;
}

static void on_mouse(struct dt_app *app, const struct dt_kev *ev)
{
	struct dt_pane *p = pane_at(app, ev->y, ev->x);

	if (!p || !ev->press || app->dialog || app->prompt.active)
		return;
	if ((ev->button == 64 || ev->button == 65) && p->ops->wheel) {
		p->ops->wheel(p, ev->button == 64 ? -3 : 3);
		return;
	}
	if (ev->button != 0)
		return;
	dt_app_set_focus(app, p->id);
	if (ev->y > p->r.y && p->ops->click)
		p->ops->click(p, ev->y - p->r.y - 1, ev->x - p->r.x - 1);
}

static void on_event(void *ud, const struct dt_kev *ev)
{
	struct dt_app *app = ud;

	switch (ev->type) {
	case DT_KEV_KEY: on_key(app, ev->key); break;
	case DT_KEV_PASTE: on_paste(app, ev); break;
	case DT_KEV_MOUSE: on_mouse(app, ev); break;
	case DT_KEV_MODE: dt_term_mode_report(&app->term, ev->mode, ev->value); break;
	}
}

static void esc_due(struct dt_loop *loop, void *ud)
{
	struct dt_app *app = ud;

	(void)loop;
	app->esc_timer = 0;
	dt_kp_timeout(&app->kp, on_event, app);
}

void dt_app_on_tty(struct dt_loop *loop, int fd, short revents, void *ud)
{
	struct dt_app *app = ud;
	char buf[65536];
	ssize_t n;

	(void)loop;
	if ((revents & (POLLHUP | POLLERR | POLLNVAL)) && !(revents & POLLIN)) {
		app->quit = 1; /* the terminal went away (SSH link dropped) */
		return;
	}
	n = read(fd, buf, sizeof(buf));
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			app->quit = 1;
		return;
	}
	dt_app_bench_key(app);
	if (app->esc_timer) {
		dt_loop_cancel_timer(app->loop, app->esc_timer);
		app->esc_timer = 0;
	}
	dt_kp_feed(&app->kp, buf, (size_t)n, on_event, app);
	if (dt_kp_waiting(&app->kp))
		app->esc_timer = dt_loop_add_timer(app->loop, (uint64_t)app->esc_ms, esc_due, app);
}
