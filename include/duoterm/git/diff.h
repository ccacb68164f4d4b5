/*
 * The diff model behind the Review pane: a list of files, each loaded into
 * hunks (include/duoterm/git/hunk.h) only when asked — listing 900 files
 * costs a tree/index/stat walk, not 77,000 lines of diff.
 *
 * Sources:
 *   DT_DIFF_UNSTAGED  index -> working tree   (what `git add -p` offers)
 *   DT_DIFF_STAGED    HEAD -> index           (what `git reset -p` offers)
 *   DT_DIFF_PROPOSED  working file -> agent proposal (dt_diff_open_proposed)
 *
 * Files come in git's order (by path, bytewise), one per path, exactly as
 * the plumbing `git add -p` runs lists them (no rename detection).  With
 * DT_DIFF_FIND_RENAMES (the default) the two sides of what `git diff -M`
 * and git status call a rename are marked: status 'R' on both, the new
 * side's old_path and the old side's renamed_to naming the other.  Display
 * only: each side is still its own file with its own hunks.
 *
 * The dt_diff owns every file and patch; pointers stay valid until
 * dt_diff_free(), or for a file's patch until dt_diff_unload() of that file.
 * Main thread only (libgit2 objects inside).
 */
#ifndef DUOTERM_GIT_DIFF_H
#define DUOTERM_GIT_DIFF_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/git/hunk.h"
#include "duoterm/git/repo.h"

enum dt_diff_source { DT_DIFF_UNSTAGED, DT_DIFF_STAGED, DT_DIFF_PROPOSED, DT_DIFF_TEXTS };

#define DT_DIFF_FIND_RENAMES 1u

struct dt_diff_options {
	size_t max_file_size; /* bigger files are summarised, not diffed */
	unsigned flags;
};

#define DT_DIFF_DEFAULT_MAX_SIZE (8u << 20)
#define DT_DIFF_OPTIONS_INIT {DT_DIFF_DEFAULT_MAX_SIZE, DT_DIFF_FIND_RENAMES}

struct dt_diff_file {
	char *path;         /* new path */
	char *old_path;     /* same string as path unless the new side of a rename */
	char *renamed_to;   /* the old side of a rename: its new path, else NULL */
	char status;        /* 'M' 'A' 'D' 'R', 'T' (type change: the path's deletion
			     * then its addition, two files), 'U' (unmerged: no
			     * hunks, never asked about, as git add -p skips it) */
	int similarity;     /* renames, 0..100 */
	unsigned old_mode, new_mode; /* 0 where the side is absent */
	unsigned binary : 1, submodule : 1, too_big : 1, loaded : 1, stale : 1;
	unsigned counted : 1; /* adds and dels are known (kept after an unload) */
	unsigned ita : 1;     /* added with `git add -N` (status 'A') */
	unsigned other_mode;  /* 'T': the mode on the other side of the type change */
	size_t adds, dels;  /* valid once loaded (or counted) */
	size_t loaded_nr;   /* patch.nr as loaded (a split changes it) */
	struct dt_fpatch patch; /* valid once loaded; empty for binary/too_big */
	char summary[96];   /* one line for binary/too big/submodule files */
};

struct dt_diff;
struct dt_proposal_store;

/* Lists the files of an Unstaged or Staged source.  0, or -1 with err. */
int dt_diff_open(struct dt_diff **out, struct dt_repo *repo, enum dt_diff_source source,
		 const struct dt_diff_options *opts, struct dt_sb *err);
/* Lists the proposals of a store (each vs its working file). */
int dt_diff_open_proposed(struct dt_diff **out, struct dt_proposal_store *store,
			  const struct dt_diff_options *opts, struct dt_sb *err);
/* A read-only list made from patch texts (e.g. a merge request's diffs):
 * each one file's diff as `git diff` prints it ("diff --git" on). */
struct dt_diff_text {
	const char *path, *old_path; /* old_path NULL: same as path */
	char status;                 /* 'M' 'A' 'D' 'R' */
	const char *patch;
	size_t len;
	const char *summary;         /* shown when there are no hunks, or NULL */
};
void dt_diff_open_texts(struct dt_diff **out, const struct dt_diff_text *t, size_t nr);
void dt_diff_free(struct dt_diff *d);

enum dt_diff_source dt_diff_source(const struct dt_diff *d);
size_t dt_diff_nr(const struct dt_diff *d);
/* Unstaged: how many index entries without stat data (after git reset,
 * read-tree ...) were known changed by their size alone, unhashed (as git
 * does: a file no filter converts, of another size than its blob).  The
 * user's index is never written for it. */
size_t dt_diff_by_size(const struct dt_diff *d);
struct dt_diff_file *dt_diff_file(struct dt_diff *d, size_t i);
/* Computes file i's hunks (once; later calls are free).  0 or -1 + err. */
int dt_diff_load(struct dt_diff *d, size_t i, struct dt_sb *err);
/* Frees file i's hunks if nothing was done to them (no hunk decided,
 * split or edited), keeping its counts; dt_diff_load computes them again
 * (the same hunks: the diff is a snapshot).  1 if unloaded, else 0.  The
 * Review pane keeps only the files near its cursor loaded. */
int dt_diff_unload(struct dt_diff *d, size_t i);

/* How many untracked paths git status shows (an untracked directory once,
 * ignored files not): Unstaged does not offer them, as git add -p does not.
 * 0, or -1 + err. */
int dt_diff_untracked(struct dt_repo *repo, size_t *n, struct dt_sb *err);

/* The unified diff of two buffers as `git diff` prints it (NULL old: a new
 * file; NULL new: a deletion), appended to out.  0 or -1 + err. */
int dt_diff_buffers(const char *path, const char *old, size_t old_len, const char *new_,
		    size_t new_len, struct dt_sb *out, struct dt_sb *err);

#endif
