/*
 * The proposal store: the agent's writes, held back from the working tree
 * until the user accepts them.
 *
 * A proposal is (path, the blob the agent saw — none for a new file — and
 * the proposed content, or a deletion).  The agent's reads go through
 * dt_proposal_read(), so it sees its own proposals.  The Review pane shows
 * each proposal against the working file (dt_diff_open_proposed), the user
 * decides hunks in the file's dt_fpatch (or edits/line-selects them with
 * the hunk engine), and dt_proposal_apply() lands the decisions:
 *
 *  - accepted hunks are written into the working file atomically (temp file
 *    + rename, mode kept), and only if the file still matches the base blob
 *    and the text the diff was made from; otherwise nothing is written, the
 *    proposal is marked stale and re-based on the current file (the next
 *    diff shows it against what is there now) — never merged silently;
 *  - rejected hunks are dropped from the proposal; undecided ones stay;
 *  - with DT_PROPOSAL_STAGE the accepted change is also applied to the index.
 *
 * Every decision is recorded (dt_proposal_decisions) for the agent's next
 * turn.  The store persists itself to its directory after every change
 * (proposals.json + blobs/<id>, each written atomically), so proposals
 * survive a restart.  Paths are relative to the working directory.
 * Main thread only.  Returns: 0 or negative (-1 with a message in err);
 * DT_PROPOSAL_STALE when the file moved under the proposal.
 */
#ifndef DUOTERM_GIT_PROPOSAL_H
#define DUOTERM_GIT_PROPOSAL_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/git/hunk.h"
#include "duoterm/git/repo.h"

#define DT_PROPOSAL_STALE 2
#define DT_PROPOSAL_STAGE 1u /* also stage accepted hunks (needs a repo) */

struct dt_proposal {
	char *path;
	int has_base;        /* 0: the agent saw no file (a new file) */
	char base[41];       /* hex blob id of what the agent saw */
	char *content;       /* proposed bytes (NULL if deleted) */
	size_t len;
	int deleted;
	unsigned mode;       /* file mode to create with (0644 default) */
	unsigned stale : 1;
	char diffed[41];     /* blob id of the working file the last diff used */
};

enum dt_decision_kind {
	DT_DECISION_ACCEPTED,
	DT_DECISION_REJECTED,
	DT_DECISION_STALE,
	DT_DECISION_UNDONE, /* the user took a landing back (dt_proposal_undo) */
};

struct dt_decision {
	char *path;
	enum dt_decision_kind kind;
	char *hunk;          /* the hunk text ("@@ ... @@" and lines) */
};

struct dt_proposal_store;

/* Opens the store for a working tree; dir (may be NULL: not persisted)
 * holds proposals.json and blobs/, loaded if present.  repo may be NULL
 * (no staging).  0 or -1 + err. */
int dt_proposal_store_open(struct dt_proposal_store **out, const char *workdir, const char *dir,
			   struct dt_repo *repo, struct dt_sb *err);
void dt_proposal_store_free(struct dt_proposal_store *s);
void dt_proposal_set_flags(struct dt_proposal_store *s, unsigned flags);

/* The agent writes (content) or deletes (content NULL) path.  The base is
 * what the agent saw: the working file when the first proposal for the path
 * is made; later proposals for the same path replace the content only. */
int dt_proposal_propose(struct dt_proposal_store *s, const char *path, const char *content,
			size_t len, struct dt_sb *err);
/* The agent's view: the proposed content if any, else the file.  Returns
 * a malloc'd buffer, or NULL with errno (ENOENT for a proposed deletion). */
char *dt_proposal_read(struct dt_proposal_store *s, const char *path, size_t *len);

size_t dt_proposal_nr(const struct dt_proposal_store *s);
const struct dt_proposal *dt_proposal_at(const struct dt_proposal_store *s, size_t i);
/* Index of path's proposal, or -1. */
long dt_proposal_find(const struct dt_proposal_store *s, const char *path);

/* Proposal i as a diff against its working file (appended to out; empty
 * when they are equal).  Notes what it diffed against (for apply) and marks
 * the proposal stale if the file is not its base. */
int dt_proposal_diff(struct dt_proposal_store *s, size_t i, struct dt_sb *out, struct dt_sb *err);

/* Lands the decisions in fp (a patch from dt_proposal_diff of proposal i):
 * USE hunks are written, SKIP hunks dropped, UNDECIDED kept.  0, or
 * DT_PROPOSAL_STALE (nothing written; diff again), or -1 + err. */
int dt_proposal_apply(struct dt_proposal_store *s, size_t i, struct dt_fpatch *fp,
		      struct dt_sb *err);
/* Whole file: accept (use 1) or reject (use 0) everything. */
int dt_proposal_decide_all(struct dt_proposal_store *s, size_t i, int use, struct dt_sb *err);

/* Takes back the last landing (dt_proposal_apply / decide_all): the
 * working file gets exactly its previous bytes and mode again (or is
 * removed if it was new, or comes back if it was deleted), a change staged
 * with it is unstaged, and the proposal is as it was before, to be decided
 * again; recorded as "undone".  Only if the file still holds exactly what
 * was written: else -1 and msg says why, nothing changed.  *path (if not
 * NULL; free it) gets the path concerned, unless there was nothing to
 * undo.  0, 1 if there
 * is nothing to undo, -1.  Landings are remembered in memory (the last 64),
 * not across a restart. */
int dt_proposal_undo(struct dt_proposal_store *s, char **path, struct dt_sb *msg);

/* Checks an edited hunk of fp (after dt_fpatch_edit) against the text it
 * will apply to: parses with git_diff_from_buffer and applies in memory,
 * exactly (no fuzz).  0, or -1 with the reason. */
int dt_proposal_check(struct dt_proposal_store *s, size_t i, struct dt_fpatch *fp,
		      struct dt_sb *err);

/* What landed and what was refused since the last call (the caller takes
 * the array: free with dt_decisions_free).  Also as JSON text for the
 * agent: dt_proposal_decisions_json appends and clears. */
struct dt_decision *dt_proposal_decisions(struct dt_proposal_store *s, size_t *nr);
void dt_decisions_free(struct dt_decision *d, size_t nr);
void dt_proposal_decisions_json(struct dt_proposal_store *s, struct dt_sb *out);

/* Applies a single-file patch to a buffer, exactly (each hunk's old lines
 * must be at its old offset).  0, or -1 with the reason. */
int dt_patch_apply_buffer(const char *patch, size_t plen, const char *src, size_t slen,
			  struct dt_sb *out, struct dt_sb *err);

#endif
