/*
 * Typed GitLab REST v4 objects, parsed with cJSON.
 *
 * Parsers never crash on malformed input: a wrong type or a missing field
 * leaves the field zero/NULL; only input that is not JSON at all, or not
 * the expected top-level shape, fails.  Unknown enum values (GitLab adds
 * merge statuses over time) are kept as text.  Strings are owned by the
 * struct; each *_release frees them.
 */
#ifndef DUOTERM_GITLAB_MODEL_H
#define DUOTERM_GITLAB_MODEL_H

#include <stddef.h>

struct dt_gl_user {
	long id;
	char *username, *name, *state, *web_url;
};

struct dt_gl_project {
	long id;
	char *path_with_namespace, *name, *default_branch, *web_url;
};

struct dt_gl_mr {
	long id, iid;
	char *title, *state, *author, *source_branch, *target_branch;
	char *detailed_merge_status; /* as sent, e.g. "mergeable", or an unknown future value */
	char *pipeline_status;       /* head_pipeline.status, else pipeline.status, else NULL */
	char *updated_at, *web_url;
	int draft;
	int has_conflicts;
	int nr_reviewers;
	char *changes_count; /* a string in GitLab ("1000+") */
};

struct dt_gl_issue {
	long id, iid;
	char *title, *state, *author, *updated_at, *web_url;
	char *labels; /* comma-separated */
	int user_notes_count;
	int nr_assignees;
};

struct dt_gl_pipeline {
	long id, iid;
	char *status, *ref, *sha, *source, *updated_at, *web_url;
};

/* A parsed list. */
struct dt_gl_list {
	void *items;
	size_t nr, size; /* size: bytes per item */
};

int dt_gl_parse_user(const char *json, size_t len, struct dt_gl_user *out);
int dt_gl_parse_project(const char *json, size_t len, struct dt_gl_project *out);
/* A list of users, e.g. /projects/:id/members/all. */
int dt_gl_parse_users(const char *json, size_t len, struct dt_gl_list *out);
int dt_gl_parse_mrs(const char *json, size_t len, struct dt_gl_list *out);
int dt_gl_parse_issues(const char *json, size_t len, struct dt_gl_list *out);
int dt_gl_parse_pipelines(const char *json, size_t len, struct dt_gl_list *out);
/* The "message"/"error" of a GitLab error body, or NULL. */
char *dt_gl_error_message(const char *json, size_t len);

void dt_gl_user_release(struct dt_gl_user *u);
void dt_gl_project_release(struct dt_gl_project *p);
void dt_gl_mr_release(struct dt_gl_mr *m);
void dt_gl_issue_release(struct dt_gl_issue *i);
void dt_gl_pipeline_release(struct dt_gl_pipeline *p);
/* Frees a list of MRs, issues or pipelines (release is the item's). */
void dt_gl_list_release(struct dt_gl_list *l, void (*release)(void *item));

#define DT_GL_ITEM(list, type, i) (&((type *)(list)->items)[i])

/* One-word summaries for a list row: "draft", "mergeable", "conflict" ... */
const char *dt_gl_merge_status_label(const char *detailed_merge_status);

#endif
