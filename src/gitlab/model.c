#include "duoterm/gitlab/model.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "model_int.h"

static char *str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsString(v))
		return dt_xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) { /* GitLab is not always consistent */
		struct dt_sb sb = DT_SB_INIT;

		dt_sb_addf(&sb, "%.0f", v->valuedouble);
		return dt_sb_detach(&sb, NULL);
	}
	return NULL;
}

static long num(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsNumber(v) && v->valuedouble >= -9e15 && v->valuedouble <= 9e15)
		return (long)v->valuedouble;
	if (cJSON_IsString(v))
		return strtol(v->valuestring, NULL, 10);
	return 0;
}

static int boolean(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static int count(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
}

static char *nested_str(const cJSON *obj, const char *outer, const char *key)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, outer);

	return cJSON_IsObject(o) ? str(o, key) : NULL;
}

static cJSON *parse(const char *json, size_t len, int want_array)
{
	cJSON *root;

	if (!json)
		return NULL;
	root = cJSON_ParseWithLength(json, len);
	if (!root)
		return NULL;
	if (want_array ? !cJSON_IsArray(root) : !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static void fill_user(const cJSON *o, struct dt_gl_user *u)
{
	u->id = num(o, "id");
	u->username = str(o, "username");
	u->name = str(o, "name");
	u->state = str(o, "state");
	u->web_url = str(o, "web_url");
}

int dt_gl_parse_user(const char *json, size_t len, struct dt_gl_user *out)
{
	cJSON *root = parse(json, len, 0);

	*out = (struct dt_gl_user){0};
	if (!root)
		return -1;
	fill_user(root, out);
	cJSON_Delete(root);
	return out->username ? 0 : -1;
}

int dt_gl_parse_project(const char *json, size_t len, struct dt_gl_project *out)
{
	cJSON *root = parse(json, len, 0);

	*out = (struct dt_gl_project){0};
	if (!root)
		return -1;
	out->id = num(root, "id");
	out->path_with_namespace = str(root, "path_with_namespace");
	out->name = str(root, "name");
	out->default_branch = str(root, "default_branch");
	out->web_url = str(root, "web_url");
	cJSON_Delete(root);
	return out->path_with_namespace ? 0 : -1;
}

static void fill_mr(const cJSON *o, void *item)
{
	struct dt_gl_mr *m = item;

	m->id = num(o, "id");
	m->iid = num(o, "iid");
	m->title = str(o, "title");
	m->state = str(o, "state");
	m->author = nested_str(o, "author", "username");
	m->source_branch = str(o, "source_branch");
	m->target_branch = str(o, "target_branch");
	m->detailed_merge_status = str(o, "detailed_merge_status");
	if (!m->detailed_merge_status)
		m->detailed_merge_status = str(o, "merge_status"); /* before GitLab 15.6 */
	m->pipeline_status = nested_str(o, "head_pipeline", "status");
	if (!m->pipeline_status)
		m->pipeline_status = nested_str(o, "pipeline", "status");
	m->updated_at = str(o, "updated_at");
	m->web_url = str(o, "web_url");
	m->draft = boolean(o, "draft") || boolean(o, "work_in_progress");
	m->has_conflicts = boolean(o, "has_conflicts");
	m->nr_reviewers = count(o, "reviewers");
	m->changes_count = str(o, "changes_count");
}

static void fill_issue(const cJSON *o, void *item)
{
	struct dt_gl_issue *i = item;
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(o, "labels"), *l;
	struct dt_sb sb = DT_SB_INIT;

	i->id = num(o, "id");
	i->iid = num(o, "iid");
	i->title = str(o, "title");
	i->state = str(o, "state");
	i->author = nested_str(o, "author", "username");
	i->updated_at = str(o, "updated_at");
	i->web_url = str(o, "web_url");
	i->user_notes_count = (int)num(o, "user_notes_count");
	i->nr_assignees = count(o, "assignees");
	cJSON_ArrayForEach(l, labels) {
		const char *name = cJSON_IsString(l) ? l->valuestring : NULL;

		if (!name && cJSON_IsObject(l)) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(l, "name");

			name = cJSON_IsString(n) ? n->valuestring : NULL;
		}
		if (name) {
			if (sb.len)
				dt_sb_addc(&sb, ',');
			dt_sb_adds(&sb, name);
		}
	}
	i->labels = sb.len ? dt_sb_detach(&sb, NULL) : NULL;
	dt_sb_release(&sb);
}

static void fill_pipeline(const cJSON *o, void *item)
{
	struct dt_gl_pipeline *p = item;

	p->id = num(o, "id");
	p->iid = num(o, "iid");
	p->status = str(o, "status");
	p->ref = str(o, "ref");
	p->sha = str(o, "sha");
	p->source = str(o, "source");
	p->updated_at = str(o, "updated_at");
	p->web_url = str(o, "web_url");
}

static int parse_list(const char *json, size_t len, struct dt_gl_list *out, size_t size,
		      void (*fill)(const cJSON *, void *))
{
	cJSON *root = parse(json, len, 1), *it;
	size_t n = 0;

	*out = (struct dt_gl_list){.size = size};
	if (!root)
		return -1;
	out->items = dt_xcalloc((size_t)cJSON_GetArraySize(root) + 1, size);
	cJSON_ArrayForEach(it, root) {
		if (!cJSON_IsObject(it))
			continue; /* tolerate junk entries */
		fill(it, (char *)out->items + n * size);
		n++;
	}
	out->nr = n;
	cJSON_Delete(root);
	return 0;
}

int dt_gl_parse_mrs(const char *json, size_t len, struct dt_gl_list *out)
{
	return parse_list(json, len, out, sizeof(struct dt_gl_mr), fill_mr);
}

int dt_gl_parse_issues(const char *json, size_t len, struct dt_gl_list *out)
{
	return parse_list(json, len, out, sizeof(struct dt_gl_issue), fill_issue);
}

static void fill_user_item(const cJSON *o, void *item)
{
	fill_user(o, item);
}

int dt_gl_parse_users(const char *json, size_t len, struct dt_gl_list *out)
{
	return parse_list(json, len, out, sizeof(struct dt_gl_user), fill_user_item);
}

int dt_gl_parse_pipelines(const char *json, size_t len, struct dt_gl_list *out)
{
	return parse_list(json, len, out, sizeof(struct dt_gl_pipeline), fill_pipeline);
}

char *dt_gl_error_message(const char *json, size_t len)
{
	cJSON *root = parse(json, len, 0);
	const cJSON *m;
	char *msg = NULL;

	if (!root)
		return NULL;
	m = cJSON_GetObjectItemCaseSensitive(root, "message");
	if (!m)
		m = cJSON_GetObjectItemCaseSensitive(root, "error_description");
	if (!m)
		m = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (cJSON_IsString(m))
		msg = dt_xstrdup(m->valuestring);
	else if (m)
		msg = cJSON_PrintUnformatted(m);
	cJSON_Delete(root);
	return msg;
}

void dt_gl_user_release(struct dt_gl_user *u)
{
	free(u->username);
	free(u->name);
	free(u->state);
	free(u->web_url);
	*u = (struct dt_gl_user){0};
}

void dt_gl_project_release(struct dt_gl_project *p)
{
	free(p->path_with_namespace);
	free(p->name);
	free(p->default_branch);
	free(p->web_url);
	*p = (struct dt_gl_project){0};
}

void dt_gl_mr_release(struct dt_gl_mr *m)
{
	char **s[] = {&m->title, &m->state, &m->author, &m->source_branch, &m->target_branch,
		      &m->detailed_merge_status, &m->pipeline_status, &m->updated_at, &m->web_url,
		      &m->changes_count};

	for (size_t i = 0; i < sizeof(s) / sizeof(*s); i++)
		free(*s[i]);
	*m = (struct dt_gl_mr){0};
}

void dt_gl_issue_release(struct dt_gl_issue *i)
{
	char **s[] = {&i->title, &i->state, &i->author, &i->updated_at, &i->web_url, &i->labels};

	for (size_t k = 0; k < sizeof(s) / sizeof(*s); k++)
		free(*s[k]);
	*i = (struct dt_gl_issue){0};
}

void dt_gl_pipeline_release(struct dt_gl_pipeline *p)
{
	char **s[] = {&p->status, &p->ref, &p->sha, &p->source, &p->updated_at, &p->web_url};

	for (size_t k = 0; k < sizeof(s) / sizeof(*s); k++)
		free(*s[k]);
	*p = (struct dt_gl_pipeline){0};
}

void dt_gl_list_release(struct dt_gl_list *l, void (*release)(void *item))
{
	for (size_t i = 0; i < l->nr; i++)
		release((char *)l->items + i * l->size);
	free(l->items);
	*l = (struct dt_gl_list){0};
}

const char *dt_gl_merge_status_label(const char *s)
{
	static const struct {
		const char *status, *label;
	} labels[] = {
		{"mergeable", "ready"},
		{"can_be_merged", "ready"},
		{"conflict", "conflict"},
		{"cannot_be_merged", "conflict"},
		{"draft_status", "draft"},
		{"ci_must_pass", "needs CI"},
		{"ci_still_running", "CI running"},
		{"not_approved", "needs approval"},
		{"requested_changes", "changes req."},
		{"discussions_not_resolved", "open threads"},
		{"need_rebase", "needs rebase"},
		{"checking", "checking"},
		{"unchecked", "checking"},
		{"preparing", "preparing"},
		{"approvals_syncing", "syncing"},
		{"not_open", "closed"},
		{"merge_request_blocked", "blocked"},
		{"blocked_status", "blocked"},
		{"commits_status", "commits"},
		{"broken_status", "commits"},
		{"jira_association_missing", "needs Jira"},
		{"status_checks_must_pass", "checks"},
		{"external_status_checks", "checks"},
		{"security_policy_violations", "policy"},
		{"policies_denied", "policy"},
		{"merge_time", "merge time"},
		{"locked_paths", "locked"},
		{"locked_lfs_files", "locked"},
	};

	if (!s)
		return "";
	for (size_t i = 0; i < sizeof(labels) / sizeof(*labels); i++)
		if (!strcmp(s, labels[i].status))
			return labels[i].label;
	return s; /* a status newer than this build: show it as GitLab sent it */
}

/* ---- for detail.c (model_int.h) ---- */

char *dt_gl__str(const cJSON *obj, const char *key)
{
	return str(obj, key);
}

long dt_gl__num(const cJSON *obj, const char *key)
{
	return num(obj, key);
}

int dt_gl__bool(const cJSON *obj, const char *key)
{
	return boolean(obj, key);
}

char *dt_gl__nested_str(const cJSON *obj, const char *outer, const char *key)
{
	return nested_str(obj, outer, key);
}

cJSON *dt_gl__parse(const char *json, size_t len, int want_array)
{
	return parse(json, len, want_array);
}

int dt_gl__parse_list(const char *json, size_t len, struct dt_gl_list *out, size_t size,
		      void (*fill)(const cJSON *, void *))
{
	return parse_list(json, len, out, size, fill);
}

void dt_gl__fill_mr(const cJSON *o, void *item)
{
	fill_mr(o, item);
}

void dt_gl__fill_issue(const cJSON *o, void *item)
{
	fill_issue(o, item);
}

void dt_gl__fill_pipeline(const cJSON *o, void *item)
{
	fill_pipeline(o, item);
}
