/*
 * GitLab tools (DWS names): get_issue, get_merge_request, get_pipeline,
 * get_job_logs, gitlab_search — REST GETs through the GitLab client — and
 * create_issue_note, create_merge_request_note ({issue_iid or
 * merge_request_iid, body}, as DWS spells them) — a POST of {"body"} to the
 * noteable's /notes.  The writes reach here only after the approval policy
 * (policy.c) let them through; the agent audits every run.
 */
#include "tools_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/gitlab/client.h"

struct gl_call {
	char *id;
	dt_tool_done_cb done;
	void *ud;
	int trace;
};

static void on_answer(const struct dt_gl_response *r, void *ud)
{
	struct gl_call *g = ud;
	struct dt_sb sb = DT_SB_INIT;
	struct dt_tool_result res = {g->id, NULL, 0, NULL, r->duration_ms};
	size_t cap = 64 * 1024, len = r->len;
	const char *body = r->body ? r->body : "";

	if (r->error) {
		dt_sb_addf(&sb, "GitLab: %s", r->error);
		res.is_error = 1;
	} else if (len > cap) {
		/* traces: the end is what matters; JSON: the start */
		if (g->trace)
			dt_sb_addf(&sb, "[... %zu bytes omitted ...]\n%s", len - cap, body + len - cap);
		else
			dt_sb_addf(&sb, "%.*s\n[... %zu bytes omitted ...]", (int)cap, body, len - cap);
	} else {
		dt_sb_add(&sb, body, len);
	}
	res.text = sb.buf ? sb.buf : "";
	g->done(&res, g->ud);
	dt_sb_release(&sb);
	free(g->id);
}

static long int_arg(const cJSON *args, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, a);

	if (!v && b)
		v = cJSON_GetObjectItemCaseSensitive(args, b);
	if (cJSON_IsNumber(v))
		return (long)v->valuedouble;
	if (cJSON_IsString(v))
		return strtol(v->valuestring, NULL, 10);
	return -1;
}

static void escape(struct dt_sb *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("-_.~", ch))
			dt_sb_addc(sb, (char)ch);
		else
			dt_sb_addf(sb, "%%%02X", ch);
	}
}

static int build_path(const struct dt_tool_call *c, const char *name, struct dt_sb *path,
		      struct dt_sb *err)
{
	const char *pid = c->t->o.project_id;
	long n;

	dt_sb_addf(path, "/projects/%s", pid);
	if (!strcmp(name, "get_issue") && (n = int_arg(c->args, "issue_iid", "iid")) > 0) {
		dt_sb_addf(path, "/issues/%ld", n);
	} else if (!strcmp(name, "get_merge_request") &&
		   (n = int_arg(c->args, "merge_request_iid", "iid")) > 0) {
		dt_sb_addf(path, "/merge_requests/%ld", n);
	} else if (!strcmp(name, "get_pipeline") && (n = int_arg(c->args, "pipeline_id", "id")) > 0) {
		dt_sb_addf(path, "/pipelines/%ld/jobs?per_page=100", n);
	} else if (!strcmp(name, "get_job_logs") && (n = int_arg(c->args, "job_id", "id")) > 0) {
		dt_sb_addf(path, "/jobs/%ld/trace", n);
	} else if (!strcmp(name, "gitlab_search")) {
		const char *scope = cJSON_GetStringValue(cJSON_GetObjectItem(c->args, "scope"));
		const char *q = cJSON_GetStringValue(cJSON_GetObjectItem(c->args, "search"));

		if (!q) {
			dt_sb_adds(err, "gitlab_search needs \"search\" (and \"scope\": issues, "
					"merge_requests, blobs, commits, notes ...)");
			return -1;
		}
		dt_sb_adds(path, "/search?scope=");
		escape(path, scope ? scope : "issues");
		dt_sb_adds(path, "&search=");
		escape(path, q);
	} else {
		dt_sb_addf(err, "%s: missing or bad id argument", name);
		return -1;
	}
	return 0;
}

static const char *const names[] = {
	"get_issue", "get_merge_request", "get_pipeline", "get_job_logs", "gitlab_search",
	"create_issue_note", "create_merge_request_note", NULL,
};

/* The POST a note-writing call makes: its path and {"body": ...}. */
static cJSON *note_request(const struct dt_tool_call *c, const char *name, struct dt_sb *path,
			   struct dt_sb *err)
{
	int issue = !strcmp(name, "create_issue_note");
	const char *body = cJSON_GetStringValue(cJSON_GetObjectItem(c->args, "body"));
	long n = int_arg(c->args, issue ? "issue_iid" : "merge_request_iid", "iid");
	cJSON *obj;

	if (n <= 0) {
		dt_sb_addf(err, "%s needs \"%s\" (a number)", name,
			   issue ? "issue_iid" : "merge_request_iid");
		return NULL;
	}
	if (!body || !body[strspn(body, " \t\r\n")]) {
		dt_sb_addf(err, "%s needs a non-empty \"body\" (the comment, Markdown)", name);
		return NULL;
	}
	dt_sb_addf(path, "/projects/%s/%s/%ld/notes", c->t->o.project_id,
		   issue ? "issues" : "merge_requests", n);
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "body", body);
	return obj;
}

int dt_tools_gitlab(const struct dt_tool_call *c, const char *name)
{
	struct dt_sb path = DT_SB_INIT, err = DT_SB_INIT;
	struct dt_gl_req req = DT_GL_REQ_INIT;
	struct gl_call *g;
	cJSON *note = NULL;
	char *text = NULL;
	size_t i;

	for (i = 0; names[i] && strcmp(names[i], name); i++)
		;
	if (!names[i])
		return -1;
	if (!c->t->o.gitlab || !c->t->o.project_id) {
		dt_tool_finish(c, "GitLab is not available here (no token or no project)", 1, NULL);
		return 0;
	}
	if (!strncmp(name, "create_", 7) ? !(note = note_request(c, name, &path, &err))
					 : build_path(c, name, &path, &err)) {
		dt_tool_finish(c, err.buf, 1, NULL);
		goto out;
	}
	g = dt_xcalloc(1, sizeof(*g));
	*g = (struct gl_call){dt_xstrdup(c->id), c->done, c->ud, !strcmp(name, "get_job_logs")};
	char *id = g->id;

	req.path = path.buf;
	req.flags = DT_GL_OWNS_UD; /* g is freed by the client */
	if (note) {
		req.method = "POST";
		req.body = text = cJSON_PrintUnformatted(note);
	}
	if (dt_gl_request(c->t->o.gitlab, &req, on_answer, g)) {
		free(id);
		dt_tool_finish(c, "GitLab request could not start (busy)", 1, NULL);
	}
out:
	cJSON_Delete(note);
	free(text);
	dt_sb_release(&path);
	dt_sb_release(&err);
	return 0;
}
