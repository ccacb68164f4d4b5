#include "duoterm/ui/panel_gitlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/gitlab/auth.h"
#include "duoterm/gitlab/client.h"
#include "duoterm/gitlab/detail.h"
#include "duoterm/gitlab/model.h"
#include "duoterm/gitlab/trace.h"
#include "duoterm/net/actioncable.h"
#include "duoterm/net/actioncable_proto.h"
#include "duoterm/ui/app.h"
#include "duoterm/ui/context.h"

enum view { V_LIST, V_MR, V_ISSUE, V_PIPELINE, V_JOB };

/* Pipelines followed over ActionCable at once (the list's unfinished ones
 * and the one open in detail; the list shows 20). */
#define MAX_SUBS 24

struct dt_panels;

struct panel {
	struct dt_panels *ps;
	enum dt_pane_id id;
	const char *query, *noun;
	int (*parse)(const char *, size_t, struct dt_gl_list *);
	void (*row)(struct dt_pane *p, const void *item);
	void (*release)(void *item);
	uint64_t timer;
	uint64_t last_ms, due_ms; /* the last request, the next (monotonic) */
	unsigned interval;
	int tier; /* enum tier when the timer was armed */
	int loading, again; /* again: asked while loading, ask once more */
	char *body; /* the list as last received */
	size_t len;
	char total[24]; /* its X-Total */
	enum view view;
	long detail_id;
	long *row_ids; /* in a detail: an id per row (jobs), else NULL */
	size_t nr_row_ids;
	size_t list_sel; /* the list's selection when a detail opened */
};

/* A GraphqlChannel subscription to one pipeline's (or job's) status. */
struct psub {
	long id;
	int job; /* a job (the one whose log is open), else a pipeline */
	char *ident; /* the exact identifier sent; NULL once refused */
};

struct dt_panels {
	struct dt_app *app;
	struct dt_loop *loop;
	struct dt_panels_opts o;
	char *project_id, *branch, *instance;
	struct dt_gl_client gl;
	struct dt_gl_oauth oauth;
	int oauth_on;
	struct dt_ac_client *cable;
	struct psub subs[MAX_SUBS];
	int nr_subs;
	unsigned long welcomes;
	long job_pipeline; /* the pipeline of the job whose log is open */
	struct panel panels[3];
	int offline;
	/* the job log being tailed */
	struct dt_gl_trace trace;
	long tail_job;
	uint64_t tail_timer;
	unsigned tail_quiet; /* polls in a row that brought nothing new */
	int tail_running, tail_done, tail_skip;
	void (*review_cb)(void *, long, const char *, size_t);
	void *review_ud;
	/* what a question on the status line or a dialog is about */
	enum dt_pane_id act_pane;
	long act_id;
	const char *act_what; /* job action: "retry" | "cancel" */
	long *member_ids;
	size_t nr_members;
};

/* ---- rows ---------------------------------------------------------------- */

static enum dt_elem status_elem(const char *s)
{
	if (!s)
		return DT_E_normal;
	if (!strcmp(s, "success"))
		return DT_E_ok;
	if (!strcmp(s, "failed"))
		return DT_E_error;
	if (!strcmp(s, "running") || !strcmp(s, "pending") || !strcmp(s, "preparing"))
		return DT_E_running;
	if (!strcmp(s, "canceled") || !strcmp(s, "skipped") || !strcmp(s, "manual"))
		return DT_E_dim;
	return DT_E_normal;
}

static const char *status_glyph(const char *s)
{
	static const struct {
		const char *status, *glyph;
	} g[] = {
		{"success", "✔"}, {"failed", "✖"}, {"running", "▶"}, {"pending", "…"},
		{"canceled", "⊘"}, {"canceling", "⊘"}, {"skipped", "»"}, {"manual", "⚙"},
		{"created", "○"}, {"scheduled", "◷"}, {"preparing", "…"},
		{"waiting_for_resource", "…"}, {"waiting_for_callback", "…"},
	};

	for (size_t i = 0; s && i < sizeof(g) / sizeof(*g); i++)
		if (!strcmp(s, g[i].status))
			return g[i].glyph;
	return " ";
}

static void mr_row(struct dt_pane *p, const void *item)
{
	const struct dt_gl_mr *m = item;
	enum dt_elem e = m->draft ? DT_E_draft : DT_E_normal;

	if (m->has_conflicts || (m->detailed_merge_status &&
				 !strcmp(m->detailed_merge_status, "conflict")))
		e = DT_E_error;
	dt_pane_add_row(p, e, "!%-3ld %s %s · %s · @%s · %.10s", m->iid,
			status_glyph(m->pipeline_status), m->title ? m->title : "",
			m->draft ? "draft" : dt_gl_merge_status_label(m->detailed_merge_status),
			m->author ? m->author : "?", m->updated_at ? m->updated_at : "");
	if (m->web_url)
		dt_pane_set_row_url(p, m->web_url);
}

static void issue_row(struct dt_pane *p, const void *item)
{
	const struct dt_gl_issue *i = item;

	dt_pane_add_row(p, DT_E_normal, "#%-3ld %s%s%s%s", i->iid, i->title ? i->title : "",
			i->labels ? "  [" : "", i->labels ? i->labels : "", i->labels ? "]" : "");
	if (i->web_url)
		dt_pane_set_row_url(p, i->web_url);
}

static void pipeline_row(struct dt_pane *p, const void *item)
{
	const struct dt_gl_pipeline *pl = item;

	dt_pane_add_row(p, status_elem(pl->status), "#%ld %s %s · %s · %.8s", pl->id,
			status_glyph(pl->status), pl->ref ? pl->ref : "",
			pl->status ? pl->status : "?", pl->sha ? pl->sha : "");
	if (pl->web_url)
		dt_pane_set_row_url(p, pl->web_url);
}

static struct dt_pane *pane_of(struct panel *pn)
{
	return dt_app_pane(pn->ps->app, pn->id);
}

static struct panel *panel_by_pane(struct dt_panels *ps, enum dt_pane_id id)
{
	for (int i = 0; i < 3; i++)
		if (ps->panels[i].id == id)
			return &ps->panels[i];
	return NULL;
}

/* ---- lists, kept live ------------------------------------------------------- */

static void load(struct panel *pn);

static void on_due(struct dt_loop *loop, void *ud)
{
	struct panel *pn = ud;

	(void)loop;
	pn->timer = 0;
	load(pn);
}

/* How much the user sees of a panel: focused, on screen, or off screen (a
 * tab behind another, or hidden by a zoomed pane: no window). */
enum tier { T_FOCUSED, T_VISIBLE, T_HIDDEN };

static enum tier tier_of(struct panel *pn)
{
	struct dt_pane *p = pane_of(pn);

	return !p->win ? T_HIDDEN : p->focused ? T_FOCUSED : T_VISIBLE;
}

static unsigned tier_base(struct dt_panels *ps, enum tier t)
{
	return t == T_FOCUSED ? ps->o.focused_ms : t == T_VISIBLE ? ps->o.visible_ms
								  : ps->o.hidden_ms;
}

static void arm(struct panel *pn, unsigned delay)
{
	struct dt_loop *loop = pn->ps->loop;

	if (pn->timer)
		dt_loop_cancel_timer(loop, pn->timer);
	pn->due_ms = dt_now_ms() + delay;
	pn->timer = dt_loop_add_timer(loop, delay, on_due, pn);
}

/* The next conditional request: every focused_ms for the focused panel,
 * visible_ms for the others on screen, hidden_ms off screen; the interval
 * doubles (up to max_ms) while GitLab answers 304 and goes back to the base
 * on a change. */
static void schedule(struct panel *pn, int changed, int failed)
{
	struct dt_panels *ps = pn->ps;
	unsigned base;

	pn->tier = tier_of(pn);
	base = tier_base(ps, pn->tier);
	if (changed || !pn->interval)
		pn->interval = base;
	else if (pn->interval < ps->o.max_ms)
		pn->interval *= 2; /* nothing changed (304) or failing: slower */
	if (pn->interval < base)
		pn->interval = base; /* it went out of sight: slower at once */
	if (failed && pn->interval < 2000)
		pn->interval = 2000;
	if (pn->interval > ps->o.max_ms)
		pn->interval = ps->o.max_ms;
	arm(pn, pn->interval);
}

/* Now (a push said something changed): conditional, so cheap when not. */
static void refresh_now(struct panel *pn)
{
	if (pn->loading) {
		pn->again = 1;
		return;
	}
	if (pn->timer)
		dt_loop_cancel_timer(pn->ps->loop, pn->timer);
	pn->timer = 0;
	pn->interval = 0;
	load(pn);
}

static void render_list(struct panel *pn, const struct dt_gl_response *r)
{
	struct dt_pane *p = pane_of(pn);
	struct dt_gl_list list;
	struct dt_sb sub = DT_SB_INIT;
	size_t sel = p->sel, top = p->top;

	if (pn->parse(r->body, r->len, &list)) {
		dt_pane_set_empty(p, "GitLab sent something that is not a list here; "
				     "the log (--log FILE) has the details.");
		return;
	}
	dt_pane_clear_rows(p);
	for (size_t i = 0; i < list.nr; i++)
		pn->row(p, (char *)list.items + i * list.size);
	/* a refresh keeps the selection where it was */
	if (list.nr) {
		p->top = top;
		p->sel = sel;
		dt_pane_move(p, 0);
	}
	if (!list.nr)
		dt_pane_set_empty(p, "None.");
	if (r->x_total && *r->x_total)
		snprintf(pn->total, sizeof(pn->total), "%s", r->x_total);
	dt_sb_addf(&sub, "%s %s", *pn->total ? pn->total : "0", pn->noun);
	dt_pane_set_subtitle(p, sub.buf);
	dt_gl_list_release(&list, pn->release);
	dt_sb_release(&sub);
}

static void set_offline(struct dt_panels *ps, int offline)
{
	if (ps->offline == offline)
		return;
	ps->offline = offline;
	for (int i = 0; i < 3; i++) {
		struct dt_pane *p = pane_of(&ps->panels[i]);

		p->stale = offline && p->nr_rows;
		p->dirty |= DT_DIRTY_TITLE;
	}
	dt_app_set_conn(ps->app, offline ? DT_CONN_CONNECTING : DT_CONN_ONLINE,
			offline ? "reconnecting" : NULL);
}

static void cable_sync(struct dt_panels *ps);

static void on_list(const struct dt_gl_response *r, void *ud)
{
	struct panel *pn = ud;
	struct dt_pane *p = pane_of(pn);
	int changed = 0;

	pn->loading = 0;
	if (r->error) {
		if (r->transport)
			set_offline(pn->ps, 1);
		if (!p->nr_rows)
			dt_pane_set_empty(p, r->error);
		else if (!r->transport)
			dt_app_message(pn->ps->app, "%s: %s", dt_pane_name(pn->id), r->error);
		schedule(pn, 0, 1);
		return;
	}
	set_offline(pn->ps, 0);
	if (!r->not_modified || !pn->body) {
		changed = !pn->body || pn->len != r->len || memcmp(pn->body, r->body, r->len);
		free(pn->body);
		pn->body = dt_xstrndup(r->body, r->len);
		pn->len = r->len;
		if (changed && pn->view == V_LIST)
			render_list(pn, r);
		if (changed && pn->id == DT_PANE_PIPELINES)
			cable_sync(pn->ps);
	}
	schedule(pn, changed, 0);
	if (pn->again) {
		pn->again = 0;
		load(pn);
	}
}

static void load(struct panel *pn)
{
	struct dt_gl_req req = DT_GL_REQ_INIT;
	struct dt_sb path = DT_SB_INIT;

	if (pn->loading)
		return;
	pn->last_ms = dt_now_ms();
	dt_sb_addf(&path, "/projects/%s/%s", pn->ps->project_id, pn->query);
	req.path = path.buf;
	req.flags = DT_GL_CONDITIONAL;
	if (!dt_gl_request(&pn->ps->gl, &req, on_list, pn))
		pn->loading = 1;
	else
		schedule(pn, 0, 1);
	dt_sb_release(&path);
}

/* ---- ActionCable ------------------------------------------------------------ */

/*
 * GitLab pushes a pipeline's status to a GraphqlChannel subscription that
 * names the pipeline (as the web UI's pipeline header and MR widget do); it
 * has no project-wide pipeline subscription.  So: one subscription per
 * pipeline worth watching — the list's unfinished ones and the one open in
 * detail — added and dropped as the list and the detail change.  The
 * ActionCable client sends them again after every reconnect.  A push only
 * says "this pipeline changed": the row (and the detail, when it shows that
 * pipeline) is then asked for again with If-None-Match.
 */
/* What GitLab's pipeline and job pages subscribe to, by kind (psub.job). */
static const struct {
	const char *query, *operation, *field, *var, *gid;
} sub_kinds[2] = {
	{"subscription pipelineStatusUpdated($pipelineId: CiPipelineID!) "
	 "{ ciPipelineStatusUpdated(pipelineId: $pipelineId) { id status detailedStatus { name } } }",
	 "pipelineStatusUpdated", "ciPipelineStatusUpdated", "pipelineId",
	 "gid://gitlab/Ci::Pipeline/"},
	{"subscription jobStatusUpdated($jobId: CiBuildID!) "
	 "{ ciJobStatusUpdated(jobId: $jobId) { id status detailedStatus { name } } }",
	 "jobStatusUpdated", "ciJobStatusUpdated", "jobId", "gid://gitlab/Ci::Build/"},
};

static int pipeline_alive(const char *status)
{
	static const char *const alive[] = {"created", "waiting_for_resource", "preparing",
					    "pending", "running", "scheduled", "canceling",
					    "waiting_for_callback"};

	for (size_t i = 0; status && i < sizeof(alive) / sizeof(*alive); i++)
		if (!strcmp(status, alive[i]))
			return 1;
	return 0;
}

static struct psub *sub_find(struct dt_panels *ps, long id, int job)
{
	for (int i = 0; i < ps->nr_subs; i++)
		if (ps->subs[i].id == id && ps->subs[i].job == job)
			return &ps->subs[i];
	return NULL;
}

static struct psub *sub_by_ident(struct dt_panels *ps, const char *ident)
{
	for (int i = 0; ident && i < ps->nr_subs; i++)
		if (ps->subs[i].ident && !strcmp(ps->subs[i].ident, ident))
			return &ps->subs[i];
	return NULL;
}

static void sub_add(struct dt_panels *ps, long id, int job)
{
	struct dt_ac_graphql_sub sub = {.query = sub_kinds[job].query,
					.operation_name = sub_kinds[job].operation};
	struct dt_sb ident = DT_SB_INIT, gid = DT_SB_INIT;
	cJSON *vars = cJSON_CreateObject();

	if (ps->nr_subs == MAX_SUBS || sub_find(ps, id, job))
		goto out;
	dt_sb_addf(&gid, "%s%ld", sub_kinds[job].gid, id);
	cJSON_AddStringToObject(vars, sub_kinds[job].var, gid.buf);
	sub.variables = vars;
	if (dt_ac_graphql_identifier(&ident, &sub) || dt_ac_subscribe(ps->cable, ident.buf))
		goto out;
	ps->subs[ps->nr_subs] = (struct psub){id, job, dt_sb_detach(&ident, NULL)};
	ps->nr_subs++;
out:
	cJSON_Delete(vars);
	dt_sb_release(&gid);
	dt_sb_release(&ident);
}

static void sub_drop(struct dt_panels *ps, struct psub *s)
{
	if (s->ident && ps->cable)
		dt_ac_unsubscribe(ps->cable, s->ident);
	free(s->ident);
	*s = ps->subs[--ps->nr_subs];
}

/* What is worth a subscription now — the open pipeline (or the open job's
 * pipeline, and the job while its log is tailed) and the list's unfinished
 * pipelines — and the subscriptions made to match. */
static void cable_sync(struct dt_panels *ps)
{
	struct panel *pn = &ps->panels[2];
	struct psub want[MAX_SUBS];
	int nr_want = 0;
	struct dt_gl_list l;

	if (!ps->cable)
		return;
	if (pn->view == V_PIPELINE)
		want[nr_want++] = (struct psub){pn->detail_id, 0, NULL};
	else if (pn->view == V_JOB && ps->job_pipeline)
		want[nr_want++] = (struct psub){ps->job_pipeline, 0, NULL};
	if (pn->view == V_JOB && !ps->tail_done)
		want[nr_want++] = (struct psub){ps->tail_job, 1, NULL};
	if (pn->body && !pn->parse(pn->body, pn->len, &l)) {
		for (size_t i = 0; i < l.nr && nr_want < MAX_SUBS; i++) {
			struct dt_gl_pipeline *pl = DT_GL_ITEM(&l, struct dt_gl_pipeline, i);
			int k = 0;

			while (k < nr_want && (want[k].job || want[k].id != pl->id))
				k++;
			if (pipeline_alive(pl->status) && k == nr_want)
				want[nr_want++] = (struct psub){pl->id, 0, NULL};
		}
		dt_gl_list_release(&l, pn->release);
	}
	for (int i = ps->nr_subs - 1; i >= 0; i--) {
		int k = 0;

		while (k < nr_want &&
		       (want[k].id != ps->subs[i].id || want[k].job != ps->subs[i].job))
			k++;
		if (k == nr_want)
			sub_drop(ps, &ps->subs[i]);
	}
	for (int k = 0; k < nr_want; k++)
		sub_add(ps, want[k].id, want[k].job);
}

static void detail_refresh(struct panel *pn);
static void tail_next(struct dt_panels *ps);

static void on_push(struct dt_panels *ps, struct psub *s, const cJSON *message)
{
	struct panel *pn = &ps->panels[2];
	struct dt_ac_graphql_result gr;

	/* the first message of a subscription is its (null) initial result */
	if (dt_ac_graphql_result(message, &gr))
		return;
	if (gr.errors && !gr.more) {
		dt_warn("gitlab", "%s %ld: the subscription ended with an error",
			s->job ? "job" : "pipeline", s->id);
		free(s->ident);
		s->ident = NULL; /* do not ask again */
		return;
	}
	if (!gr.data || cJSON_IsNull(gr.data) ||
	    cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(gr.data, sub_kinds[s->job].field)))
		return;
	dt_debug("gitlab", "%s %ld changed (pushed)", s->job ? "job" : "pipeline", s->id);
	if (!s->job)
		refresh_now(pn);
	if (!s->job && pn->view == V_PIPELINE && pn->detail_id == s->id)
		detail_refresh(pn);
	else if (pn->view == V_JOB && !ps->tail_done && ps->tail_timer &&
		 (s->job ? ps->tail_job : ps->job_pipeline) == s->id) {
		/* the job may have ended: look now rather than after the backoff */
		dt_loop_cancel_timer(ps->loop, ps->tail_timer);
		ps->tail_timer = 0;
		tail_next(ps);
	}
}

static void on_cable(const struct dt_ac_event *ev, void *ud)
{
	struct dt_panels *ps = ud;
	struct psub *s;

	switch (ev->type) {
	case DT_AC_EV_MESSAGE:
		if ((s = sub_by_ident(ps, ev->identifier)))
			on_push(ps, s, ev->message);
		break;
	case DT_AC_EV_CONNECTED:
		/* after a reconnect (subscriptions sent again by the client),
		 * what changed meanwhile was not pushed: ask once */
		if (ps->welcomes++) {
			refresh_now(&ps->panels[2]);
			if (ps->panels[2].view == V_PIPELINE)
				detail_refresh(&ps->panels[2]);
		}
		break;
	case DT_AC_EV_REJECTED:
	case DT_AC_EV_SUB_TIMEOUT:
		/* forgotten by the client; keep the entry so it is not sent again */
		if ((s = sub_by_ident(ps, ev->identifier))) {
			dt_warn("gitlab", "%s %ld: subscription %s", s->job ? "job" : "pipeline",
				s->id, ev->type == DT_AC_EV_REJECTED ? "rejected" : "unanswered");
			free(s->ident);
			s->ident = NULL;
		}
		break;
	case DT_AC_EV_CLOSED:
		if (ev->final)
			ps->cable = NULL;
		break;
	default:
		break;
	}
}

static void start_cable(struct dt_panels *ps, const char *token)
{
	struct dt_ac_opts o = DT_AC_OPTS_INIT;
	struct dt_sb url = DT_SB_INIT;
	const char *inst = ps->instance;

	dt_sb_addf(&url, "%s%s/-/cable", !strncmp(inst, "https", 5) ? "wss" : "ws",
		   strstr(inst, "://") ? strstr(inst, "://") : "://");
	o.url = url.buf;
	o.token = token;
	ps->cable = dt_ac_open(ps->gl.net, ps->loop, &o, on_cable, ps);
	dt_sb_release(&url);
}

/* ---- start -------------------------------------------------------------- */

static void on_user(const struct dt_gl_response *r, void *ud)
{
	struct dt_panels *ps = ud;
	struct dt_gl_user u;
	struct dt_sb sb = DT_SB_INIT;

	if (r->error) {
		dt_app_set_conn(ps->app, r->status ? DT_CONN_ONLINE : DT_CONN_ERROR,
				r->auth_failed ? "sign in again" : NULL);
		dt_app_message(ps->app, "%s", r->error);
		return;
	}
	if (!dt_gl_parse_user(r->body, r->len, &u)) {
		dt_sb_addf(&sb, "@%s", u.username);
		dt_app_set_conn(ps->app, DT_CONN_ONLINE, sb.buf);
		dt_gl_user_release(&u);
	}
	dt_sb_release(&sb);
}

static void on_auth(struct dt_gl_client *c, void *ud)
{
	struct dt_panels *ps = ud;

	if (c->auth_rejected)
		dt_app_set_conn(ps->app, DT_CONN_ERROR, "sign in again: duoterm login");
}

/* DUOTERM_POLL_MS=FOCUSED:VISIBLE:HIDDEN:MAX (milliseconds), for tests and
 * benchmarks; what it leaves out (or gives as 0) keeps the default. */
static void poll_env(struct dt_panels_opts *o)
{
	const char *e = getenv("DUOTERM_POLL_MS");
	unsigned f = 0, v = 0, h = 0, m = 0;

	if (!e || sscanf(e, "%u:%u:%u:%u", &f, &v, &h, &m) < 1)
		return;
	o->focused_ms = f ? f : o->focused_ms;
	o->visible_ms = v ? v : o->visible_ms;
	o->hidden_ms = h ? h : o->hidden_ms;
	o->max_ms = m ? m : o->max_ms;
}

static void panel_draw(struct dt_pane *p);
static int panel_action(struct dt_pane *p, enum dt_action a);

/* The list pane plus the side panels' own keys (context S, looked up before
 * the list's); filled from dt_list_pane_ops at start. */
static struct dt_pane_ops panel_ops;

static void init_panel(struct dt_panels *ps, int i, enum dt_pane_id id, const char *query,
		       const char *noun)
{
	static const struct {
		int (*parse)(const char *, size_t, struct dt_gl_list *);
		void (*row)(struct dt_pane *, const void *);
		void (*release)(void *);
	} k[] = {
		{dt_gl_parse_mrs, mr_row, (void (*)(void *))dt_gl_mr_release},
		{dt_gl_parse_issues, issue_row, (void (*)(void *))dt_gl_issue_release},
		{dt_gl_parse_pipelines, pipeline_row, (void (*)(void *))dt_gl_pipeline_release},
	};
	struct panel *pn = &ps->panels[i];
	struct dt_pane *p = dt_app_pane(ps->app, id);

	pn->ps = ps;
	pn->id = id;
	pn->query = query;
	pn->noun = noun;
	pn->parse = k[i].parse;
	pn->row = k[i].row;
	pn->release = k[i].release;
	p->ops = &panel_ops;
	p->priv = pn;
}

struct dt_panels *dt_panels_start(struct dt_app *app, struct dt_loop *loop, struct dt_net *net,
				  const struct dt_config *cfg, const struct dt_context *ctx,
				  const struct dt_panels_opts *opts)
{
	struct dt_panels *ps = dt_xcalloc(1, sizeof(*ps));

	ps->app = app;
	ps->loop = loop;
	if (opts)
		ps->o = *opts;
	panel_ops = dt_list_pane_ops;
	panel_ops.ctx = DT_CTX_LIST | DT_CTX_PANEL;
	panel_ops.draw = panel_draw;
	panel_ops.action = panel_action;
	poll_env(&ps->o);
	ps->o.focused_ms = ps->o.focused_ms ? ps->o.focused_ms : 10000;
	ps->o.visible_ms = ps->o.visible_ms ? ps->o.visible_ms : 30000;
	ps->o.hidden_ms = ps->o.hidden_ms ? ps->o.hidden_ms : 120000;
	ps->o.max_ms = ps->o.max_ms ? ps->o.max_ms : 300000;
	ps->instance = dt_xstrdup(cfg->instance_url);
	init_panel(ps, 0, DT_PANE_MRS, "merge_requests?state=opened&per_page=50", "open");
	init_panel(ps, 1, DT_PANE_ISSUES, "issues?state=opened&per_page=50", "open");
	init_panel(ps, 2, DT_PANE_PIPELINES, "pipelines?per_page=20", "pipelines");
	dt_gl_client_init(&ps->gl, net, cfg->instance_url, cfg->token, cfg->token_source);
	dt_gl_client_set_loop(&ps->gl, loop);
	ps->gl.on_auth = on_auth;
	ps->gl.on_auth_ud = ps;
	ps->oauth_on = !dt_gl_oauth_attach(&ps->oauth, &ps->gl, loop, cfg->credentials_file,
					   cfg->instance_url);
	if (ctx->no_gitlab) {
		for (int p = DT_PANE_MRS; p <= DT_PANE_PIPELINES; p++)
			dt_pane_set_empty(dt_app_pane(app, (enum dt_pane_id)p), ctx->no_gitlab);
		dt_app_set_conn(app, DT_CONN_OFFLINE, NULL);
		return ps;
	}
	ps->project_id = dt_xstrdup(ctx->project_id);
	ps->branch = ctx->branch ? dt_xstrdup(ctx->branch) : NULL;
	dt_app_set_conn(app, DT_CONN_CONNECTING, NULL);
	dt_gl_get(&ps->gl, "/user", on_user, ps);
	/* all at once: the three panels load in about one round trip */
	for (int i = 0; i < 3; i++) {
		dt_pane_set_empty(pane_of(&ps->panels[i]), "Loading…");
		load(&ps->panels[i]);
	}
	if (!ps->o.no_cable && !getenv("DUOTERM_NO_CABLE"))
		start_cable(ps, ps->oauth_on ? ps->oauth.creds.token : cfg->token);
	return ps;
}

struct dt_gl_client *dt_panels_client(struct dt_panels *ps)
{
	return ps && ps->project_id ? &ps->gl : NULL;
}

unsigned long dt_panels_requests(const struct dt_panels *ps)
{
	return ps->gl.stats.requests;
}

void dt_panels_on_review(struct dt_panels *ps,
			 void (*cb)(void *ud, long iid, const char *diffs_json, size_t len),
			 void *ud)
{
	ps->review_cb = cb;
	ps->review_ud = ud;
}

void dt_panels_free(struct dt_panels *ps)
{
	if (!ps)
		return;
	for (int i = 0; i < 3; i++) {
		free(ps->panels[i].body);
		free(ps->panels[i].row_ids);
	}
	if (ps->cable)
		dt_ac_free(ps->cable);
	for (int i = 0; i < ps->nr_subs; i++)
		free(ps->subs[i].ident);
	free(ps->member_ids);
	if (ps->oauth_on)
		dt_gl_oauth_release(&ps->oauth);
	dt_gl_client_release(&ps->gl);
	dt_gl_trace_release(&ps->trace);
	free(ps->project_id);
	free(ps->branch);
	free(ps->instance);
	free(ps);
}

/* ---- details --------------------------------------------------------------- */

struct detail_req {
	struct panel *pn;
	enum view view;
	long id;
	int step;
	int refresh; /* asked again after a push: a 304 changes nothing */
};

static void add_text(struct dt_pane *p, enum dt_elem e, const char *prefix, const char *text)
{
	const char *s = text, *nl;

	while (s && *s) {
		nl = strchr(s, '\n');
		dt_pane_add_row(p, e, "%s%.*s", prefix, (int)(nl ? nl - s : (long)strlen(s)), s);
		s = nl ? nl + 1 : NULL;
	}
}

static void detail_fetch(struct panel *pn, enum view v, long id, int step);

static void show_mr(struct dt_pane *p, const struct dt_gl_response *r)
{
	struct dt_gl_mr_detail d;

	if (dt_gl_parse_mr_detail(r->body, r->len, &d))
		return;
	dt_pane_add_row(p, DT_E_title, "!%ld %s", d.mr.iid, d.mr.title ? d.mr.title : "");
	dt_pane_add_row(p, DT_E_dim, "@%s · %s → %s · %s%s · pipeline %s",
			d.mr.author ? d.mr.author : "?", d.mr.source_branch ? d.mr.source_branch : "",
			d.mr.target_branch ? d.mr.target_branch : "",
			d.mr.draft ? "draft · " : "",
			dt_gl_merge_status_label(d.mr.detailed_merge_status),
			d.mr.pipeline_status ? d.mr.pipeline_status : "none");
	for (size_t i = 0; i < d.reviewers.nr; i++)
		dt_pane_add_row(p, DT_E_dim, "reviewer @%s", d.reviewers.v[i]);
	add_text(p, DT_E_normal, "  ", d.description);
	dt_gl_mr_detail_release(&d);
}

static void show_approvals(struct dt_pane *p, const struct dt_gl_response *r)
{
	struct dt_gl_approvals a;
	struct dt_sb sb = DT_SB_INIT;

	if (dt_gl_parse_approvals(r->body, r->len, &a))
		return;
	for (size_t i = 0; i < a.approved_by.nr; i++)
		dt_sb_addf(&sb, " @%s", a.approved_by.v[i]);
	dt_pane_add_row(p, a.approved ? DT_E_ok : DT_E_warn, "Approvals: %d of %d%s%s",
			a.required - a.left, a.required, sb.len ? " —" : "", sb.len ? sb.buf : "");
	dt_gl_approvals_release(&a);
	dt_sb_release(&sb);
}

static void show_diffs(struct dt_pane *p, const struct dt_gl_response *r)
{
	struct dt_gl_list l;
	int add = 0, del = 0;

	if (dt_gl_parse_diffs(r->body, r->len, &l))
		return;
	for (size_t i = 0; i < l.nr; i++) {
		struct dt_gl_diff *d = DT_GL_ITEM(&l, struct dt_gl_diff, i);

		add += d->added;
		del += d->removed;
	}
	dt_pane_add_row(p, DT_E_diff_file, "Changes: %zu files, +%d −%d", l.nr, add, del);
	for (size_t i = 0; i < l.nr; i++) {
		struct dt_gl_diff *d = DT_GL_ITEM(&l, struct dt_gl_diff, i);

		dt_pane_add_row(p, DT_E_dim, "  %s  +%d −%d", d->new_path ? d->new_path : "?",
				d->added, d->removed);
	}
	dt_gl_list_release(&l, (void (*)(void *))dt_gl_diff_release);
}

static void show_discussions(struct dt_pane *p, const struct dt_gl_response *r)
{
	struct dt_gl_list l;

	if (dt_gl_parse_discussions(r->body, r->len, &l))
		return;
	dt_pane_add_row(p, DT_E_title, "Discussions: %zu", l.nr);
	for (size_t i = 0; i < l.nr; i++) {
		struct dt_gl_discussion *d = DT_GL_ITEM(&l, struct dt_gl_discussion, i);

		for (size_t k = 0; k < d->nr_notes; k++) {
			struct dt_gl_note *n = &d->notes[k];

			if (n->system)
				continue;
			dt_pane_add_row(p, DT_E_id, "%s@%s%s%s%s", k ? "  ↳ " : "",
					n->author ? n->author : "?", n->path ? " on " : "",
					n->path ? n->path : "", n->resolved ? " (resolved)" : "");
			add_text(p, DT_E_normal, k ? "      " : "    ", n->body);
		}
	}
	dt_gl_list_release(&l, (void (*)(void *))dt_gl_discussion_release);
}

static void show_issue(struct dt_pane *p, const struct dt_gl_response *r)
{
	struct dt_gl_issue i;
	char *desc = NULL;

	if (dt_gl_parse_issue(r->body, r->len, &i, &desc))
		return;
	dt_pane_add_row(p, DT_E_title, "#%ld %s", i.iid, i.title ? i.title : "");
	dt_pane_add_row(p, DT_E_dim, "@%s · %s%s%s", i.author ? i.author : "?",
			i.state ? i.state : "", i.labels ? " · " : "", i.labels ? i.labels : "");
	add_text(p, DT_E_normal, "  ", desc);
	free(desc);
	dt_gl_issue_release(&i);
}

static void show_notes(struct dt_pane *p, const struct dt_gl_response *r)
{
	struct dt_gl_list l;

	if (dt_gl_parse_notes(r->body, r->len, &l))
		return;
	dt_pane_add_row(p, DT_E_title, "Notes: %zu", l.nr);
	for (size_t i = 0; i < l.nr; i++) {
		struct dt_gl_note *n = DT_GL_ITEM(&l, struct dt_gl_note, i);

		dt_pane_add_row(p, n->system ? DT_E_dim : DT_E_id, "@%s", n->author ? n->author : "?");
		add_text(p, n->system ? DT_E_dim : DT_E_normal, "    ", n->body);
	}
	dt_gl_list_release(&l, (void (*)(void *))dt_gl_note_release);
}

static int job_by_id(const void *a, const void *b)
{
	long x = (*(struct dt_gl_job *const *)a)->id, y = (*(struct dt_gl_job *const *)b)->id;

	return (x > y) - (x < y);
}

static void show_jobs(struct panel *pn, struct dt_pane *p, const struct dt_gl_response *r)
{
	struct dt_gl_list l;
	struct dt_gl_job **by_id;
	char *done;

	if (dt_gl_parse_jobs(r->body, r->len, &l))
		return;
	free(pn->row_ids);
	pn->row_ids = dt_xcalloc(p->nr_rows + 2 * l.nr + 2, sizeof(long));
	pn->nr_row_ids = p->nr_rows;
	/* stages in pipeline order: jobs are created stage by stage, so by id
	 * (whatever order the server lists them in); each stage once */
	by_id = dt_xcalloc(l.nr + 1, sizeof(*by_id));
	done = dt_xcalloc(l.nr + 1, 1);
	for (size_t i = 0; i < l.nr; i++)
		by_id[i] = DT_GL_ITEM(&l, struct dt_gl_job, i);
	qsort(by_id, l.nr, sizeof(*by_id), job_by_id);
	for (size_t s = 0; s < l.nr; s++) {
		const char *stage = by_id[s]->stage;

		if (done[s])
			continue;
		dt_pane_add_row(p, DT_E_title, "%s", stage ? stage : "?");
		pn->row_ids[pn->nr_row_ids++] = 0;
		for (size_t i = s; i < l.nr; i++) {
			struct dt_gl_job *j = by_id[i];

			if (done[i] || (stage ? !j->stage || strcmp(stage, j->stage) : !!j->stage))
				continue;
			done[i] = 1;
			dt_pane_add_row(p, status_elem(j->status), "  %s %s · %s%s",
					status_glyph(j->status), j->name ? j->name : "?",
					j->status ? j->status : "?",
					j->allow_failure ? " (allowed to fail)" : "");
			pn->row_ids[pn->nr_row_ids++] = j->id;
		}
	}
	free(done);
	free(by_id);
	dt_gl_list_release(&l, (void (*)(void *))dt_gl_job_release);
}

static void on_detail(const struct dt_gl_response *r, void *ud)
{
	struct detail_req *dr = ud;
	struct panel *pn = dr->pn;
	struct dt_pane *p = pane_of(pn);

	if (pn->view != dr->view || pn->detail_id != dr->id)
		return; /* the user moved on */
	if (r->error) {
		dt_pane_add_row(p, DT_E_error, "%s", r->error);
		return;
	}
	switch (dr->view * 10 + dr->step) {
	case V_MR * 10 + 0: show_mr(p, r); break;
	case V_MR * 10 + 1: show_approvals(p, r); break;
	case V_MR * 10 + 2: show_diffs(p, r); break;
	case V_MR * 10 + 3: show_discussions(p, r); return;
	case V_ISSUE * 10 + 0: show_issue(p, r); break;
	case V_ISSUE * 10 + 1: show_notes(p, r); return;
	case V_PIPELINE * 10 + 0: {
		size_t sel = p->sel;

		if (dr->refresh && r->not_modified)
			return;
		dt_pane_clear_rows(p);
		show_jobs(pn, p, r);
		p->sel = sel; /* the same job stays selected */
		dt_pane_move(p, 0);
		return;
	}
	default: return;
	}
	detail_fetch(pn, dr->view, dr->id, dr->step + 1);
}

static void detail_send(struct detail_req *dr);

static void detail_fetch(struct panel *pn, enum view v, long id, int step)
{
	struct detail_req *dr = dt_xmalloc(sizeof(*dr));

	*dr = (struct detail_req){pn, v, id, step, 0};
	detail_send(dr);
}

/* The open pipeline's jobs again (a push said it changed). */
static void detail_refresh(struct panel *pn)
{
	struct detail_req *dr = dt_xmalloc(sizeof(*dr));

	*dr = (struct detail_req){pn, V_PIPELINE, pn->detail_id, 0, 1};
	detail_send(dr);
}

static void detail_send(struct detail_req *dr)
{
	/* {resource, what follows the id}: the path is /projects/P/resource/ID<tail> */
	static const char *const paths[][4][2] = {
		[V_MR] = {{"merge_requests", ""}, {"merge_requests", "/approvals"},
			  {"merge_requests", "/diffs?per_page=100"},
			  {"merge_requests", "/discussions?per_page=100"}},
		[V_ISSUE] = {{"issues", ""}, {"issues", "/notes?sort=asc&per_page=100"}},
		[V_PIPELINE] = {{"pipelines", "/jobs?per_page=100"}},
	};
	struct panel *pn = dr->pn;
	enum view v = dr->view;
	long id = dr->id;
	int step = dr->step;
	struct dt_gl_req req = DT_GL_REQ_INIT;
	struct dt_sb path = DT_SB_INIT;

	dt_sb_addf(&path, "/projects/%s/%s/%ld%s", pn->ps->project_id, paths[v][step][0], id,
		   paths[v][step][1]);
	req.path = path.buf;
	req.flags = DT_GL_CONDITIONAL | DT_GL_OWNS_UD;
	if (v == V_MR && step == 2)
		req.flags |= DT_GL_ALL_PAGES; /* /diffs is paginated */
	dt_gl_request(&pn->ps->gl, &req, on_detail, dr);
	dt_sb_release(&path);
}

static void open_detail(struct panel *pn, enum view v, long id)
{
	struct dt_pane *p = pane_of(pn);

	if (pn->view == V_LIST)
		pn->list_sel = p->sel;
	pn->view = v;
	pn->detail_id = id;
	free(pn->row_ids);
	pn->row_ids = NULL;
	pn->nr_row_ids = 0;
	dt_pane_clear_rows(p);
	dt_pane_set_empty(p, "Loading…");
	dt_pane_set_subtitle(p, "detail · Esc: back");
	detail_fetch(pn, v, id, 0);
	if (v == V_PIPELINE)
		cable_sync(pn->ps);
}

/* ---- the job log ------------------------------------------------------------ */

static enum dt_elem colour_elem(const struct dt_gl_trace_line *l)
{
	for (size_t i = 0; i < l->nr_spans; i++) {
		switch (l->spans[i].fg) {
		case 2: case 10: return DT_E_ok;
		case 1: case 9: return DT_E_error;
		case 4: case 12: return DT_E_dim; /* bright black */
		case 3: case 11: return DT_E_warn;
		case 5: case 6: case 13: case 14: case 7: return DT_E_running;
		default: break;
		}
	}
	return DT_E_normal;
}

static void on_trace_line(void *ud, const struct dt_gl_trace_line *l)
{
	struct dt_panels *ps = ud;
	struct dt_pane *p = dt_app_pane(ps->app, DT_PANE_PIPELINES);

	if (l->kind == DT_GL_LINE_SECTION_END)
		return;
	if (l->kind == DT_GL_LINE_SECTION_START) {
		dt_pane_add_row(p, DT_E_diff_hunk, "%*s%s %s", l->depth * 2, "",
				l->collapsed ? "▸" : "▾", l->len ? l->text : l->section);
		return;
	}
	if (ps->tail_skip && l->depth > 0)
		return;
	dt_pane_add_row(p, colour_elem(l), "%*s%s", l->depth * 2, "", l->text);
}

static void tail_next(struct dt_panels *ps);

static void on_tail_due(struct dt_loop *loop, void *ud)
{
	struct dt_panels *ps = ud;

	(void)loop;
	ps->tail_timer = 0;
	tail_next(ps);
}

static int job_status_final(const char *status)
{
	static const char *const final[] = {"success", "failed", "canceled", "skipped", "manual"};

	for (size_t i = 0; status && i < sizeof(final) / sizeof(*final); i++)
		if (!strcmp(status, final[i]))
			return 1;
	return 0;
}

/* Nothing new came: a finished job's log is complete, so stop asking. */
static void on_job_status(const struct dt_gl_response *r, void *ud)
{
	struct dt_panels *ps = ud;
	cJSON *job = r->error ? NULL : cJSON_ParseWithLength(r->body, r->len);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(job, "status");
	unsigned delay;

	if (ps->panels[2].view != V_JOB || ps->tail_done) {
		cJSON_Delete(job);
		return;
	}
	if (cJSON_IsString(st) && job_status_final(st->valuestring)) {
		struct dt_sb sub = DT_SB_INIT;

		ps->tail_done = 1;
		cable_sync(ps);
		dt_sb_addf(&sub, "job %ld log · %s", ps->tail_job, st->valuestring);
		dt_pane_set_subtitle(dt_app_pane(ps->app, DT_PANE_PIPELINES), sub.buf);
		dt_sb_release(&sub);
		cJSON_Delete(job);
		return;
	}
	cJSON_Delete(job);
	/* still running but quiet: back off to 30 s */
	delay = 3000u << (ps->tail_quiet < 4 ? ps->tail_quiet : 4);
	ps->tail_timer = dt_loop_add_timer(ps->loop, delay > 30000 ? 30000 : delay, on_tail_due, ps);
}

static void check_job_status(struct dt_panels *ps)
{
	struct dt_gl_req req = DT_GL_REQ_INIT;
	struct dt_sb path = DT_SB_INIT;

	dt_sb_addf(&path, "/projects/%s/jobs/%ld", ps->project_id, ps->tail_job);
	req.path = path.buf;
	if (dt_gl_request(&ps->gl, &req, on_job_status, ps))
		ps->tail_timer = dt_loop_add_timer(ps->loop, 30000, on_tail_due, ps);
	dt_sb_release(&path);
}

static void on_trace(const struct dt_gl_response *r, void *ud)
{
	struct dt_panels *ps = ud;
	long long from = 0;
	uint64_t before = ps->trace.offset;

	ps->tail_running = 0;
	if (ps->panels[2].view != V_JOB)
		return;
	if (r->status == 206)
		from = dt_gl_content_range_start(r->content_range);
	if (r->status == 200 || r->status == 206) {
		if (from < 0 || dt_gl_trace_feed_from(&ps->trace, (uint64_t)from, r->body, r->len))
			dt_warn("gitlab", "job log: a gap in the ranges; skipped");
	} else if (r->status != 416 && r->error) {
		dt_app_message(ps->app, "job log: %s", r->error);
	}
	if (ps->trace.offset > before) {
		/* a running job grows: ask again soon */
		ps->tail_quiet = 0;
		ps->tail_timer = dt_loop_add_timer(ps->loop, 1000, on_tail_due, ps);
		return;
	}
	ps->tail_quiet++;
	check_job_status(ps);
}

static void tail_next(struct dt_panels *ps)
{
	struct dt_gl_req req = DT_GL_REQ_INIT;
	struct dt_sb path = DT_SB_INIT;

	if (ps->tail_running || ps->tail_done)
		return;
	dt_sb_addf(&path, "/projects/%s/jobs/%ld/trace", ps->project_id, ps->tail_job);
	req.path = path.buf;
	req.flags = DT_GL_RAW;
	req.range_from = ps->trace.offset;
	if (!dt_gl_request(&ps->gl, &req, on_trace, ps))
		ps->tail_running = 1;
	dt_sb_release(&path);
}

static void open_job(struct dt_panels *ps, long job)
{
	struct panel *pn = &ps->panels[2];
	struct dt_pane *p = pane_of(pn);
	struct dt_sb sub = DT_SB_INIT;

	if (pn->view == V_PIPELINE)
		ps->job_pipeline = pn->detail_id;
	pn->view = V_JOB;
	pn->detail_id = job;
	dt_gl_trace_release(&ps->trace);
	dt_gl_trace_init(&ps->trace, on_trace_line, ps);
	ps->tail_job = job;
	ps->tail_done = 0;
	ps->tail_quiet = 0;
	dt_pane_clear_rows(p);
	dt_sb_addf(&sub, "job %ld log · live", job);
	dt_pane_set_subtitle(p, sub.buf);
	dt_sb_release(&sub);
	tail_next(ps);
	cable_sync(ps);
}

/* ---- the hooks ----------------------------------------------------------- */

static long list_id(struct panel *pn, size_t row)
{
	struct dt_gl_list l;
	long id = 0;

	if (!pn->body || pn->parse(pn->body, pn->len, &l))
		return 0;
	if (row < l.nr) {
		if (pn->id == DT_PANE_MRS)
			id = DT_GL_ITEM(&l, struct dt_gl_mr, row)->iid;
		else if (pn->id == DT_PANE_ISSUES)
			id = DT_GL_ITEM(&l, struct dt_gl_issue, row)->iid;
		else
			id = DT_GL_ITEM(&l, struct dt_gl_pipeline, row)->id;
	}
	dt_gl_list_release(&l, pn->release);
	return id;
}

int dt_panels_open(struct dt_panels *ps, enum dt_pane_id pane, size_t row)
{
	struct panel *pn = panel_by_pane(ps, pane);
	long id;

	if (!pn || !ps->project_id)
		return 0;
	if (pn->view == V_PIPELINE && row < pn->nr_row_ids && pn->row_ids[row]) {
		open_job(ps, pn->row_ids[row]);
		return 1;
	}
	if (pn->view != V_LIST)
		return 1;
	id = list_id(pn, row);
	if (id)
		open_detail(pn, pn->id == DT_PANE_MRS ? V_MR : pn->id == DT_PANE_ISSUES ? V_ISSUE :
									   V_PIPELINE, id);
	return 1;
}

int dt_panels_back(struct dt_panels *ps, enum dt_pane_id pane)
{
	struct panel *pn = panel_by_pane(ps, pane);
	struct dt_gl_response r = {0};

	if (!pn || pn->view == V_LIST)
		return 0;
	if (pn->view == V_JOB) {
		if (ps->tail_timer)
			dt_loop_cancel_timer(ps->loop, ps->tail_timer);
		ps->tail_timer = 0;
		ps->tail_done = 1;
		if (ps->job_pipeline) { /* back to the pipeline's jobs */
			open_detail(pn, V_PIPELINE, ps->job_pipeline);
			return 1;
		}
	}
	pn->view = V_LIST;
	free(pn->row_ids);
	pn->row_ids = NULL;
	pn->nr_row_ids = 0;
	ps->job_pipeline = 0;
	if (pn->body) {
		r.body = pn->body;
		r.len = pn->len;
		pane_of(pn)->sel = pn->list_sel;
		render_list(pn, &r);
	} else {
		dt_pane_clear_rows(pane_of(pn));
	}
	if (pn->id == DT_PANE_PIPELINES)
		cable_sync(ps);
	return 1;
}

/* ---- slash commands --------------------------------------------------------- */

static void list_lines(struct panel *pn, struct dt_sb *out)
{
	struct dt_pane *p = pane_of(pn);

	if (pn->view != V_LIST || !p->nr_rows) {
		dt_sb_addf(out, "%s: %s\n", dt_pane_name(pn->id), p->empty ? p->empty : "nothing yet");
		return;
	}
	for (size_t i = 0; i < p->nr_rows; i++)
		dt_sb_addf(out, "%s\n", p->rows[i].text);
}

int dt_gitlab_slash(struct dt_panels *ps, const char *text, struct dt_sb *out,
		    enum dt_pane_id *focus)
{
	static const struct {
		const char *cmd;
		enum dt_pane_id pane;
		enum view view;
	} cmds[] = {
		{"/mr", DT_PANE_MRS, V_MR},
		{"/issue", DT_PANE_ISSUES, V_ISSUE},
		{"/pipeline", DT_PANE_PIPELINES, V_PIPELINE},
	};
	char verb[16] = "";
	long n = 0;

	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(cmds[i].cmd);
		struct panel *pn = panel_by_pane(ps, cmds[i].pane);

		if (strncmp(text, cmds[i].cmd, k) || (text[k] && text[k] != ' '))
			continue;
		sscanf(text + k, " %15s %ld", verb, &n);
		*focus = cmds[i].pane;
		if (!*verb || !strcmp(verb, "list")) {
			list_lines(pn, out);
			return 0;
		}
		if (!strcmp(verb, "show") && n > 0 && ps->project_id) {
			open_detail(pn, cmds[i].view, n);
			dt_sb_addf(out, "Opening %s %s%ld in %s.\n", cmds[i].cmd + 1,
				   cmds[i].view == V_ISSUE ? "#" : cmds[i].view == V_MR ? "!" : "#", n,
				   dt_pane_name(cmds[i].pane));
			return 0;
		}
		dt_sb_addf(out, "usage: %s list | %s show N\n", cmds[i].cmd, cmds[i].cmd);
		return -1;
	}
	dt_sb_adds(out, "GitLab commands: /mr list|show N, /issue list|show N, "
			"/pipeline list|show N\n");
	return -1;
}

/* ---- writes -------------------------------------------------------------------- */

/* A write is answered: the panel it concerns shows the effect now
 * (conditional requests), an open MR or issue its new note. */
static void wrote(struct dt_panels *ps, enum dt_pane_id pane, const struct dt_gl_response *r)
{
	struct panel *pn = panel_by_pane(ps, pane);

	if (r->error)
		dt_app_error(ps->app, "%s", r->error);
	else
		dt_app_message(ps->app, "Done.");
	refresh_now(pn);
	if (!r->error && (pn->view == V_MR || pn->view == V_ISSUE))
		open_detail(pn, pn->view, pn->detail_id);
	else if (!r->error && pn->view == V_PIPELINE)
		detail_refresh(pn);
}

static void on_wrote_mr(const struct dt_gl_response *r, void *ud)
{
	wrote(ud, DT_PANE_MRS, r);
}

static void on_wrote_issue(const struct dt_gl_response *r, void *ud)
{
	wrote(ud, DT_PANE_ISSUES, r);
}

static void on_wrote_job(const struct dt_gl_response *r, void *ud)
{
	wrote(ud, DT_PANE_PIPELINES, r);
}

int dt_panels_comment(struct dt_panels *ps, enum dt_pane_id pane, long iid, const char *body)
{
	struct dt_sb path = DT_SB_INIT;
	cJSON *o = cJSON_CreateObject();
	int rc;

	dt_sb_addf(&path, "/projects/%s/%s/%ld/notes", ps->project_id,
		   pane == DT_PANE_MRS ? "merge_requests" : "issues", iid);
	cJSON_AddStringToObject(o, "body", body); /* "@duo-developer ..." mentions pass as is */
	rc = dt_gl_send_json(&ps->gl, "POST", path.buf, o,
			     pane == DT_PANE_MRS ? on_wrote_mr : on_wrote_issue, ps);
	cJSON_Delete(o);
	dt_sb_release(&path);
	return rc;
}

int dt_panels_assign(struct dt_panels *ps, long iid, long user_id)
{
	struct dt_sb path = DT_SB_INIT;
	cJSON *o = cJSON_CreateObject(), *ids = cJSON_AddArrayToObject(o, "assignee_ids");
	int rc;

	cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)user_id));
	dt_sb_addf(&path, "/projects/%s/issues/%ld", ps->project_id, iid);
	rc = dt_gl_send_json(&ps->gl, "PUT", path.buf, o, on_wrote_issue, ps);
	cJSON_Delete(o);
	dt_sb_release(&path);
	return rc;
}

int dt_panels_job_action(struct dt_panels *ps, long job, const char *action)
{
	struct dt_sb path = DT_SB_INIT;
	int rc;

	if (strcmp(action, "retry") && strcmp(action, "cancel"))
		return -1;
	dt_sb_addf(&path, "/projects/%s/jobs/%ld/%s", ps->project_id, job, action);
	rc = dt_gl_send_json(&ps->gl, "POST", path.buf, NULL, on_wrote_job, ps);
	dt_sb_release(&path);
	return rc;
}

/* ---- keys (context S) ------------------------------------------------------ */

/*
 * Drawn means on screen, and a redraw follows every change of focus.  A
 * panel armed for a slower tier (off screen, or on screen but not focused)
 * that moved up is due no later than its new base after its last request;
 * within one tier the backoff stays.
 */
static void panel_draw(struct dt_pane *p)
{
	struct panel *pn = p->priv;
	struct dt_panels *ps = pn->ps;
	enum tier t = tier_of(pn);
	uint64_t now = dt_now_ms(), next = pn->last_ms + tier_base(ps, t);

	dt_list_pane_ops.draw(p);
	if (pn->timer && (int)t < pn->tier && pn->due_ms > next) {
		pn->tier = t;
		pn->interval = tier_base(ps, t);
		arm(pn, next > now ? (unsigned)(next - now) : 0);
	}
}

/* The row index (not the view index) of the selection, or -1. */
static long selected_row(struct dt_pane *p)
{
	const struct dt_row *r = dt_pane_view_row(p, p->sel);

	return r ? (long)(r - p->rows) : -1;
}

/* The MR or issue a key is about: the one open, else the one selected. */
static long target_iid(struct panel *pn)
{
	long row;

	if ((pn->id == DT_PANE_MRS && pn->view == V_MR) ||
	    (pn->id == DT_PANE_ISSUES && pn->view == V_ISSUE))
		return pn->detail_id;
	if (pn->view != V_LIST || (row = selected_row(pane_of(pn))) < 0)
		return 0;
	return list_id(pn, (size_t)row);
}

static void on_comment_text(void *ud, const char *text)
{
	struct dt_panels *ps = ud;
	const char *t = text;

	while (t && (*t == ' ' || *t == '\t'))
		t++;
	if (!t || !*t)
		return; /* cancelled, or nothing to say */
	if (dt_panels_comment(ps, ps->act_pane, ps->act_id, text))
		dt_app_error(ps->app, "the comment could not be sent (busy); try again");
}

static void key_comment(struct panel *pn)
{
	struct dt_panels *ps = pn->ps;
	long iid = pn->id == DT_PANE_PIPELINES ? 0 : target_iid(pn);
	struct dt_sb label = DT_SB_INIT;

	if (!iid) {
		dt_app_message(ps->app, pn->id == DT_PANE_PIPELINES
						? "comments go on merge requests (4) and issues (5)"
						: "select a %s first", pn->noun);
		return;
	}
	ps->act_pane = pn->id;
	ps->act_id = iid;
	dt_sb_addf(&label, "comment on %s%ld", pn->id == DT_PANE_MRS ? "!" : "#", iid);
	dt_app_ask(ps->app, label.buf, NULL, on_comment_text, ps);
	dt_sb_release(&label);
}

static void on_member(void *ud, int idx)
{
	struct dt_panels *ps = ud;

	if (idx >= 0 && (size_t)idx < ps->nr_members)
		dt_panels_assign(ps, ps->act_id, ps->member_ids[idx]);
}

static void on_members(const struct dt_gl_response *r, void *ud)
{
	struct dt_panels *ps = ud;
	struct dt_gl_list l;
	const char **items;
	struct dt_sb title = DT_SB_INIT;

	if (r->error) {
		dt_app_error(ps->app, "project members: %s", r->error);
		return;
	}
	if (dt_gl_parse_users(r->body, r->len, &l) || !l.nr) {
		dt_gl_list_release(&l, (void (*)(void *))dt_gl_user_release);
		dt_app_error(ps->app, "project members: none to assign to");
		return;
	}
	free(ps->member_ids);
	ps->member_ids = dt_xcalloc(l.nr, sizeof(long));
	ps->nr_members = l.nr;
	items = dt_xcalloc(l.nr, sizeof(*items));
	for (size_t i = 0; i < l.nr; i++) {
		struct dt_gl_user *u = DT_GL_ITEM(&l, struct dt_gl_user, i);
		struct dt_sb sb = DT_SB_INIT;

		ps->member_ids[i] = u->id;
		dt_sb_addf(&sb, "@%s  %s", u->username ? u->username : "?", u->name ? u->name : "");
		items[i] = dt_sb_detach(&sb, NULL);
	}
	dt_sb_addf(&title, "Assign #%ld to", ps->act_id);
	dt_app_pick(ps->app, title.buf, items, l.nr, 0, on_member, ps);
	for (size_t i = 0; i < l.nr; i++)
		free((char *)items[i]);
	free(items);
	dt_sb_release(&title);
	dt_gl_list_release(&l, (void (*)(void *))dt_gl_user_release);
}

static void key_assign(struct panel *pn)
{
	struct dt_panels *ps = pn->ps;
	struct dt_sb path = DT_SB_INIT;
	long iid = pn->id == DT_PANE_ISSUES ? target_iid(pn) : 0;

	if (!iid) {
		dt_app_message(ps->app, pn->id == DT_PANE_ISSUES ? "select an issue first"
								 : "assign works on issues (5)");
		return;
	}
	ps->act_id = iid;
	dt_sb_addf(&path, "/projects/%s/members/all?per_page=100", ps->project_id);
	if (dt_gl_get(&ps->gl, path.buf, on_members, ps))
		dt_app_error(ps->app, "busy; try again");
	dt_sb_release(&path);
}

static void on_diffs(const struct dt_gl_response *r, void *ud)
{
	struct dt_panels *ps = ud;

	if (r->error) {
		dt_app_error(ps->app, "!%ld diff: %s", ps->act_id, r->error);
		return;
	}
	if (!ps->review_cb) {
		dt_app_message(ps->app, "Review cannot show merge request diffs in this build");
		return;
	}
	ps->review_cb(ps->review_ud, ps->act_id, r->body, r->len);
}

static void key_diff(struct panel *pn)
{
	struct dt_panels *ps = pn->ps;
	struct dt_gl_req req = DT_GL_REQ_INIT;
	struct dt_sb path = DT_SB_INIT;
	long iid = pn->id == DT_PANE_MRS ? target_iid(pn) : 0;

	if (!iid) {
		dt_app_message(ps->app, pn->id == DT_PANE_MRS ? "select a merge request first"
							      : "diffs belong to merge requests (4)");
		return;
	}
	ps->act_id = iid;
	/* the same URL as the detail's: usually a 304 answered from the cache */
	dt_sb_addf(&path, "/projects/%s/merge_requests/%ld/diffs?per_page=100", ps->project_id,
		   iid);
	req.path = path.buf;
	req.flags = DT_GL_CONDITIONAL | DT_GL_ALL_PAGES;
	if (dt_gl_request(&ps->gl, &req, on_diffs, ps))
		dt_app_error(ps->app, "busy; try again");
	dt_sb_release(&path);
}

static void on_job_confirm(void *ud, int yes)
{
	struct dt_panels *ps = ud;

	if (yes && dt_panels_job_action(ps, ps->act_id, ps->act_what))
		dt_app_error(ps->app, "busy; try again");
}

static void key_job(struct panel *pn, const char *what)
{
	struct dt_panels *ps = pn->ps;
	struct dt_pane *p = pane_of(pn);
	struct dt_sb title = DT_SB_INIT, text = DT_SB_INIT;
	long row = selected_row(p), job = 0;

	if (pn->view == V_JOB)
		job = ps->tail_job;
	else if (pn->view == V_PIPELINE && row >= 0 && (size_t)row < pn->nr_row_ids)
		job = pn->row_ids[row];
	if (!job) {
		dt_app_message(ps->app, "open a pipeline (6, Enter) and select a job");
		return;
	}
	ps->act_id = job;
	ps->act_what = what;
	dt_sb_addf(&title, "%s job?", !strcmp(what, "retry") ? "Retry" : "Cancel");
	dt_sb_addf(&text, "%s job %ld%s%s%s?", !strcmp(what, "retry") ? "Run" : "Cancel", job,
		   pn->view == V_PIPELINE ? ": " : "",
		   pn->view == V_PIPELINE ? p->rows[row].text + 2 : "",
		   !strcmp(what, "retry") ? " again" : "");
	dt_app_confirm(ps->app, title.buf, text.buf, on_job_confirm, ps);
	dt_sb_release(&title);
	dt_sb_release(&text);
}

static int panel_action(struct dt_pane *p, enum dt_action a)
{
	struct panel *pn = p->priv;
	struct dt_panels *ps = pn->ps;

	if (a == DT_ACT_PANEL_BACK)
		return dt_panels_back(ps, p->id); /* 0 lets Esc cancel as usual */
	if (!ps->project_id) {
		switch (a) {
		case DT_ACT_PANEL_COMMENT: case DT_ACT_PANEL_ASSIGN: case DT_ACT_PANEL_DIFF:
		case DT_ACT_JOB_RETRY: case DT_ACT_JOB_CANCEL:
			dt_app_message(ps->app, "no GitLab project here (the panel says why)");
			return 1;
		default:
			return dt_list_pane_ops.action(p, a);
		}
	}
	switch (a) {
	case DT_ACT_PANEL_COMMENT: key_comment(pn); return 1;
	case DT_ACT_PANEL_ASSIGN: key_assign(pn); return 1;
	case DT_ACT_PANEL_DIFF: key_diff(pn); return 1;
	case DT_ACT_JOB_RETRY: key_job(pn, "retry"); return 1;
	case DT_ACT_JOB_CANCEL: key_job(pn, "cancel"); return 1;
	default: return dt_list_pane_ops.action(p, a);
	}
}
