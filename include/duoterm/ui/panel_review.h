/*
 * The Review pane: the user's side of the review engine (git/review.h) and
 * of the proposal store (git/proposal.h).
 *
 * Sources, switched with < and >:
 *   Proposed  the agent's proposals against the working files;
 *   Unstaged  index -> working tree, answered as `git add -p` asks;
 *   Staged    HEAD -> index, as `git reset -p` asks (here y keeps a hunk
 *             staged and n unstages it: "reject" means unstage);
 *   MR !N     a merge request's diffs from GitLab, read-only (there only
 *             once the GitLab panel sent some: dt_review_pane_show_mr).
 * It opens on Proposed when the agent has proposals, else on Unstaged.
 *
 * The pane shows the source bar, the file list (status letter, +/- counts,
 * rename, mode change, binary, submodule, stale) and the current file's
 * diff with old/new line numbers and intra-line highlighting.  Only the
 * file list is made when a source opens; a file's hunks are loaded when it
 * is shown, or when its row is on screen (for its counts).
 *
 * Keys (the review-* actions of the action table, context DT_CTX_REVIEW,
 * rebindable; dt_rv_command maps them): y n accept/reject the hunk,
 * Y N the whole file, s split, e edit in $VISUAL/$EDITOR, v line mode, d
 * discard (Unstaged, after a confirmation), u undo, J K next/previous hunk,
 * < > source, r reload.  The cursor moves exactly as `git add -p` asks its
 * questions (dt_review_cursor), so the same answers give the same index.
 *
 * Main thread only.  The pane borrows app, repo and the store; set the
 * store to NULL (dt_review_pane_set_proposals) before freeing it.
 */
#ifndef DUOTERM_UI_PANEL_REVIEW_H
#define DUOTERM_UI_PANEL_REVIEW_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/git/hunk.h"
#include "duoterm/ui/pane.h"

struct dt_app;
struct dt_repo;
struct dt_proposal_store;

enum dt_rv_source { DT_RV_PROPOSED, DT_RV_UNSTAGED, DT_RV_STAGED, DT_RV_MR, DT_RV_NR_SOURCES };

/* Called after decisions on proposals landed (the agent reads them with
 * dt_proposal_decisions: wire it to dt_agent_review_changed). */
typedef void (*dt_rv_decided_cb)(void *ud);

/* Makes p (the app's Review pane) the Review pane and opens a source.
 * Files bigger than max_size bytes are summarised, not diffed
 * (review.max_file_size; 0: DT_DIFF_DEFAULT_MAX_SIZE). */
void dt_review_pane_attach(struct dt_pane *p, struct dt_app *app, struct dt_repo *repo,
			   size_t max_size);
/* The agent's proposal store (NULL: none, e.g. before freeing it). */
void dt_review_pane_set_proposals(struct dt_pane *p, struct dt_proposal_store *s,
				  dt_rv_decided_cb cb, void *ud);
/* The agent proposed a change to path: refresh Proposed (and open it if
 * the user has not used the pane yet). */
void dt_review_pane_proposals_changed(struct dt_pane *p, const char *path);
/* A merge request's diffs (GitLab's JSON of /merge_requests/:iid/diffs):
 * kept as the read-only source "MR !iid" and shown now; the decision keys
 * answer "read-only: this is merge request !iid". */
void dt_review_pane_show_mr(struct dt_pane *p, long iid, const char *json, size_t len);
/* Lists the current source again (after the work tree changed). */
void dt_review_pane_reload(struct dt_pane *p);

/* 1 if p is a Review pane (attached). */
int dt_review_pane_is(const struct dt_pane *p);
enum dt_rv_source dt_review_pane_source(const struct dt_pane *p);

extern const struct dt_pane_ops dt_review_pane_ops;

/* ---- pure pieces, for tests ---- */

enum dt_rv_cmd {
	DT_RV_NONE,
	DT_RV_ACCEPT,      /* y */
	DT_RV_REJECT,      /* n */
	DT_RV_ACCEPT_FILE, /* Y */
	DT_RV_REJECT_FILE, /* N */
	DT_RV_SPLIT,       /* s */
	DT_RV_EDIT,        /* e */
	DT_RV_UNDO,        /* u */
	DT_RV_LINES,       /* v */
	DT_RV_DISCARD,     /* d */
	DT_RV_NEXT_HUNK,   /* J */
	DT_RV_PREV_HUNK,   /* K */
	DT_RV_SOURCE_NEXT, /* > */
	DT_RV_SOURCE_PREV, /* < */
	DT_RV_RELOAD,      /* r */
};

/* The command of a review-* action (DT_CTX_REVIEW), or DT_RV_NONE. */
enum dt_rv_cmd dt_rv_command(enum dt_action a);

enum dt_rv_kind { DT_RV_LINE_HEADER, DT_RV_LINE_BODY, DT_RV_LINE_META };

/* One display line of a file's diff. */
struct dt_rv_line {
	size_t hunk;       /* index in fp->hunk */
	size_t pos, len;   /* text in fp->plain (after the origin for BODY) */
	size_t body;       /* BODY: index among the hunk's body lines (line mode) */
	unsigned long old_no, new_no; /* 0 where the side has no line */
	long pair;         /* BODY '-'/'+': the line it is highlighted against, or -1 */
	char origin;       /* BODY: ' ' '-' '+' '\\' */
	unsigned char kind;
};

/* The display lines of fp: per hunk a HEADER (the @@ line; a mode change
 * is one META line), then its BODY lines; '-' and '+' runs of the same
 * length are paired for intra-line highlighting.  Returns the count; *out
 * is malloc'd (NULL when 0). */
size_t dt_rv_build_lines(const struct dt_fpatch *fp, struct dt_rv_line **out);
/* Appends s as it draws from column *col: tabs to the next multiple of 8,
 * control characters and bad UTF-8 as U+FFFD; advances *col. */
void dt_rv_expand(struct dt_sb *out, const char *s, size_t len, int *col);
/* The read-only diff of a merge request from GitLab's /diffs JSON (parsed
 * with dt_gl_parse_diffs; each entry becomes a `git diff`-style patch).
 * 0, or -1 with err when the JSON is not a list of diffs. */
struct dt_diff;
int dt_rv_mr_diff(const char *json, size_t len, struct dt_diff **out, struct dt_sb *err);
/* Copies patch text to out with every "@@ -a,b +c,d @@" start moved by
 * shift lines (both sides).  0, or -1 if a start would go below 1. */
int dt_rv_shift_patch(const char *patch, size_t len, long shift, struct dt_sb *out);

#endif
