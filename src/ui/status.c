#include "duoterm/ui/status.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/log.h"
#include "duoterm/gitlab/client.h"
#include "duoterm/gitlab/model.h"
#include "duoterm/ui/runtime.h"

#define STATUS_TIMEOUT_MS 30000

enum { Q_USER, Q_PROJECT, Q_MRS, Q_ISSUES, Q_PIPELINES, Q_COUNT };

static const char *const q_names[Q_COUNT] = {"user", "project", "merge_requests", "issues",
					     "pipelines"};

struct answer {
	int done;
	long status;
	char *body, *total, *error;
	size_t len;
};

struct status_run {
	struct dt_runtime rt;
	struct dt_gl_client gl;
	struct answer a[Q_COUNT];
	int pending, timed_out;
};

static void on_answer(const struct dt_gl_response *r, void *ud)
{
	struct answer *a = ud;

	a->done = 1;
	a->status = r->status;
	a->body = dt_xstrndup(r->body, r->len);
	a->len = r->len;
	a->total = r->x_total ? dt_xstrdup(r->x_total) : NULL;
	a->error = r->error ? dt_xstrdup(r->error) : NULL;
}

static void on_timeout(struct dt_loop *loop, void *ud)
{
	struct status_run *s = ud;

	s->timed_out = 1;
	dt_loop_quit(loop);
}

static int all_done(const struct status_run *s)
{
	for (int q = 0; q < Q_COUNT; q++)
		if ((s->pending & (1 << q)) && !s->a[q].done)
			return 0;
	return 1;
}

static void ask(struct status_run *s, int q, const char *path)
{
	int rc = dt_gl_get(&s->gl, path, on_answer, &s->a[q]);

	if (rc) {
		s->a[q].done = 1;
		s->a[q].error = dt_xstrdup("could not queue the request");
		return;
	}
	s->pending |= 1 << q;
}

static void ask_all(struct status_run *s, const struct dt_context *ctx)
{
	struct dt_sb p = DT_SB_INIT;

	ask(s, Q_USER, "/user");
	if (!ctx->project_id)
		return;
	dt_sb_addf(&p, "/projects/%s", ctx->project_id);
	ask(s, Q_PROJECT, p.buf);
	dt_sb_reset(&p);
	dt_sb_addf(&p, "/projects/%s/merge_requests?state=opened&per_page=1", ctx->project_id);
	ask(s, Q_MRS, p.buf);
	dt_sb_reset(&p);
	dt_sb_addf(&p, "/projects/%s/issues?state=opened&per_page=1", ctx->project_id);
	ask(s, Q_ISSUES, p.buf);
	dt_sb_reset(&p);
	dt_sb_addf(&p, "/projects/%s/pipelines?per_page=1", ctx->project_id);
	ask(s, Q_PIPELINES, p.buf);
	dt_sb_release(&p);
}

static long total_of(const struct answer *a)
{
	return a->total && *a->total ? strtol(a->total, NULL, 10) : -1;
}

static cJSON *report_json(const struct status_run *s, const struct dt_config *cfg,
			  const struct dt_context *ctx)
{
	cJSON *o = cJSON_CreateObject(), *errors = cJSON_CreateArray();
	struct dt_gl_user u;
	struct dt_gl_list pl;

	cJSON_AddStringToObject(o, "instance", cfg->instance_url);
	cJSON_AddStringToObject(o, "token_source", cfg->token_source ? cfg->token_source : "none");
	if (ctx->branch)
		cJSON_AddStringToObject(o, "branch", ctx->branch);
	if (ctx->project)
		cJSON_AddStringToObject(o, "project", ctx->project);
	if (!s->a[Q_USER].error && !dt_gl_parse_user(s->a[Q_USER].body, s->a[Q_USER].len, &u)) {
		cJSON *uo = cJSON_AddObjectToObject(o, "user");

		cJSON_AddStringToObject(uo, "username", u.username);
		if (u.name)
			cJSON_AddStringToObject(uo, "name", u.name);
		dt_gl_user_release(&u);
	}
	for (int q = Q_MRS; q <= Q_PIPELINES; q++)
		if ((s->pending & (1 << q)) && !s->a[q].error)
			cJSON_AddNumberToObject(o, q_names[q], (double)total_of(&s->a[q]));
	if (!s->a[Q_PIPELINES].error && s->a[Q_PIPELINES].body &&
	    !dt_gl_parse_pipelines(s->a[Q_PIPELINES].body, s->a[Q_PIPELINES].len, &pl)) {
		if (pl.nr) {
			struct dt_gl_pipeline *p = DT_GL_ITEM(&pl, struct dt_gl_pipeline, 0);
			cJSON *po = cJSON_AddObjectToObject(o, "latest_pipeline");

			cJSON_AddNumberToObject(po, "id", (double)p->id);
			cJSON_AddStringToObject(po, "status", p->status ? p->status : "");
			cJSON_AddStringToObject(po, "ref", p->ref ? p->ref : "");
		}
		dt_gl_list_release(&pl, (void (*)(void *))dt_gl_pipeline_release);
	}
	if (ctx->no_gitlab)
		cJSON_AddItemToArray(errors, cJSON_CreateString(ctx->no_gitlab));
	for (int q = 0; q < Q_COUNT; q++) {
		if (s->a[q].error) {
			struct dt_sb sb = DT_SB_INIT;

			dt_sb_addf(&sb, "%s: %s", q_names[q], s->a[q].error);
			cJSON_AddItemToArray(errors, cJSON_CreateString(sb.buf));
			dt_sb_release(&sb);
		}
	}
	if (s->timed_out)
		cJSON_AddItemToArray(errors, cJSON_CreateString("no answer within 30 s"));
	cJSON_AddItemToObject(o, "errors", errors);
	return o;
}

static void print_text(const cJSON *o)
{
	const cJSON *v, *u = cJSON_GetObjectItem(o, "user"), *p;
	const char *labels[] = {"merge_requests", "open merge requests", "issues", "open issues",
				"pipelines", "pipelines"};

	const char *last_error = NULL;

	printf("instance             %s\n", cJSON_GetObjectItem(o, "instance")->valuestring);
	printf("token                from %s\n", cJSON_GetObjectItem(o, "token_source")->valuestring);
	if (u)
		printf("user                 @%s%s%s%s\n",
		       cJSON_GetObjectItem(u, "username")->valuestring,
		       cJSON_GetObjectItem(u, "name") ? " (" : "",
		       cJSON_GetObjectItem(u, "name") ? cJSON_GetObjectItem(u, "name")->valuestring : "",
		       cJSON_GetObjectItem(u, "name") ? ")" : "");
	if ((v = cJSON_GetObjectItem(o, "project")))
		printf("project              %s\n", v->valuestring);
	if ((v = cJSON_GetObjectItem(o, "branch")))
		printf("branch               %s\n", v->valuestring);
	for (size_t i = 0; i < 6; i += 2)
		if ((v = cJSON_GetObjectItem(o, labels[i])))
			printf("%-20s %.0f\n", labels[i + 1], v->valuedouble);
	if ((p = cJSON_GetObjectItem(o, "latest_pipeline")))
		printf("latest pipeline      #%.0f %s on %s\n", cJSON_GetObjectItem(p, "id")->valuedouble,
		       cJSON_GetObjectItem(p, "status")->valuestring,
		       cJSON_GetObjectItem(p, "ref")->valuestring);
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(o, "errors")) {
		const char *e = strchr(v->valuestring, ':');

		/* five requests refused for one reason: say it once */
		if (e && last_error && !strcmp(e, last_error))
			continue;
		last_error = e;
		printf("error                %s\n", v->valuestring);
	}
}

int dt_status_run(const struct dt_config *cfg, const struct dt_context *ctx, int json)
{
	static struct status_run s;
	struct dt_sb err = DT_SB_INIT;
	cJSON *report;
	int rc;

	memset(&s, 0, sizeof(s));
	if (dt_runtime_init(&s.rt, cfg, &err)) {
		fprintf(stderr, "duoterm: %s\n", err.buf);
		dt_sb_release(&err);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	dt_gl_client_init(&s.gl, s.rt.net, cfg->instance_url, cfg->token, cfg->token_source);
	if (cfg->token)
		ask_all(&s, ctx);
	dt_loop_add_timer(&s.rt.loop, STATUS_TIMEOUT_MS, on_timeout, &s);
	while (!s.rt.loop.quit && !all_done(&s))
		dt_loop_run_once(&s.rt.loop, -1);
	dt_runtime_release(&s.rt);
	dt_gl_client_release(&s.gl);
	report = report_json(&s, cfg, ctx);
	if (json) {
		char *text = cJSON_PrintUnformatted(report);

		puts(text);
		free(text);
	} else {
		print_text(report);
	}
	rc = cJSON_GetArraySize(cJSON_GetObjectItem(report, "errors")) ? 1 : 0;
	cJSON_Delete(report);
	for (int q = 0; q < Q_COUNT; q++) {
		free(s.a[q].body);
		free(s.a[q].total);
		free(s.a[q].error);
	}
	dt_sb_release(&err);
	return rc;
}
