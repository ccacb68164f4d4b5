/*
 * The repository the workbench runs in, through libgit2.  Main thread only
 * (a libgit2 object stays on the thread that opened it).
 */
#ifndef DUOTERM_GIT_REPO_H
#define DUOTERM_GIT_REPO_H

#include "duoterm/core/strbuf.h"

struct dt_repo;

/* Finds the repository containing path (like git does, walking up).
 * 0, or -1 with the reason in err (not a repository, unreadable ...). */
int dt_repo_open(struct dt_repo **out, const char *path, struct dt_sb *err);
void dt_repo_free(struct dt_repo *repo);
/* The checked-out branch name, "(detached at abc1234)", or "(no commits)". */
char *dt_repo_branch(struct dt_repo *repo);
/* The URL of a remote, or NULL. */
char *dt_repo_remote_url(struct dt_repo *repo, const char *name);
const char *dt_repo_workdir(const struct dt_repo *repo);
/* The libgit2 handle, for the other git/ modules (owned by repo). */
struct git_repository *dt_repo_git(struct dt_repo *repo);
/* 1 when .gitignore (and the other exclude files) ignore path, a path
 * relative to the work tree; is_dir for directories.  0 on any error. */
int dt_repo_ignored(struct dt_repo *repo, const char *path, int is_dir);

#endif
