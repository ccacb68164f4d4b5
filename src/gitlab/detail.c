#include "duoterm/gitlab/detail.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"
#include "model_int.h"

#define STR dt_gl__str
#define NUM dt_gl__num
#define BOOL dt_gl__bool

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Usernames of an array of users (objects with "username", or strings). */
static void names(const cJSON *arr, struct dt_gl_names *out)
{
	const cJSON *u;

	*out = (struct dt_gl_names){0};
	if (!cJSON_IsArray(arr))
		return;
	out->v = dt_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
	cJSON_ArrayForEach(u, arr) {
		char *n = cJSON_IsString(u) ? dt_xstrdup(u->valuestring) : NULL;

		if (!n && cJSON_IsObject(u)) {
			n = STR(u, "username");
			if (!n && cJSON_IsObject(get(u, "user")))
				n = STR(get(u, "user"), "username"); /* approved_by: [{user:{}}] */
		}
		if (n)
			out->v[out->nr++] = n;
	}
}

static char *labels_of(const cJSON *o)
{
	const cJSON *l;
	struct dt_sb sb = DT_SB_INIT;

	cJSON_ArrayForEach(l, get(o, "labels")) {
		const char *name = cJSON_IsString(l) ? l->valuestring : NULL;

		if (!name && cJSON_IsObject(l) && cJSON_IsString(get(l, "name")))
			name = get(l, "name")->valuestring;
		if (name)
			dt_sb_addf(&sb, "%s%s", sb.len ? "," : "", name);
	}
	return sb.len ? dt_sb_detach(&sb, NULL) : NULL;
}

int dt_gl_parse_mr_detail(const char *json, size_t len, struct dt_gl_mr_detail *out)
{
	cJSON *root = dt_gl__parse(json, len, 0);
	const cJSON *hp;

	*out = (struct dt_gl_mr_detail){0};
	if (!root)
		return -1;
	dt_gl__fill_mr(root, &out->mr);
	out->description = STR(root, "description");
	out->created_at = STR(root, "created_at");
	out->merge_status = STR(root, "merge_status");
	out->sha = STR(root, "sha");
	out->labels = labels_of(root);
	out->milestone = dt_gl__nested_str(root, "milestone", "title");
	out->user_notes_count = (int)NUM(root, "user_notes_count");
	hp = get(root, "head_pipeline");
	if (!cJSON_IsObject(hp))
		hp = get(root, "pipeline");
	out->head_pipeline_id = cJSON_IsObject(hp) ? NUM(hp, "id") : 0;
	names(get(root, "reviewers"), &out->reviewers);
	names(get(root, "assignees"), &out->assignees);
	cJSON_Delete(root);
	return out->mr.iid ? 0 : -1;
}

int dt_gl_parse_approvals(const char *json, size_t len, struct dt_gl_approvals *out)
{
	cJSON *root = dt_gl__parse(json, len, 0);

	*out = (struct dt_gl_approvals){0};
	if (!root)
		return -1;
	out->required = (int)NUM(root, "approvals_required");
	out->left = (int)NUM(root, "approvals_left");
	names(get(root, "approved_by"), &out->approved_by);
	out->approved = BOOL(root, "approved") || (out->required && !out->left);
	cJSON_Delete(root);
	return 0;
}

void dt_gl_diff_count(const char *diff, int *added, int *removed)
{
	const char *p = diff;

	*added = *removed = 0;
	while (p && *p) {
		if (*p == '+' && strncmp(p, "+++ ", 4))
			++*added;
		else if (*p == '-' && strncmp(p, "--- ", 4))
			++*removed;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
}

static void fill_diff(const cJSON *o, void *item)
{
	struct dt_gl_diff *d = item;

	d->old_path = STR(o, "old_path");
	d->new_path = STR(o, "new_path");
	d->diff = STR(o, "diff");
	d->new_file = BOOL(o, "new_file");
	d->deleted_file = BOOL(o, "deleted_file");
	d->renamed_file = BOOL(o, "renamed_file");
	dt_gl_diff_count(d->diff, &d->added, &d->removed);
}

static void fill_note(const cJSON *o, void *item)
{
	struct dt_gl_note *n = item;
	const cJSON *pos = get(o, "position");

	n->id = NUM(o, "id");
	n->author = dt_gl__nested_str(o, "author", "username");
	n->body = STR(o, "body");
	n->created_at = STR(o, "created_at");
	n->type = STR(o, "type");
	n->system = BOOL(o, "system");
	n->resolvable = BOOL(o, "resolvable");
	n->resolved = BOOL(o, "resolved");
	if (cJSON_IsObject(pos)) {
		n->path = STR(pos, "new_path");
		if (!n->path)
			n->path = STR(pos, "old_path");
		n->line = NUM(pos, "new_line");
		if (!n->line)
			n->line = NUM(pos, "old_line");
	}
}

static void fill_discussion(const cJSON *o, void *item)
{
	struct dt_gl_discussion *d = item;
	const cJSON *notes = get(o, "notes"), *n;

	d->id = STR(o, "id");
	d->individual_note = BOOL(o, "individual_note");
	if (!cJSON_IsArray(notes))
		return;
	d->notes = dt_xcalloc((size_t)cJSON_GetArraySize(notes) + 1, sizeof(*d->notes));
	cJSON_ArrayForEach(n, notes)
		if (cJSON_IsObject(n))
			fill_note(n, &d->notes[d->nr_notes++]);
}

static void fill_job(const cJSON *o, void *item)
{
	struct dt_gl_job *j = item;
	const cJSON *d = get(o, "duration");

	j->id = NUM(o, "id");
	j->name = STR(o, "name");
	j->stage = STR(o, "stage");
	j->status = STR(o, "status");
	j->ref = STR(o, "ref");
	j->web_url = STR(o, "web_url");
	j->failure_reason = STR(o, "failure_reason");
	j->started_at = STR(o, "started_at");
	j->duration = cJSON_IsNumber(d) && d->valuedouble >= 0 && d->valuedouble < 1e9 ?
			      d->valuedouble : 0;
	j->allow_failure = BOOL(o, "allow_failure");
	if (cJSON_IsObject(get(o, "pipeline")))
		j->pipeline_id = NUM(get(o, "pipeline"), "id");
}

int dt_gl_parse_diffs(const char *json, size_t len, struct dt_gl_list *out)
{
	return dt_gl__parse_list(json, len, out, sizeof(struct dt_gl_diff), fill_diff);
}

int dt_gl_parse_notes(const char *json, size_t len, struct dt_gl_list *out)
{
	return dt_gl__parse_list(json, len, out, sizeof(struct dt_gl_note), fill_note);
}

int dt_gl_parse_discussions(const char *json, size_t len, struct dt_gl_list *out)
{
	return dt_gl__parse_list(json, len, out, sizeof(struct dt_gl_discussion), fill_discussion);
}

int dt_gl_parse_jobs(const char *json, size_t len, struct dt_gl_list *out)
{
	return dt_gl__parse_list(json, len, out, sizeof(struct dt_gl_job), fill_job);
}

int dt_gl_parse_job(const char *json, size_t len, struct dt_gl_job *out)
{
	cJSON *root = dt_gl__parse(json, len, 0);

	*out = (struct dt_gl_job){0};
	if (!root)
		return -1;
	fill_job(root, out);
	cJSON_Delete(root);
	return out->id ? 0 : -1;
}

int dt_gl_parse_issue(const char *json, size_t len, struct dt_gl_issue *out, char **description)
{
	cJSON *root = dt_gl__parse(json, len, 0);

	*out = (struct dt_gl_issue){0};
	if (description)
		*description = NULL;
	if (!root)
		return -1;
	dt_gl__fill_issue(root, out);
	if (description)
		*description = STR(root, "description");
	cJSON_Delete(root);
	return out->iid ? 0 : -1;
}

int dt_gl_parse_pipeline(const char *json, size_t len, struct dt_gl_pipeline *out)
{
	cJSON *root = dt_gl__parse(json, len, 0);

	*out = (struct dt_gl_pipeline){0};
	if (!root)
		return -1;
	dt_gl__fill_pipeline(root, out);
	cJSON_Delete(root);
	return out->id ? 0 : -1;
}

void dt_gl_names_release(struct dt_gl_names *n)
{
	for (size_t i = 0; i < n->nr; i++)
		free(n->v[i]);
	free(n->v);
	*n = (struct dt_gl_names){0};
}

void dt_gl_mr_detail_release(struct dt_gl_mr_detail *d)
{
	dt_gl_mr_release(&d->mr);
	free(d->description);
	free(d->created_at);
	free(d->merge_status);
	free(d->sha);
	free(d->labels);
	free(d->milestone);
	dt_gl_names_release(&d->reviewers);
	dt_gl_names_release(&d->assignees);
	*d = (struct dt_gl_mr_detail){0};
}

void dt_gl_approvals_release(struct dt_gl_approvals *a)
{
	dt_gl_names_release(&a->approved_by);
	*a = (struct dt_gl_approvals){0};
}

void dt_gl_diff_release(struct dt_gl_diff *d)
{
	free(d->old_path);
	free(d->new_path);
	free(d->diff);
	*d = (struct dt_gl_diff){0};
}

void dt_gl_note_release(struct dt_gl_note *n)
{
	free(n->author);
	free(n->body);
	free(n->created_at);
	free(n->type);
	free(n->path);
	*n = (struct dt_gl_note){0};
}

void dt_gl_discussion_release(struct dt_gl_discussion *d)
{
	for (size_t i = 0; i < d->nr_notes; i++)
		dt_gl_note_release(&d->notes[i]);
	free(d->notes);
	free(d->id);
	*d = (struct dt_gl_discussion){0};
}

void dt_gl_job_release(struct dt_gl_job *j)
{
	char **s[] = {&j->name, &j->stage, &j->status, &j->ref, &j->web_url, &j->failure_reason,
		      &j->started_at};

	for (size_t i = 0; i < sizeof(s) / sizeof(*s); i++)
		free(*s[i]);
	*j = (struct dt_gl_job){0};
}
