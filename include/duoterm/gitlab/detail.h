/*
 * Typed GitLab objects for the detail views: a merge request in full, its
 * approvals and diffs, notes and discussions, and CI jobs.
 *
 * Same manners as model.h: cJSON, never a crash on odd input, a wrong type
 * or a missing field leaves the field zero/NULL, unknown enum values are
 * kept as text; only text that is not JSON or not the expected top-level
 * shape fails (-1).  Strings and arrays are owned by the struct and freed
 * by its *_release.
 */
#ifndef DUOTERM_GITLAB_DETAIL_H
#define DUOTERM_GITLAB_DETAIL_H

#include <stddef.h>

#include "duoterm/gitlab/model.h"

/* A list of user names ("rpatel"), owned. */
struct dt_gl_names {
	char **v;
	size_t nr;
};

struct dt_gl_mr_detail {
	struct dt_gl_mr mr; /* the list fields */
	char *description, *created_at, *merge_status, *sha, *labels, *milestone;
	long head_pipeline_id;
	int user_notes_count;
	struct dt_gl_names reviewers, assignees;
};

struct dt_gl_approvals {
	int required, left, approved;
	struct dt_gl_names approved_by;
};

/* One file of /merge_requests/:iid/diffs, with its line counts. */
struct dt_gl_diff {
	char *old_path, *new_path, *diff;
	int new_file, deleted_file, renamed_file;
	int added, removed;
};

struct dt_gl_note {
	long id;
	char *author, *body, *created_at, *type; /* type: NULL, "DiffNote", "DiscussionNote" */
	int system, resolvable, resolved;
	char *path; /* DiffNote: position.new_path (or old_path) */
	long line;  /* DiffNote: position.new_line (or old_line) */
};

struct dt_gl_discussion {
	char *id;
	int individual_note;
	struct dt_gl_note *notes;
	size_t nr_notes;
};

struct dt_gl_job {
	long id, pipeline_id;
	char *name, *stage, *status, *ref, *web_url, *failure_reason, *started_at;
	double duration; /* seconds, 0 when not started */
	int allow_failure;
};

int dt_gl_parse_mr_detail(const char *json, size_t len, struct dt_gl_mr_detail *out);
int dt_gl_parse_approvals(const char *json, size_t len, struct dt_gl_approvals *out);
/* Lists of struct dt_gl_diff, dt_gl_note, dt_gl_discussion, dt_gl_job. */
int dt_gl_parse_diffs(const char *json, size_t len, struct dt_gl_list *out);
int dt_gl_parse_notes(const char *json, size_t len, struct dt_gl_list *out);
int dt_gl_parse_discussions(const char *json, size_t len, struct dt_gl_list *out);
int dt_gl_parse_jobs(const char *json, size_t len, struct dt_gl_list *out);
int dt_gl_parse_job(const char *json, size_t len, struct dt_gl_job *out);
/* A single issue (the list struct, plus description). */
int dt_gl_parse_issue(const char *json, size_t len, struct dt_gl_issue *out, char **description);
/* A single pipeline. */
int dt_gl_parse_pipeline(const char *json, size_t len, struct dt_gl_pipeline *out);

/* Lines added and removed in a unified diff body. */
void dt_gl_diff_count(const char *diff, int *added, int *removed);

void dt_gl_names_release(struct dt_gl_names *n);
void dt_gl_mr_detail_release(struct dt_gl_mr_detail *d);
void dt_gl_approvals_release(struct dt_gl_approvals *a);
void dt_gl_diff_release(struct dt_gl_diff *d);
void dt_gl_note_release(struct dt_gl_note *n);
void dt_gl_discussion_release(struct dt_gl_discussion *d);
void dt_gl_job_release(struct dt_gl_job *j);

#endif
