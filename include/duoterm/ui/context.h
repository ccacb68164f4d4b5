/*
 * Where duoterm runs: the git repository, its branch, and which GitLab
 * project it belongs to — or, when there is none, why not and how to fix it.
 */
#ifndef DUOTERM_UI_CONTEXT_H
#define DUOTERM_UI_CONTEXT_H

#include "duoterm/core/config.h"

struct dt_repo;

struct dt_context {
	struct dt_repo *repo; /* NULL outside a repository */
	char *branch;
	char *project;        /* group/sub/project, or NULL */
	char *project_id;     /* URL-escaped project path */
	char *no_project;     /* why there is no project, and what to do */
	char *no_gitlab;      /* why the GitLab panels are empty (no token ...) */
};

void dt_context_detect(struct dt_context *ctx, const struct dt_config *cfg);
void dt_context_release(struct dt_context *ctx);

#endif
