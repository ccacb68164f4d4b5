/*
 * The review engine for the Unstaged and Staged sources: `git add -p`,
 * `git reset -p` and `git checkout -p` semantics, driven one key at a time.
 *
 * A session lists the files (dt_review_diff), then asks questions in git's
 * order: file by file (by path), and inside a file hunk by hunk, moving to
 * the next undecided hunk and wrapping round as add-patch.c does.  When a
 * file has no undecided hunk left, its chosen hunks are reassembled and
 * applied at once (libgit2 git_apply): STAGE onto the index, UNSTAGE the
 * reverse onto the index, DISCARD the reverse onto the working tree.  So the
 * same answers give the same index as git, and the pane can draw the state
 * at any moment (dt_review_cursor + the file's dt_fpatch).
 *
 * Keys (dt_review_key), as git reads them: y n a d q (case-insensitive),
 * s j J k K (exact); anything else is "help" and changes nothing.  Editing
 * (dt_review_edit), line mode (dt_review_lines), whole file
 * (dt_review_file_all) and undo (dt_review_undo) are separate calls.
 *
 * The session owns its diff and patches.  Main thread only.
 */
#ifndef DUOTERM_GIT_REVIEW_H
#define DUOTERM_GIT_REVIEW_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/git/diff.h"
#include "duoterm/git/repo.h"

enum dt_review_mode {
	DT_REVIEW_STAGE,   /* git add -p: Unstaged, y stages */
	DT_REVIEW_UNSTAGE, /* git reset -p: Staged, y unstages */
	DT_REVIEW_DISCARD, /* git checkout -p: Unstaged, y discards from the tree */
};

enum dt_review_prompt { DT_PROMPT_HUNK, DT_PROMPT_MODE, DT_PROMPT_DELETION, DT_PROMPT_ADDITION };

/* What the current question allows (git's prompt letters). */
#define DT_ALLOW_PREV_UNDECIDED 1u /* k */
#define DT_ALLOW_PREV 2u           /* K */
#define DT_ALLOW_NEXT_UNDECIDED 4u /* j */
#define DT_ALLOW_NEXT 8u           /* J */
#define DT_ALLOW_SPLIT 16u         /* s */
#define DT_ALLOW_EDIT 32u          /* e, line mode */

struct dt_review;

int dt_review_open(struct dt_review **out, struct dt_repo *repo, enum dt_review_mode mode,
		   const struct dt_diff_options *opts, struct dt_sb *err);
void dt_review_free(struct dt_review *r);

struct dt_diff *dt_review_diff(struct dt_review *r);
enum dt_review_mode dt_review_mode(const struct dt_review *r);

/* The question being asked: 0 with *file and *hunk set (hunk indexes the
 * file's patch.hunk; a file without hunks — an empty new file — is asked
 * once, with *hunk 0 and patch.nr 0), or 1 when the session is done. */
int dt_review_cursor(const struct dt_review *r, size_t *file, size_t *hunk);
enum dt_review_prompt dt_review_prompt(const struct dt_review *r);
unsigned dt_review_permitted(const struct dt_review *r);

/* Answers the current question.  0, or -1 with a message in msg (a key
 * that is not allowed here, or an apply that failed: the index is left as
 * it was).  A key that git treats as "help" returns 0 and changes nothing. */
int dt_review_key(struct dt_review *r, int key, struct dt_sb *msg);
/* `e`: the edited hunk text (as saved from $EDITOR).  Checked with
 * git_diff_from_buffer + git_apply(GIT_APPLY_CHECK) on the whole file's
 * patch first; a bad edit returns -1 with the reason and changes nothing.
 * Empty text abandons the edit (returns 0, hunk unchanged, still asked). */
int dt_review_edit(struct dt_review *r, const char *text, size_t len, struct dt_sb *err);
/* Line mode: use only body lines [first, last] of the current hunk (or all
 * lines but those if !use), then answer it as an edit would. */
int dt_review_lines(struct dt_review *r, size_t first, size_t last, int use, struct dt_sb *err);
/* Y / N: every undecided hunk of the current file. */
int dt_review_file_all(struct dt_review *r, int use, struct dt_sb *err);
/* Undoes the last decision (and the apply it caused: a staged patch is
 * unstaged, a discarded one is written back).  0, 1 if nothing to undo, -1. */
int dt_review_undo(struct dt_review *r, struct dt_sb *err);

/* Applies a patch text to the repository (reversed first if asked): the
 * engine's one way to change the index or tree.  check: GIT_APPLY_CHECK.
 * 0, -1 + err, or DT_REVIEW_LOCKED + err when another git process holds
 * the index (nothing changed: the answer that finished a file is taken
 * back, to be given again). */
#define DT_REVIEW_LOCKED (-2)
int dt_review_apply_text(struct dt_repo *repo, const char *patch, size_t len, int reverse,
			 int workdir, int check, struct dt_sb *err);

#endif
