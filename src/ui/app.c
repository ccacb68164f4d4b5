#include "duoterm/ui/app.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "duoterm/core/log.h"
#include "duoterm/core/utf8.h"

#define FRAME_MS 16
#define MESSAGE_MS 5000

struct dt_app {
	struct dt_loop *loop;
	struct dt_app_opts opts;
	struct dt_pane panes[DT_PANE_COUNT];
	struct dt_layout layout;
	int focus, zoomed, side_front;
	int status_dirty, layout_dirty, clear_next;
	char *status[DT_ST_COUNT];
	enum dt_conn_state conn;
	char *message;
	uint64_t message_timer, frame_timer, last_frame_ms;
	unsigned long frames;
	int quit;
	WINDOW *status_win;
};

static int screen_up;

void dt_app_end_screen(void)
{
	if (screen_up) {
		screen_up = 0;
		endwin();
	}
}

static void on_tty(struct dt_loop *loop, int fd, short revents, void *ud);

static const char *const help_line =
	"Tab/S-Tab focus · 1-6 pane · j/k move · z zoom · [ ] resize · Ctrl-L redraw · q quit";

struct dt_app *dt_app_new(struct dt_loop *loop, const struct dt_app_opts *opts, struct dt_sb *err)
{
	const char *term = getenv("TERM");
	struct dt_app *app;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		dt_sb_adds(err, "duoterm: the workbench needs a terminal (stdin and stdout are not "
				"both a tty).\nFor scripts use a headless command, e.g. "
				"'duoterm status --json'.\n");
		return NULL;
	}
	if (!term || !*term || !strcmp(term, "dumb")) {
		dt_sb_addf(err, "duoterm: TERM is %s; the workbench needs a terminal that can move "
				"the cursor (e.g. TERM=xterm-256color).\nFor scripts use a headless "
				"command, e.g. 'duoterm status --json'.\n", term && *term ? "dumb" : "not set");
		return NULL;
	}
	setlocale(LC_ALL, "");
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	if (!newterm(NULL, stdout, stdin)) {
		dt_sb_addf(err, "duoterm: cannot use terminal type '%s'\n", term);
		return NULL;
	}
	screen_up = 1;
	app = dt_xcalloc(1, sizeof(*app));
	app->loop = loop;
	app->opts = *opts;
	if (!app->opts.left_pct)
		app->opts.left_pct = 30;
	app->zoomed = -1;
	app->side_front = DT_PANE_MRS;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	dt_theme_init(opts->use_colour);
	for (int p = 0; p < DT_PANE_COUNT; p++)
		dt_pane_init(&app->panes[p], (enum dt_pane_id)p);
	app->panes[DT_PANE_PLAN].focused = 1;
	for (int f = 0; f < DT_ST_COUNT; f++)
		app->status[f] = NULL;
	app->layout_dirty = 1;
	app->status_dirty = 1;
	dt_loop_add_fd(loop, STDIN_FILENO, POLLIN, on_tty, app);
	dt_app_message(app, "%s", help_line);
	return app;
}

void dt_app_free(struct dt_app *app)
{
	if (!app)
		return;
	dt_loop_del_fd(app->loop, STDIN_FILENO);
	if (app->frame_timer)
		dt_loop_cancel_timer(app->loop, app->frame_timer);
	if (app->message_timer)
		dt_loop_cancel_timer(app->loop, app->message_timer);
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
	dt_app_end_screen();
	free(app);
}

struct dt_pane *dt_app_pane(struct dt_app *app, enum dt_pane_id id)
{
	return &app->panes[id];
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

void dt_app_message(struct dt_app *app, const char *fmt, ...)
{
	struct dt_sb sb = DT_SB_INIT;
	va_list ap;

	va_start(ap, fmt);
	dt_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	dt_redact(&sb);
	free(app->message);
	app->message = dt_sb_detach(&sb, NULL);
	if (app->message_timer)
		dt_loop_cancel_timer(app->loop, app->message_timer);
	app->message_timer = dt_loop_add_timer(app->loop, MESSAGE_MS, message_expired, app);
	app->status_dirty = 1;
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

static void set_focus(struct dt_app *app, int id)
{
	if (id == app->focus)
		return;
	app->panes[app->focus].focused = 0;
	app->panes[app->focus].dirty = 1;
	app->focus = id;
	app->panes[id].focused = 1;
	app->panes[id].dirty = 1;
	if (dt_pane_is_side((enum dt_pane_id)id) && app->side_front != id) {
		app->side_front = id;
		app->layout_dirty = 1;
	}
	if (app->zoomed >= 0 && app->zoomed != id) {
		app->zoomed = id;
		app->layout_dirty = 1;
	}
}

static void cycle_focus(struct dt_app *app, int dir)
{
	set_focus(app, (app->focus + dir + DT_PANE_COUNT) % DT_PANE_COUNT);
}

static int app_key(struct dt_app *app, int key)
{
	switch (key) {
	case 'q':
		app->quit = 1;
		return 1;
	case '\t':
		cycle_focus(app, 1);
		return 1;
	case KEY_BTAB:
		cycle_focus(app, -1);
		return 1;
	case '1': case '2': case '3': case '4': case '5': case '6':
		set_focus(app, key - '1');
		return 1;
	case 'z':
		app->zoomed = app->zoomed >= 0 ? -1 : app->focus;
		app->layout_dirty = 1;
		return 1;
	case '[':
	case ']':
		app->opts.left_pct += key == ']' ? 5 : -5;
		if (app->opts.left_pct < 15)
			app->opts.left_pct = 15;
		if (app->opts.left_pct > 60)
			app->opts.left_pct = 60;
		app->layout_dirty = 1;
		return 1;
	case 12: /* Ctrl-L */
		app->clear_next = 1;
		app->layout_dirty = 1;
		return 1;
	case KEY_RESIZE: /* resizeterm() queues one; the size is already known */
		app->layout_dirty = 1;
		return 1;
	}
	return 0;
}

static void on_key(struct dt_app *app, int key)
{
	struct dt_pane *p = &app->panes[app->focus];

	if (key != KEY_RESIZE && p->ops->key && p->ops->key(p, key))
		return;
	app_key(app, key);
}

static void on_tty(struct dt_loop *loop, int fd, short revents, void *ud)
{
	struct dt_app *app = ud;
	wint_t wch;
	int rc;

	(void)loop;
	(void)fd;
	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		app->quit = 1; /* the terminal went away (SSH link dropped) */
		return;
	}
	while ((rc = wget_wch(stdscr, &wch)) != ERR) {
		if (rc == KEY_CODE_YES)
			on_key(app, (int)wch);
		else
			on_key(app, wch < 0x110000 ? (int)wch : 0);
		if (app->quit)
			break;
	}
}

static void relayout(struct dt_app *app)
{
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	dt_layout_compute(&app->layout, cols, rows, app->zoomed, app->side_front,
			  app->opts.left_pct);
	for (int p = 0; p < DT_PANE_COUNT; p++) {
		struct dt_pane *pane = &app->panes[p];
		struct dt_rect r = app->layout.rect[p];

		if (pane->win) {
			delwin(pane->win);
			pane->win = NULL;
		}
		pane->r = r;
		pane->dirty = 1;
		if (app->layout.visible[p] && r.h > 0 && r.w > 0)
			pane->win = newwin(r.h, r.w, r.y, r.x);
		if (pane->win && pane->nr_rows)
			dt_pane_move(pane, 0);
	}
	if (app->status_win)
		delwin(app->status_win);
	app->status_win = newwin(1, cols, rows - 1, 0);
	app->status_dirty = 1;
	app->layout_dirty = 0;
}

static void draw_title(struct dt_app *app, struct dt_pane *p)
{
	WINDOW *w = p->win;
	int attr = dt_theme_attr(p->focused ? DT_E_title_focus : DT_E_title);
	struct dt_sb sb = DT_SB_INIT;
	int width = p->r.w, used = 0;
	size_t n;

	wattrset(w, attr);
	wmove(w, 0, 0);
	if (app->layout.tabbed && dt_pane_is_side(p->id) && app->zoomed < 0) {
		for (int t = DT_PANE_MRS; t <= DT_PANE_PIPELINES; t++) {
			int ta = t == (int)p->id ? attr : dt_theme_attr(DT_E_tab);

			dt_sb_reset(&sb);
			dt_sb_addf(&sb, " %d %s%s ", t + 1, dt_pane_name((enum dt_pane_id)t),
				   t == (int)p->id && p->subtitle ? " · " : "");
			if (t == (int)p->id && p->subtitle)
				dt_sb_adds(&sb, p->subtitle);
			wattrset(w, ta);
			n = dt_utf8_fit(sb.buf, sb.len, width - used, NULL);
			waddnstr(w, sb.buf, (int)n);
			used = getcurx(w);
		}
	} else {
		dt_sb_addf(&sb, " %d %s", p->id + 1, dt_pane_name(p->id));
		if (p->subtitle)
			dt_sb_addf(&sb, " · %s", p->subtitle);
		if (p->stale)
			dt_sb_adds(&sb, " · stale");
		if (app->zoomed == (int)p->id)
			dt_sb_adds(&sb, " · zoomed (z)");
		n = dt_utf8_fit(sb.buf, sb.len, width, &used);
		waddnstr(w, sb.buf, (int)n);
	}
	wattrset(w, attr);
	for (used = getcurx(w); used < width && getcury(w) == 0; used++)
		waddch(w, ' ');
	dt_sb_release(&sb);
}

static void draw_separator(struct dt_pane *p)
{
	WINDOW *w = p->win;

	wattrset(w, dt_theme_attr(DT_E_separator));
	for (int y = 1; y < p->r.h; y++)
		mvwaddch(w, y, 0, p->r.x > 0 ? ACS_VLINE : ' ');
}

static void draw_pane(struct dt_app *app, struct dt_pane *p)
{
	draw_title(app, p);
	draw_separator(p);
	p->ops->draw(p);
	wnoutrefresh(p->win);
	p->dirty = 0;
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

static void draw_status(struct dt_app *app)
{
	WINDOW *w = app->status_win;
	struct dt_sb right = DT_SB_INIT, left = DT_SB_INIT;
	int width = getmaxx(w), x = 0, rw;

	wattrset(w, dt_theme_attr(DT_E_status));
	wmove(w, 0, 0);
	wclrtoeol(w);
	for (int i = 0; i < width; i++)
		mvwaddch(w, 0, i, ' ');
	if (app->opts.demo)
		status_put(w, &x, width, DT_E_status_demo, " DEMO ");
	dt_sb_addf(&left, " %s", app->status[DT_ST_PROJECT] ? app->status[DT_ST_PROJECT] : "no project");
	if (app->status[DT_ST_INSTANCE])
		dt_sb_addf(&left, " @ %s", app->status[DT_ST_INSTANCE]);
	if (app->status[DT_ST_BRANCH])
		dt_sb_addf(&left, "  %s", app->status[DT_ST_BRANCH]);
	dt_sb_adds(&left, "  ");
	status_put(w, &x, width, DT_E_status, left.buf);
	if (app->message)
		status_put(w, &x, width, DT_E_message, app->message);
	dt_sb_addf(&right, " ● %s%s%s  agent: %s  tokens: %s ", conn_text[app->conn],
		   app->status[DT_ST_CONN] ? " " : "",
		   app->status[DT_ST_CONN] ? app->status[DT_ST_CONN] : "",
		   app->status[DT_ST_AGENT] ? app->status[DT_ST_AGENT] : "idle",
		   app->status[DT_ST_TOKENS] ? app->status[DT_ST_TOKENS] : "0");
	rw = dt_utf8_width(right.buf, right.len);
	if (x + rw <= width) {
		int rx = width - rw;

		status_put(w, &rx, width, conn_elem[app->conn], right.buf);
	}
	wnoutrefresh(w);
	app->status_dirty = 0;
	dt_sb_release(&left);
	dt_sb_release(&right);
}

static void draw_now(struct dt_app *app)
{
	int any = 0;

	if (app->layout_dirty)
		relayout(app);
	if (app->clear_next) {
		clearok(curscr, TRUE);
		app->clear_next = 0;
	}
	for (int p = 0; p < DT_PANE_COUNT; p++) {
		struct dt_pane *pane = &app->panes[p];

		if (pane->win && pane->dirty) {
			draw_pane(app, pane);
			any = 1;
		}
	}
	if (app->status_dirty && app->status_win) {
		draw_status(app);
		any = 1;
	}
	if (any) {
		doupdate();
		app->frames++;
		app->last_frame_ms = dt_now_ms();
	}
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
	if (app->layout_dirty || app->status_dirty)
		return 1;
	for (int p = 0; p < DT_PANE_COUNT; p++)
		if (app->panes[p].dirty && app->panes[p].win)
			return 1;
	return 0;
}

void dt_app_frame(struct dt_app *app)
{
	uint64_t now, since;

	if (!anything_dirty(app) || app->frame_timer)
		return;
	now = dt_now_ms();
	since = now - app->last_frame_ms;
	if (since >= FRAME_MS) {
		draw_now(app);
		return;
	}
	app->frame_timer = dt_loop_add_timer(app->loop, FRAME_MS - since, frame_due, app);
}
