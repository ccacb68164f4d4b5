#include "duoterm/ui/app.h"

#include <cjson/cJSON.h>
#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "duoterm/core/log.h"
#include "duoterm/core/utf8.h"
#include "duoterm/ui/dispatch.h"

#define FRAME_MS 16
#define MESSAGE_MS 5000
#define ERROR_MS 10000
#define SAVE_MS 500

static int screen_up;

void dt_app_end_screen(void)
{
	if (screen_up) {
		screen_up = 0;
		endwin();
		dt_term_stop_current(); /* after endwin: its output is flushed */
	}
}

void dt_app_suspend(struct dt_app *app, int *mouse, int *links)
{
	*mouse = app->term.mouse;
	*links = app->term.links;
	def_prog_mode();
	endwin();
	dt_term_stop(&app->term); /* after endwin: its output is flushed */
}

void dt_app_resume(struct dt_app *app, int mouse, int links)
{
	reset_prog_mode();
	dt_term_start(&app->term, STDOUT_FILENO, mouse);
	app->term.links = links;
	refresh();
	dt_app_run(app, "redraw");
}

/* ---- configuration ---- */

struct ui_cfg {
	char *theme;
	int mouse, links;
};

static void read_ui(struct ui_cfg *u, const char *text)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *ui = cJSON_GetObjectItemCaseSensitive(root, "ui"), *v;

	v = cJSON_GetObjectItemCaseSensitive(ui, "theme");
	if (cJSON_IsString(v)) {
		free(u->theme);
		u->theme = dt_xstrdup(v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(ui, "mouse");
	if (cJSON_IsBool(v))
		u->mouse = cJSON_IsTrue(v);
	v = cJSON_GetObjectItemCaseSensitive(ui, "links");
	if (cJSON_IsBool(v))
		u->links = cJSON_IsTrue(v);
	cJSON_Delete(root);
}

/* The keys and ui sections of the user's and the project's config files. */
static void read_config(struct dt_app *app, struct ui_cfg *u, struct dt_sb *err)
{
	char *dir = dt_config_dir();
	struct dt_sb user = DT_SB_INIT;
	const char *files[2];

	dt_sb_addf(&user, "%s/config.json", dir);
	files[0] = user.buf;
	files[1] = ".duoterm.json";
	for (int i = 0; i < 2; i++) {
		char *text = dt_read_file(files[i], NULL);

		if (!text)
			continue;
		dt_keymap_load_json(&app->keymap, files[i], text, err);
		read_ui(u, text);
		free(text);
	}
	free(dir);
	dt_sb_release(&user);
}

static void load_prefs(struct dt_app *app)
{
	char *dir = dt_state_dir(), *text;
	struct dt_sb path = DT_SB_INIT;

	dt_sb_addf(&path, "%s/ui.json", dir);
	app->state_file = dt_sb_detach(&path, NULL);
	text = dt_read_file(app->state_file, NULL);
	dt_layout_prefs_from_json(&app->prefs, text);
	free(text);
	free(dir);
}

static void save_prefs(struct dt_app *app)
{
	struct dt_sb json = DT_SB_INIT;
	char *dir = dt_state_dir();
	int rc;

	app->prefs_dirty = 0;
	dt_layout_prefs_to_json(&app->prefs, &json);
	rc = dt_mkdir_p(dir, 0700);
	if (!rc)
		rc = dt_write_file_atomic(app->state_file, json.buf, json.len, 0600);
	if (rc)
		dt_warn("ui", "cannot save %s: %s", app->state_file, strerror(-rc));
	free(dir);
	dt_sb_release(&json);
}

static void save_due(struct dt_loop *loop, void *ud)
{
	struct dt_app *app = ud;

	(void)loop;
	app->save_timer = 0;
	save_prefs(app);
}

void dt_app_save_prefs_soon(struct dt_app *app)
{
	app->prefs_dirty = 1;
	if (!app->save_timer)
		app->save_timer = dt_loop_add_timer(app->loop, SAVE_MS, save_due, app);
}

/* Problems in the config or the theme: on the status line and in Chat. */
static void report_config_errors(struct dt_app *app, const struct dt_sb *err, const char *note)
{
	struct dt_sb first = DT_SB_INIT;
	int n = 0;

	for (const char *l = err->buf; l && *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0)) {
		size_t len = strcspn(l, "\n");
		char *line = dt_xstrndup(l, len);

		dt_warn("ui", "%s", line);
		dt_chat_add(&app->panes[DT_PANE_CHAT], DT_CHAT_ERROR, line);
		if (!n++)
			dt_sb_add(&first, l, len);
		free(line);
	}
	if (n == 1)
		dt_app_error(app, "%s%s", first.buf, note);
	else if (n > 1)
		dt_app_error(app, "%s%s (and %d more in Chat)", first.buf, note, n - 1);
	dt_sb_release(&first);
}

/* Loads and applies a theme; 0, or -1 with the problems in err (the dark
 * theme is used then). */
static int load_theme(struct dt_app *app, const char *name, struct dt_sb *err)
{
	int rc = dt_theme_load(&app->theme, name, err);

	dt_theme_apply(&app->theme, app->opts.use_colour);
	return rc;
}

void dt_app_apply_theme(struct dt_app *app, const char *name)
{
	struct dt_sb err = DT_SB_INIT;

	if (load_theme(app, name, &err))
		report_config_errors(app, &err, " (the dark theme is used)");
	dt_sb_release(&err);
}

/* ---- start and end ---- */

static int check_terminal(struct dt_sb *err)
{
	const char *term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		dt_sb_adds(err, "duoterm: the workbench needs a terminal (stdin and stdout are not "
				"both a tty).\nFor scripts use a headless command, e.g. "
				"'duoterm status --json'.\n");
		return -1;
	}
	if (!term || !*term || !strcmp(term, "dumb")) {
		dt_sb_addf(err, "duoterm: TERM is %s; the workbench needs a terminal that can move "
				"the cursor (e.g. TERM=xterm-256color).\nFor scripts use a headless "
				"command, e.g. 'duoterm status --json'.\n", term && *term ? "dumb" : "not set");
		return -1;
	}
	return 0;
}

static void bench_fill(struct dt_app *app)
{
	static const char *const words[] = {"fix", "the", "flaky", "pipeline", "in", "review",
					    "for", "merge", "request", "parser", "cache", "docs"};
	const char *n = getenv("DUOTERM_BENCH_LIST");
	long rows = n ? atol(n) : 0;
	struct dt_pane *p = &app->panes[DT_PANE_PLAN];

	for (long i = 0; i < rows; i++) {
		char url[64];

		dt_pane_add_row(p, i % 7 ? DT_E_normal : DT_E_running, "%06ld %s %s %s %s", i + 1,
				words[i % 12], words[(i / 12) % 12], words[(i / 144) % 12],
				words[(i * 7) % 12]);
		snprintf(url, sizeof(url), "https://gitlab.invalid/row/%ld", i + 1);
		if (i % 7 == 0) /* some rows are links, like merge requests */
			dt_pane_set_row_url(p, url);
	}
	app->bench.on = getenv("DUOTERM_BENCH") || getenv("DUOTERM_BENCH_OUT");
	if (getenv("DUOTERM_BENCH_OUT"))
		app->bench.out = dt_xstrdup(getenv("DUOTERM_BENCH_OUT"));
}

static void init_panes(struct dt_app *app)
{
	for (int p = 0; p < DT_PANE_COUNT; p++)
		dt_pane_init(&app->panes[p], (enum dt_pane_id)p);
	dt_chat_init(&app->panes[DT_PANE_CHAT]);
	app->panes[DT_PANE_PLAN].focused = 1;
	app->focus = DT_PANE_PLAN;
	app->lstate = (struct dt_layout_state){-1, DT_PANE_MRS, DT_PANE_PLAN};
}

static void start_curses(void)
{
	raw();
	noecho();
	nonl();
	curs_set(0);
	screen_up = 1;
}

/* Keys, theme and terminal modes from the config; mistakes go to cfg_err
 * and theme_err. */
static void configure(struct dt_app *app, struct dt_sb *cfg_err, struct dt_sb *theme_err)
{
	struct ui_cfg u = {0};
	const char *theme;

	dt_keymap_init(&app->keymap);
	read_config(app, &u, cfg_err);
	if (app->opts.cfg && app->opts.cfg->mouse)
		u.mouse = u.mouse || dt_config_bool(app->opts.cfg->mouse);
	theme = app->opts.theme ? app->opts.theme
				: u.theme ? u.theme : app->opts.cfg ? app->opts.cfg->theme : NULL;
	dt_term_start(&app->term, STDOUT_FILENO, app->opts.mouse || u.mouse);
	app->term.links = u.links;
	load_theme(app, theme ? theme : "dark", theme_err);
	free(u.theme);
}

struct dt_app *dt_app_new(struct dt_loop *loop, const struct dt_app_opts *opts, struct dt_sb *err)
{
	struct dt_app *app;
	struct dt_sb cfg_err = DT_SB_INIT, theme_err = DT_SB_INIT;
	const char *esc = getenv("ESCDELAY");

	if (check_terminal(err))
		return NULL;
	setlocale(LC_ALL, "");
	if (!newterm(NULL, stdout, stdin)) {
		dt_sb_addf(err, "duoterm: cannot use terminal type '%s'\n", getenv("TERM"));
		return NULL;
	}
	start_curses();
	app = dt_xcalloc(1, sizeof(*app));
	app->loop = loop;
	app->opts = *opts;
	app->esc_ms = esc && atoi(esc) > 0 ? atoi(esc) : 25;
	init_panes(app);
	load_prefs(app);
	configure(app, &cfg_err, &theme_err);
	app->layout_dirty = app->status_dirty = 1;
	dt_loop_add_fd(loop, STDIN_FILENO, POLLIN, dt_app_on_tty, app);
	bench_fill(app);
	dt_app_message(app, "? shows the keys · Tab moves between panes · q quits");
	report_config_errors(app, &cfg_err, "");
	report_config_errors(app, &theme_err, " (the dark theme is used)");
	dt_sb_release(&cfg_err);
	dt_sb_release(&theme_err);
	return app;
}

static void bench_write(struct dt_app *app)
{
	struct dt_bench *b = &app->bench;
	FILE *f;
	double sum = 0, max = 0;

	if (!b->out || !(f = fopen(b->out, "w")))
		return;
	for (size_t i = 0; i < b->n; i++) {
		sum += b->lat_us[i];
		max = b->lat_us[i] > max ? b->lat_us[i] : max;
	}
	fprintf(f, "keys %zu mean_us %.1f max_us %.1f\n", b->n, b->n ? sum / (double)b->n : 0.0,
		max);
	for (size_t i = 0; i < b->n; i++)
		fprintf(f, "%.1f\n", b->lat_us[i]);
	fclose(f);
}

static void cancel_timers(struct dt_app *app)
{
	uint64_t *t[] = {&app->frame_timer, &app->message_timer, &app->save_timer, &app->esc_timer,
			 &app->bench.stream_timer};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (*t[i]) {
			dt_loop_cancel_timer(app->loop, *t[i]);
			*t[i] = 0;
		}
}

void dt_app_free(struct dt_app *app)
{
	if (!app)
		return;
	dt_info("ui", "drew %lu frames", app->frames);
	dt_loop_del_fd(app->loop, STDIN_FILENO);
	cancel_timers(app);
	if (app->prefs_dirty)
		save_prefs(app);
	bench_write(app);
	if (app->dialog) {
		struct dt_dialog *d = app->dialog;

		app->dialog = NULL;
		dt_dialog_action(d, DT_ACT_CANCEL);
		dt_dialog_close(d);
	}
	dt_app_prompt_release(app);
	for (int p = 0; p < DT_PANE_COUNT; p++) {
		if (app->panes[p].win)
			delwin(app->panes[p].win);
		dt_pane_release(&app->panes[p]);
	}
	if (app->status_win)
		delwin(app->status_win);
	for (int f = 0; f < DT_ST_COUNT; f++)
		free(app->status[f]);
	free(app->message);
	free(app->state_file);
	free(app->bench.lat_us);
	free(app->bench.out);
	dt_keymap_release(&app->keymap);
	dt_kp_release(&app->kp);
	dt_app_end_screen();
	dt_term_stop(&app->term);
	free(app);
}

/* ---- the public API ---- */

struct dt_pane *dt_app_pane(struct dt_app *app, enum dt_pane_id id)
{
	return &app->panes[id];
}

struct dt_loop *dt_app_loop(struct dt_app *app)
{
	return app->loop;
}

void dt_app_set_status(struct dt_app *app, enum dt_status_field f, const char *text)
{
	if ((text && app->status[f] && !strcmp(text, app->status[f])) || (!text && !app->status[f]))
		return;
	free(app->status[f]);
	app->status[f] = text ? dt_xstrdup(text) : NULL;
	app->status_dirty = 1;
}

void dt_app_set_conn(struct dt_app *app, enum dt_conn_state s, const char *detail)
{
	app->conn = s;
	dt_app_set_status(app, DT_ST_CONN, detail);
	app->status_dirty = 1;
}

static void message_expired(struct dt_loop *loop, void *ud)
{
	struct dt_app *app = ud;

	(void)loop;
	app->message_timer = 0;
	free(app->message);
	app->message = NULL;
	app->status_dirty = 1;
}

static void vmessage(struct dt_app *app, int error, const char *fmt, va_list ap)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_vaddf(&sb, fmt, ap);
	dt_redact(&sb);
	free(app->message);
	app->message = dt_text_sanitise(sb.buf, sb.len, 0);
	app->message_error = error;
	if (app->message_timer)
		dt_loop_cancel_timer(app->loop, app->message_timer);
	app->message_timer =
		dt_loop_add_timer(app->loop, error ? ERROR_MS : MESSAGE_MS, message_expired, app);
	app->status_dirty = 1;
	dt_sb_release(&sb);
}

void dt_app_message(struct dt_app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(app, 0, fmt, ap);
	va_end(ap);
}

void dt_app_error(struct dt_app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(app, 1, fmt, ap);
	va_end(ap);
}

int dt_app_should_quit(const struct dt_app *app)
{
	return app->quit;
}

unsigned long dt_app_frames(const struct dt_app *app)
{
	return app->frames;
}

void dt_app_resize(struct dt_app *app)
{
	struct winsize ws;

	/* we own SIGWINCH, so tell curses the new size ourselves */
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	app->layout_dirty = 1;
	app->clear_next = 1;
}

void dt_app_on_submit(struct dt_app *app, dt_submit_cb cb, void *ud)
{
	dt_chat_on_submit(&app->panes[DT_PANE_CHAT], cb, ud);
}

void dt_app_on_cancel(struct dt_app *app, void (*cb)(void *ud), void *ud)
{
	app->cancel_cb = cb;
	app->cancel_ud = ud;
}

void dt_app_on_open(struct dt_app *app, void (*cb)(void *ud, enum dt_pane_id pane, size_t row),
		    void *ud)
{
	app->open_cb = cb;
	app->open_ud = ud;
}

void dt_app_set_agent_busy(struct dt_app *app, int busy)
{
	app->busy = !!busy;
	dt_chat_set_busy(&app->panes[DT_PANE_CHAT], app->busy);
}

void dt_app_chat(struct dt_app *app, enum dt_chat_role role, const char *text)
{
	dt_chat_add(&app->panes[DT_PANE_CHAT], role, text);
}

void dt_app_chat_append(struct dt_app *app, const char *delta)
{
	dt_chat_append(&app->panes[DT_PANE_CHAT], delta);
}

void dt_app_notify(struct dt_app *app, const char *text)
{
	dt_term_notify(&app->term, text);
	dt_app_message(app, "%s", text);
}

void dt_app_open_dialog(struct dt_app *app, struct dt_dialog *d)
{
	if (app->dialog) {
		struct dt_dialog *old = app->dialog;

		app->dialog = NULL;
		dt_dialog_action(old, DT_ACT_CANCEL);
		dt_dialog_close(old);
	}
	app->dialog = d;
}

/* The panes under the box get their cells back without being redrawn. */
static void uncover(struct dt_app *app)
{
	for (int p = 0; p < DT_PANE_COUNT; p++)
		if (app->panes[p].win) {
			touchwin((WINDOW *)app->panes[p].win);
			wnoutrefresh(app->panes[p].win);
		}
	if (app->status_win) {
		touchwin((WINDOW *)app->status_win);
		wnoutrefresh(app->status_win);
	}
}

void dt_app_close_dialog(struct dt_app *app)
{
	struct dt_dialog *d = app->dialog;

	if (!d)
		return;
	app->dialog = NULL;
	uncover(app);
	app->status_dirty = 1;
	dt_dialog_close(d); /* may open the next one */
}

void dt_app_confirm(struct dt_app *app, const char *title, const char *text, dt_dialog_cb cb,
		    void *ud)
{
	dt_app_open_dialog(app, dt_dialog_confirm(title, text, cb, ud));
}

void dt_app_pick(struct dt_app *app, const char *title, const char *const *items, size_t n,
		 size_t sel, dt_dialog_cb cb, void *ud)
{
	dt_app_open_dialog(app, dt_dialog_pick(title, items, n, sel, cb, ud));
}

int dt_app_copy(struct dt_app *app, const char *text, size_t len)
{
	struct dt_sb err = DT_SB_INIT;
	int rc = dt_term_copy(&app->term, text, len, &err);

	if (rc)
		dt_app_error(app, "%s", err.buf);
	else
		dt_app_message(app, "copied %zu bytes (OSC 52)", len);
	dt_sb_release(&err);
	return rc;
}

void dt_app_set_focus(struct dt_app *app, int id)
{
	if (id == app->focus)
		return;
	app->panes[app->focus].focused = 0;
	app->panes[app->focus].dirty |= DT_DIRTY_ALL;
	app->focus = id;
	app->lstate.focus = id;
	app->panes[id].focused = 1;
	app->panes[id].dirty |= DT_DIRTY_ALL;
	if (dt_pane_is_side((enum dt_pane_id)id) && app->lstate.side_front != id)
		app->lstate.side_front = id;
	if (!app->layout.visible[id] || app->lstate.zoomed >= 0) {
		if (app->lstate.zoomed >= 0)
			app->lstate.zoomed = id;
		app->layout_dirty = 1;
	}
}

/* ---- drawing ---- */

static void relayout(struct dt_app *app)
{
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	dt_layout_compute(&app->layout, cols, rows, &app->lstate, &app->prefs);
	for (int p = 0; p < DT_PANE_COUNT; p++) {
		struct dt_pane *pane = &app->panes[p];
		struct dt_rect r = app->layout.rect[p];

		if (pane->win) {
			delwin(pane->win);
			pane->win = NULL;
		}
		pane->r = r;
		pane->dirty |= DT_DIRTY_ALL;
		if (app->layout.visible[p] && r.h > 0 && r.w > 0)
			pane->win = newwin(r.h, r.w, r.y, r.x);
		if (pane->win)
			dt_pane_move(pane, 0);
	}
	if (app->status_win)
		delwin(app->status_win);
	app->status_win = app->layout.status.h ? newwin(1, cols, app->layout.status.y, 0) : NULL;
	app->status_dirty = app->prompt.dirty = 1;
	app->layout_dirty = 0;
}

/* The panes sharing pane's window as tabs, in order; how many. */
static int tab_group(const struct dt_layout *l, int pane, int *out)
{
	for (int w = 0; w < l->nr_wins; w++) {
		const struct dt_win *t = &l->win[w];

		if (t->type != DT_WIN_TABS || !t->visible || t->pane != pane)
			continue;
		for (int i = 0; i < t->nr_kids; i++)
			out[i] = l->win[t->kids[i]].pane;
		return t->nr_kids;
	}
	return 0;
}

static void title_text(struct dt_app *app, struct dt_pane *p, struct dt_sb *sb)
{
	dt_sb_addf(sb, " %d %s", p->id + 1, dt_pane_name(p->id));
	if (p->subtitle)
		dt_sb_addf(sb, " · %s", p->subtitle);
	if (p->stale)
		dt_sb_adds(sb, " · stale");
	if (app->lstate.zoomed == (int)p->id) {
		struct dt_sb k = DT_SB_INIT;

		dt_keymap_keys(&app->keymap, DT_ACT_ZOOM, &k);
		k.len = strcspn(k.buf ? k.buf : "", ",");
		dt_sb_addf(sb, " · zoomed (%.*s)", (int)k.len, k.len ? k.buf : ":zoom");
		dt_sb_release(&k);
	}
	dt_sb_addc(sb, ' ');
}

static int draw_tabs(struct dt_app *app, struct dt_pane *p, int width)
{
	WINDOW *w = p->win;
	int group[DT_PANE_COUNT], n = tab_group(&app->layout, p->id, group), full = 0, used = 0;
	struct dt_sb sb = DT_SB_INIT;

	for (int i = 0; i < n; i++) /* do the names fit, or only numbers? */
		full += 4 + dt_utf8_width(dt_pane_name((enum dt_pane_id)group[i]),
					  strlen(dt_pane_name((enum dt_pane_id)group[i])));
	for (int i = 0; i < n && used < width; i++) {
		int front = group[i] == (int)p->id;
		size_t fit;

		dt_sb_reset(&sb);
		if (front)
			title_text(app, p, &sb);
		else if (full <= width)
			dt_sb_addf(&sb, " %d %s ", group[i] + 1, dt_pane_name((enum dt_pane_id)group[i]));
		else
			dt_sb_addf(&sb, " %d ", group[i] + 1);
		wattrset(w, dt_theme_attr(!front ? DT_E_tab : p->focused ? DT_E_title_focus
								  : DT_E_tab_front));
		fit = dt_utf8_fit(sb.buf, sb.len, width - used, NULL);
		waddnstr(w, sb.buf, (int)fit);
		used = getcurx(w);
	}
	dt_sb_release(&sb);
	return used;
}

/* Right side of a list's title: the filter and where the selection is,
 * as much as fits beside a left part of `left` columns. */
static void title_right(const struct dt_pane *p, int width, int left, struct dt_sb *sb)
{
	size_t n = dt_pane_view_len(p), mark;

	if (!(p->ops->ctx & DT_CTX_LIST) || (!p->nr_rows && !p->filter))
		return;
	if (p->filter)
		dt_sb_addf(sb, " f: %s ·", p->filter);
	mark = sb->len;
	if (p->filter)
		dt_sb_addf(sb, " %zu/%zu of %zu ", n ? p->sel + 1 : 0, n, p->nr_rows);
	else
		dt_sb_addf(sb, " %zu/%zu ", p->sel + 1, n);
	if (left + dt_utf8_width(sb->buf, sb->len) <= width)
		return;
	dt_sb_consume(sb, mark); /* without the filter's text */
	if (left + dt_utf8_width(sb->buf, sb->len) > width)
		dt_sb_reset(sb);
}

static void draw_title(struct dt_app *app, struct dt_pane *p)
{
	WINDOW *w = p->win;
	int attr = dt_theme_attr(p->focused ? DT_E_title_focus : DT_E_title);
	struct dt_sb left = DT_SB_INIT, right = DT_SB_INIT;
	int width = p->r.w, tabbed = app->layout.tabs[p->id] && app->lstate.zoomed < 0;
	int rw, used;
	size_t n;

	title_text(app, p, &left);
	title_right(p, width, tabbed ? 12 : dt_utf8_width(left.buf, left.len), &right);
	rw = dt_utf8_width(right.buf ? right.buf : "", right.len);
	wmove(w, 0, 0);
	if (tabbed) {
		used = draw_tabs(app, p, width - rw);
	} else {
		wattrset(w, attr);
		n = dt_utf8_fit(left.buf, left.len, width - rw, &used);
		waddnstr(w, left.buf, (int)n);
	}
	wattrset(w, attr);
	for (used = getcurx(w); used < width - rw && getcury(w) == 0; used++)
		waddch(w, ' ');
	if (rw)
		mvwaddstr(w, 0, width - rw, right.buf);
	dt_sb_release(&left);
	dt_sb_release(&right);
}

static void draw_separator(struct dt_pane *p)
{
	WINDOW *w = p->win;

	wattrset(w, dt_theme_attr(DT_E_separator));
	for (int y = 1; y < p->r.h; y++)
		mvwaddch(w, y, 0, p->r.x > 0 ? ACS_VLINE : ' ');
}

static int draw_pane(struct dt_app *app, struct dt_pane *p)
{
	if (p->dirty & (DT_DIRTY_ALL | DT_DIRTY_TITLE))
		draw_title(app, p);
	if (p->dirty & DT_DIRTY_ALL)
		draw_separator(p);
	if (p->dirty & (DT_DIRTY_ALL | DT_DIRTY_ROWS))
		p->ops->draw(p);
	wnoutrefresh(p->win);
	p->dirty = 0;
	p->nr_dirty_rows = 0;
	return 1;
}

static const char *conn_text[] = {"offline", "connecting", "online", "error"};
static const enum dt_elem conn_elem[] = {DT_E_status_warn, DT_E_status_warn, DT_E_status_ok,
					 DT_E_status_error};

static void status_put(WINDOW *w, int *x, int width, enum dt_elem e, const char *s)
{
	size_t n;
	int used;

	if (*x >= width || !s)
		return;
	n = dt_utf8_fit(s, strlen(s), width - *x, &used);
	wattrset(w, dt_theme_attr(e));
	mvwaddnstr(w, 0, *x, s, (int)n);
	*x += used;
}

static void status_left(struct dt_app *app, struct dt_sb *left)
{
	dt_sb_addf(left, " %s", app->status[DT_ST_PROJECT] ? app->status[DT_ST_PROJECT] : "no project");
	if (app->status[DT_ST_INSTANCE])
		dt_sb_addf(left, " @ %s", app->status[DT_ST_INSTANCE]);
	if (app->status[DT_ST_BRANCH])
		dt_sb_addf(left, "  %s", app->status[DT_ST_BRANCH]);
	dt_sb_adds(left, "  ");
}

static void draw_status(struct dt_app *app)
{
	WINDOW *w = app->status_win;
	struct dt_sb right = DT_SB_INIT, left = DT_SB_INIT;
	int width = getmaxx(w), x = 0, rw;

	wattrset(w, dt_theme_attr(DT_E_status));
	for (int i = 0; i < width; i++)
		mvwaddch(w, 0, i, ' ');
	if (app->opts.demo)
		status_put(w, &x, width, DT_E_status_demo, " DEMO ");
	status_left(app, &left);
	dt_sb_addf(&right, " ● %s%s%s  agent: %s  tokens: %s ", conn_text[app->conn],
		   app->status[DT_ST_CONN] ? " " : "",
		   app->status[DT_ST_CONN] ? app->status[DT_ST_CONN] : "",
		   app->status[DT_ST_AGENT] ? app->status[DT_ST_AGENT] : app->busy ? "working" : "idle",
		   app->status[DT_ST_TOKENS] ? app->status[DT_ST_TOKENS] : "0");
	rw = dt_utf8_width(right.buf, right.len);
	status_put(w, &x, width - (app->message ? 0 : rw), DT_E_status, left.buf);
	if (app->message)
		status_put(w, &x, width, app->message_error ? DT_E_message_error : DT_E_message,
			   app->message);
	if (x + rw <= width) {
		int rx = width - rw;

		status_put(w, &rx, width, conn_elem[app->conn], right.buf);
	}
	wnoutrefresh(w);
	app->status_dirty = 0;
	dt_sb_release(&left);
	dt_sb_release(&right);
}

static const char *const prompt_label[DT_PROMPT_COUNT] = {"/", "filter: ", ":", ""};

static void draw_prompt(struct dt_app *app, int *cy, int *cx)
{
	struct dt_prompt *pr = &app->prompt;
	WINDOW *w = app->status_win;
	int width = getmaxx(w);

	dt_input_draw(&pr->in[pr->kind], w, 0, 0, 1, width,
		      pr->label ? pr->label : prompt_label[pr->kind], DT_E_status, cy, cx);
	if (pr->nomatch && width > 30)
		status_put(w, &(int){width - 12}, width, DT_E_message_error, " no match ");
	wnoutrefresh(w);
	app->status_dirty = 0;
}

static void draw_palette(struct dt_app *app, int cols, int rows)
{
	struct dt_prompt *pr = &app->prompt;
	int n = pr->nr_matches < DT_PALETTE_SHOWN ? pr->nr_matches : DT_PALETTE_SHOWN;
	int w = cols < 80 ? cols : 80, first = pr->match_sel >= n ? pr->match_sel - n + 1 : 0;
	WINDOW *win = pr->popup;
	struct dt_sb line = DT_SB_INIT;

	if (win && (getmaxy(win) != n || getmaxx(win) != w)) {
		delwin(win);
		win = pr->popup = NULL;
		uncover(app);
	}
	if (!n || rows < n + 2)
		return;
	if (!win)
		win = pr->popup = newwin(n, w, rows - 1 - n, 0);
	for (int i = 0; i < n && win; i++) {
		int a = pr->matches[first + i];

		dt_sb_reset(&line);
		dt_sb_addf(&line, " %-22s %s", dt_action_name((enum dt_action)a),
			   dt_action_help((enum dt_action)a));
		dt_put_clipped(win, i, 0, w, line.buf, line.len,
			       dt_theme_attr(first + i == pr->match_sel ? DT_E_selected_focus
									: DT_E_dialog));
	}
	if (win)
		wnoutrefresh(win);
	dt_sb_release(&line);
}

static void close_palette_popup(struct dt_app *app)
{
	if (app->prompt.popup && (!app->prompt.active || app->prompt.kind != DT_PROMPT_PALETTE)) {
		delwin(app->prompt.popup);
		app->prompt.popup = NULL;
		uncover(app);
	}
}

static void place_cursor(struct dt_app *app, int prompt_y, int prompt_x)
{
	struct dt_pane *p = &app->panes[app->focus];
	int y, x, want = 0;

	if (app->prompt.active && app->status_win) {
		wmove(app->status_win, prompt_y, prompt_x);
		wnoutrefresh(app->status_win);
		want = 1;
	} else if (!app->dialog && p->win && p->ops->cursor && p->ops->cursor(p, &y, &x)) {
		wmove(p->win, y, x);
		wnoutrefresh(p->win);
		want = 1;
	}
	if (want != app->cursor_shown) {
		curs_set(want);
		app->cursor_shown = want;
	}
}

static int draw_panes(struct dt_app *app)
{
	int drew = 0;

	for (int p = 0; p < DT_PANE_COUNT; p++) {
		struct dt_pane *pane = &app->panes[p];

		if (pane->win && pane->dirty)
			drew |= draw_pane(app, pane);
	}
	return drew;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void dt_app_bench_key(struct dt_app *app)
{
	if (app->bench.on && !app->bench.key_us)
		app->bench.key_us = now_us();
}

static void bench_frame_done(struct dt_app *app)
{
	struct dt_bench *b = &app->bench;

	if (!b->key_us)
		return;
	if (b->n == b->alloc) {
		b->alloc = b->alloc ? b->alloc * 2 : 256;
		b->lat_us = dt_xrealloc(b->lat_us, b->alloc * sizeof(*b->lat_us));
	}
	b->lat_us[b->n++] = (double)(now_us() - b->key_us);
	b->key_us = 0;
}

static void draw_now(struct dt_app *app)
{
	int cols, rows, drew, py = 0, px = 0;

	if (app->layout_dirty)
		relayout(app);
	getmaxyx(stdscr, rows, cols);
	if (app->clear_next) {
		clearok(curscr, TRUE);
		app->clear_next = 0;
	}
	dt_term_frame_begin(&app->term);
	drew = draw_panes(app);
	close_palette_popup(app);
	if (app->status_win && app->prompt.active)
		draw_prompt(app, &py, &px);
	else if (app->status_win && app->status_dirty)
		draw_status(app);
	if (app->prompt.active && app->prompt.kind == DT_PROMPT_PALETTE)
		draw_palette(app, cols, rows);
	app->prompt.dirty = 0;
	if (app->dialog)
		dt_dialog_draw(app->dialog, cols, rows, drew);
	place_cursor(app, py, px);
	doupdate();
	dt_term_frame_end(&app->term);
	app->frames++;
	app->last_frame_ms = dt_now_ms();
	bench_frame_done(app);
}

static void frame_due(struct dt_loop *loop, void *ud)
{
	struct dt_app *app = ud;

	(void)loop;
	app->frame_timer = 0;
	draw_now(app);
}

static int anything_dirty(const struct dt_app *app)
{
	if (app->layout_dirty || app->status_dirty || app->prompt.dirty ||
	    (app->dialog && dt_dialog_dirty(app->dialog)))
		return 1;
	for (int p = 0; p < DT_PANE_COUNT; p++)
		if (app->panes[p].dirty && app->panes[p].win)
			return 1;
	return 0;
}

void dt_app_frame(struct dt_app *app)
{
	uint64_t since;

	if (!anything_dirty(app) || app->frame_timer)
		return;
	since = dt_now_ms() - app->last_frame_ms;
	if (since >= FRAME_MS) {
		draw_now(app);
		return;
	}
	app->frame_timer = dt_loop_add_timer(app->loop, FRAME_MS - since, frame_due, app);
}

/* ---- benchmark streaming ---- */

static void stream_piece(struct dt_loop *loop, void *ud)
{
	static const char *const words[] = {"The ", "agent ", "reads ", "src/parser.c, ",
					    "finds ", "the ", "off-by-one ", "and "};
	struct dt_app *app = ud;
	struct dt_bench *b = &app->bench;

	(void)loop;
	b->stream_timer = 0;
	dt_app_chat_append(app, words[8 - b->stream_left]);
	if (--b->stream_left > 0)
		b->stream_timer = dt_loop_add_timer(app->loop, 20, stream_piece, app);
	else
		dt_app_chat_append(app, "\n");
}

void dt_app_bench_stream(struct dt_app *app, int pieces)
{
	struct dt_bench *b = &app->bench;
	char line[96];

	b->lines++;
	if (pieces <= 1) {
		snprintf(line, sizeof(line), "line %lu: the agent reads src/parser.c and finds the bug\n",
			 b->lines);
		dt_app_chat_append(app, line);
		return;
	}
	if (b->stream_timer)
		return;
	b->stream_left = 8;
	stream_piece(app->loop, app);
}
