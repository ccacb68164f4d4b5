/*
 * The add -p question loop as a state machine (git's patch_update_file()
 * unrolled one key at a time), the per-file apply, and undo.
 */
#include "duoterm/git/review.h"

#include <ctype.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>

enum undo_kind { U_DECIDE, U_EDIT, U_APPLY };

struct undo {
	enum undo_kind kind;
	unsigned seq;
	size_t file, hunk;          /* the cursor before the action */
	size_t from, nr;            /* U_DECIDE: hunks [from, from + nr) */
	enum dt_hunk_use *prev;     /* U_DECIDE: their decisions (nr 0: head) */
	struct dt_hunk backup;      /* U_EDIT */
	size_t plain_len;           /* U_EDIT */
	char *patch;                /* U_APPLY: the text that was applied */
	size_t len;
};

struct dt_review {
	struct dt_repo *repo;
	enum dt_review_mode mode;
	struct dt_diff *diff;
	size_t file, hunk;
	int entered, done;
	unsigned permitted; /* what git's prompt allowed so far in this file */
	unsigned seq;
	struct undo *undo;
	size_t undo_nr, undo_alloc;
};

static void git_err(struct dt_sb *err, const char *what)
{
	const git_error *e = git_error_last();

	dt_sb_addf(err, "%s%s%s", what, e ? ": " : "", e ? e->message : "");
}

int dt_review_apply_text(struct dt_repo *repo, const char *patch, size_t len, int reverse,
			 int workdir, int check, struct dt_sb *err)
{
	git_apply_options o;
	struct dt_sb rev = DT_SB_INIT;
	git_diff *diff = NULL;
	int rc = -1;

	git_apply_options_init(&o, GIT_APPLY_OPTIONS_VERSION);
	if (reverse) {
		dt_patch_reverse(patch, len, &rev);
		patch = rev.buf;
		len = rev.len;
	}
	if (git_diff_from_buffer(&diff, patch, len) < 0) {
		git_err(err, "the patch does not parse");
		goto done;
	}
	if (check)
		o.flags = GIT_APPLY_CHECK;
	rc = git_apply(dt_repo_git(repo), diff,
		       workdir ? GIT_APPLY_LOCATION_WORKDIR : GIT_APPLY_LOCATION_INDEX, &o);
	if (rc == GIT_ELOCKED) {
		dt_sb_adds(err, "the index is locked (.git/index.lock): another git command is "
			   "running, or one crashed; nothing changed, answer again when it is gone");
		rc = DT_REVIEW_LOCKED;
		goto done;
	}
	if (rc < 0) {
		git_err(err, "the patch does not apply");
		rc = -1;
		goto done;
	}
	rc = 0;
done:
	git_diff_free(diff);
	dt_sb_release(&rev);
	return rc;
}

static int reversed(const struct dt_review *r)
{
	return r->mode != DT_REVIEW_STAGE;
}

static struct dt_fpatch *cur_patch(const struct dt_review *r)
{
	return &dt_diff_file(r->diff, r->file)->patch;
}

static struct dt_hunk *cur_hunk(const struct dt_review *r)
{
	struct dt_fpatch *fp = cur_patch(r);

	return fp->nr ? &fp->hunk[r->hunk] : &fp->head;
}

static long undecided_prev(const struct dt_fpatch *fp, size_t at)
{
	size_t i;

	for (i = at; i-- > 0;)
		if (fp->hunk[i].use == DT_HUNK_UNDECIDED)
			return (long)i;
	return -1;
}

static long undecided_next(const struct dt_fpatch *fp, size_t at)
{
	size_t i;

	for (i = at + 1; i < fp->nr; i++)
		if (fp->hunk[i].use == DT_HUNK_UNDECIDED)
			return (long)i;
	return -1;
}

/* ---- undo records ---- */

static struct undo *push_undo(struct dt_review *r, enum undo_kind kind)
{
	struct undo *u;

	if (r->undo_nr == r->undo_alloc) {
		r->undo_alloc = r->undo_alloc ? 2 * r->undo_alloc : 16;
		r->undo = dt_xrealloc(r->undo, r->undo_alloc * sizeof(*r->undo));
	}
	u = &r->undo[r->undo_nr++];
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	u->seq = r->seq;
	u->file = r->file;
	u->hunk = r->hunk;
	return u;
}

/* Records, then sets, the decision of hunks [from, to) still undecided
 * (all of them if force); nr 0 means the header pseudo-hunk. */
static void decide(struct dt_review *r, size_t from, size_t to, enum dt_hunk_use use, int force)
{
	struct dt_fpatch *fp = cur_patch(r);
	struct undo *u = push_undo(r, U_DECIDE);
	size_t i;

	if (!fp->nr) {
		u->prev = dt_xmalloc(sizeof(*u->prev));
		u->prev[0] = fp->head.use;
		if (force || fp->head.use == DT_HUNK_UNDECIDED)
			fp->head.use = use;
		return;
	}
	u->from = from;
	u->nr = to - from;
	u->prev = dt_xmalloc((to - from) * sizeof(*u->prev));
	for (i = from; i < to; i++) {
		u->prev[i - from] = fp->hunk[i].use;
		if (force || fp->hunk[i].use == DT_HUNK_UNDECIDED)
			fp->hunk[i].use = use;
	}
}

static void drop_undo(struct undo *u)
{
	free(u->prev);
	free(u->patch);
}

/* ---- finishing a file and finding the next question ---- */

/* What git apply refuses and libgit2's git_apply would let through (or
 * fail on obscurely), for a type change's two halves.  1 with err set. */
static int refuse(struct dt_review *r, struct dt_sb *err)
{
	const struct dt_diff_file *f = dt_diff_file(r->diff, r->file);
	git_index *idx = NULL;
	const git_index_entry *e;
	int in_index;

	if (f->ita && r->mode == DT_REVIEW_DISCARD) {
		/* git deletes the file; reversing libgit2's "change from empty"
		 * would leave it empty instead */
		dt_sb_addf(err, "%s was added with git add -N: discarding it here is not "
			   "supported; use rm %s", f->path, f->path);
		return 1;
	}
	if (f->status != 'T')
		return 0;
	if (r->mode == DT_REVIEW_DISCARD) {
		dt_sb_addf(err, "%s changed type (%s): discarding that here is not supported; "
			   "use git checkout -- %s", f->path,
			   f->old_mode ? "its removal" : "its addition", f->path);
		return 1;
	}
	if (r->mode != DT_REVIEW_STAGE || !f->patch.added ||
	    git_repository_index(&idx, dt_repo_git(r->repo)) < 0)
		return 0;
	git_index_read(idx, 0);
	e = git_index_get_bypath(idx, f->path, 0);
	in_index = e && !(e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD);
	git_index_free(idx);
	if (in_index)
		dt_sb_addf(err, "%s: already exists in index (as git apply says): stage the "
			   "removal of the old %s first", f->path,
			   f->other_mode == 0120000 ? "symlink" : "file");
	return in_index;
}

static int finish_file(struct dt_review *r, struct dt_sb *err)
{
	struct dt_fpatch *fp = cur_patch(r);
	struct dt_sb patch = DT_SB_INIT, rev = DT_SB_INIT;
	struct undo *u;
	int rc = 0;

	if (!dt_fpatch_any_used(fp))
		return 0;
	if (refuse(r, err))
		return -1;
	if (dt_fpatch_reassemble(fp, 0, reversed(r), &patch, err))
		rc = -1;
	else if (reversed(r))
		dt_patch_reverse(patch.buf, patch.len, &rev);
	if (!rc && reversed(r))
		rc = dt_review_apply_text(r->repo, rev.buf, rev.len, 0,
					  r->mode == DT_REVIEW_DISCARD, 0, err);
	else if (!rc)
		rc = dt_review_apply_text(r->repo, patch.buf, patch.len, 0, 0, 0, err);
	if (!rc) {
		struct dt_sb *applied = reversed(r) ? &rev : &patch;

		u = push_undo(r, U_APPLY);
		u->len = applied->len;
		u->patch = dt_sb_detach(applied, NULL);
	}
	dt_sb_release(&patch);
	dt_sb_release(&rev);
	return rc;
}

static int skip_file(const struct dt_diff_file *f)
{
	const struct dt_fpatch *fp = &f->patch;

	if (f->too_big || f->submodule || f->status == 'U')
		return 1; /* git add -p: "needs merge"; git reset -p dies on one */
	return (fp->binary && !fp->nr) || (!fp->nr && !fp->added);
}

static int all_decided(const struct dt_review *r)
{
	const struct dt_fpatch *fp = cur_patch(r);

	return undecided_prev(fp, r->hunk) < 0 && undecided_next(fp, r->hunk) < 0 &&
	       cur_hunk(r)->use != DT_HUNK_UNDECIDED;
}

static int settle(struct dt_review *r, struct dt_sb *err)
{
	int rc = 0, fin;

	while (!r->done) {
		if (r->file >= dt_diff_nr(r->diff)) {
			r->done = 1;
			break;
		}
		if (!r->entered) {
			if (dt_diff_load(r->diff, r->file, err) ||
			    skip_file(dt_diff_file(r->diff, r->file))) {
				r->file++;
				continue;
			}
			r->entered = 1;
			r->hunk = 0;
			r->permitted = 0;
		}
		if (r->hunk >= cur_patch(r)->nr)
			r->hunk = 0;
		if (!all_decided(r)) {
			r->permitted |= dt_review_permitted(r);
			break;
		}
		fin = finish_file(r, err);
		if (fin == DT_REVIEW_LOCKED) {
			/* nothing landed: take the answer back, to be given again */
			struct dt_sb ignored = DT_SB_INIT;

			dt_review_undo(r, &ignored);
			dt_sb_release(&ignored);
			return DT_REVIEW_LOCKED;
		}
		if (fin)
			rc = -1;
		r->file++;
		r->entered = 0;
	}
	return rc;
}

/* ---- the public face ---- */

int dt_review_open(struct dt_review **out, struct dt_repo *repo, enum dt_review_mode mode,
		   const struct dt_diff_options *opts, struct dt_sb *err)
{
	struct dt_review *r = dt_xcalloc(1, sizeof(*r));
	enum dt_diff_source src = mode == DT_REVIEW_UNSTAGE ? DT_DIFF_STAGED : DT_DIFF_UNSTAGED;
	struct dt_diff_options o = opts ? *opts : (struct dt_diff_options)DT_DIFF_OPTIONS_INIT;

	*out = NULL;
	if (dt_diff_open(&r->diff, repo, src, &o, err)) {
		free(r);
		return -1;
	}
	r->repo = repo;
	r->mode = mode;
	settle(r, err);
	*out = r;
	return 0;
}

void dt_review_free(struct dt_review *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->undo_nr; i++)
		drop_undo(&r->undo[i]);
	free(r->undo);
	dt_diff_free(r->diff);
	free(r);
}

struct dt_diff *dt_review_diff(struct dt_review *r)
{
	return r->diff;
}

enum dt_review_mode dt_review_mode(const struct dt_review *r)
{
	return r->mode;
}

int dt_review_cursor(const struct dt_review *r, size_t *file, size_t *hunk)
{
	if (r->done)
		return 1;
	*file = r->file;
	*hunk = r->hunk;
	return 0;
}

enum dt_review_prompt dt_review_prompt(const struct dt_review *r)
{
	const struct dt_fpatch *fp = cur_patch(r);

	if (fp->deleted)
		return DT_PROMPT_DELETION;
	if (fp->added)
		return DT_PROMPT_ADDITION;
	if (fp->mode_change && !r->hunk)
		return DT_PROMPT_MODE;
	return DT_PROMPT_HUNK;
}

unsigned dt_review_permitted(const struct dt_review *r)
{
	const struct dt_fpatch *fp;
	unsigned p = 0;

	if (r->done)
		return 0;
	fp = cur_patch(r);
	if (!fp->nr)
		return 0;
	if (undecided_prev(fp, r->hunk) >= 0)
		p |= DT_ALLOW_PREV_UNDECIDED;
	if (r->hunk)
		p |= DT_ALLOW_PREV;
	if (undecided_next(fp, r->hunk) >= 0)
		p |= DT_ALLOW_NEXT_UNDECIDED;
	if (r->hunk + 1 < fp->nr)
		p |= DT_ALLOW_NEXT;
	if (fp->hunk[r->hunk].splittable > 1)
		p |= DT_ALLOW_SPLIT;
	if (r->hunk + 1 > fp->mode_change && !fp->deleted)
		p |= DT_ALLOW_EDIT;
	return p;
}

static void soft_increment(struct dt_review *r, long next)
{
	r->hunk = next < 0 ? cur_patch(r)->nr : (size_t)next;
}

/*
 * git 2.39's patch_update_file() never clears its `permitted` bits inside a
 * file: a key allowed once stays allowed (J past the last hunk, K before
 * the first and k/j without an undecided hunk wrap round to hunk 1; `s` on
 * an unsplittable hunk does nothing).  We keep that, so the same keys give
 * the same index; dt_review_permitted() tells the pane what is sensible.
 */
static int move(struct dt_review *r, unsigned need, long to, struct dt_sb *msg, const char *no)
{
	if (!(r->permitted & need)) {
		dt_sb_adds(msg, no);
		return -1;
	}
	r->hunk = to < 0 ? cur_patch(r)->nr : (size_t)to;
	return 0;
}

static int navigate(struct dt_review *r, int key, struct dt_sb *msg)
{
	const struct dt_fpatch *fp = cur_patch(r);

	switch (key) {
	case 'K':
		return move(r, DT_ALLOW_PREV, (long)r->hunk - 1, msg, "No previous hunk");
	case 'J':
		return move(r, DT_ALLOW_NEXT, (long)r->hunk + 1, msg, "No next hunk");
	case 'k':
		return move(r, DT_ALLOW_PREV_UNDECIDED, undecided_prev(fp, r->hunk), msg,
			    "No previous hunk");
	case 'j':
		return move(r, DT_ALLOW_NEXT_UNDECIDED, undecided_next(fp, r->hunk), msg,
			    "No next hunk");
	case 's':
		if (!(r->permitted & DT_ALLOW_SPLIT)) {
			dt_sb_adds(msg, "Sorry, cannot split this hunk");
			return -1;
		}
		dt_fpatch_split(cur_patch(r), r->hunk);
		return 0;
	}
	return 0; /* help */
}

int dt_review_key(struct dt_review *r, int key, struct dt_sb *msg)
{
	struct dt_fpatch *fp;
	long next;
	int ch = tolower(key), rc = 0, fin;

	if (r->done) {
		dt_sb_adds(msg, "nothing left to review");
		return -1;
	}
	fp = cur_patch(r);
	next = undecided_next(fp, r->hunk);
	r->seq++;
	if (ch == 'y' || ch == 'n') {
		decide(r, r->hunk, r->hunk + 1, ch == 'y' ? DT_HUNK_USE : DT_HUNK_SKIP, 1);
		soft_increment(r, next);
	} else if (ch == 'a' || ch == 'd' || ch == 'q') {
		decide(r, r->hunk, fp->nr, ch == 'a' ? DT_HUNK_USE : DT_HUNK_SKIP, 0);
		r->hunk = fp->nr;
		if (ch == 'q') {
			rc = finish_file(r, msg);
			r->done = 1;
			return rc;
		}
	} else {
		rc = navigate(r, key, msg);
	}
	fin = settle(r, msg);
	return fin ? fin : rc;
}

/* Validates the whole file's patch (all hunks) as git's run_apply_check. */
static int apply_check(struct dt_review *r, struct dt_sb *err)
{
	struct dt_sb patch = DT_SB_INIT;
	int rc = dt_fpatch_reassemble(cur_patch(r), 1, reversed(r), &patch, err);

	if (!rc)
		rc = dt_review_apply_text(r->repo, patch.buf, patch.len, reversed(r),
					  r->mode == DT_REVIEW_DISCARD, 1, err);
	dt_sb_release(&patch);
	return rc;
}

int dt_review_edit(struct dt_review *r, const char *text, size_t len, struct dt_sb *err)
{
	struct dt_fpatch *fp;
	struct dt_hunk backup;
	struct undo *u;
	size_t plain_len;
	long next;
	int rc;

	if (r->done || !(dt_review_permitted(r) & DT_ALLOW_EDIT)) {
		dt_sb_adds(err, "Sorry, cannot edit this hunk");
		return -1;
	}
	fp = cur_patch(r);
	next = undecided_next(fp, r->hunk);
	rc = dt_fpatch_edit(fp, r->hunk, text, len, &backup, &plain_len, err);
	if (rc <= 0)
		return rc;
	if (apply_check(r, err)) {
		dt_fpatch_unedit(fp, r->hunk, &backup, plain_len);
		return -1;
	}
	r->seq++;
	u = push_undo(r, U_EDIT);
	u->backup = backup;
	u->plain_len = plain_len;
	fp->hunk[r->hunk].use = DT_HUNK_USE;
	soft_increment(r, next);
	return settle(r, err);
}

static int has_change(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((i == 0 || p[i - 1] == '\n') && (p[i] == '+' || p[i] == '-'))
			return 1;
	return 0;
}

int dt_review_lines(struct dt_review *r, size_t first, size_t last, int use, struct dt_sb *err)
{
	struct dt_sb text = DT_SB_INIT;
	int rc;

	if (r->done || !(dt_review_permitted(r) & DT_ALLOW_EDIT)) {
		dt_sb_adds(err, "Sorry, cannot select lines of this hunk");
		return -1;
	}
	dt_fpatch_line_text(cur_patch(r), r->hunk, first, last, !use, reversed(r), &text);
	if (has_change(text.buf, text.len))
		rc = dt_review_edit(r, text.buf, text.len, err);
	else
		rc = dt_review_key(r, 'n', err);
	dt_sb_release(&text);
	return rc;
}

int dt_review_file_all(struct dt_review *r, int use, struct dt_sb *err)
{
	struct dt_fpatch *fp;

	if (r->done)
		return -1;
	fp = cur_patch(r);
	r->seq++;
	decide(r, 0, fp->nr, use ? DT_HUNK_USE : DT_HUNK_SKIP, 0);
	r->hunk = fp->nr;
	return settle(r, err);
}

/*
 * Staging an intent-to-add file made its entry a plain one; taking that
 * back must leave the entry as `git add -N` made it (the empty blob, the
 * flag), not a staged empty file or none at all.
 */
static int restore_ita(struct dt_review *r, const struct dt_diff_file *f, struct dt_sb *err)
{
	git_index *idx = NULL;
	git_index_entry e;
	int rc = -1;

	memset(&e, 0, sizeof(e));
	e.path = f->path;
	e.mode = f->new_mode;
	e.flags_extended = GIT_INDEX_ENTRY_INTENT_TO_ADD;
	if (git_repository_index(&idx, dt_repo_git(r->repo)) < 0 || git_index_read(idx, 0) < 0 ||
	    git_odb_hash(&e.id, "", 0, GIT_OBJECT_BLOB) < 0 || git_index_add(idx, &e) < 0 ||
	    git_index_write(idx) < 0)
		git_err(err, f->path);
	else
		rc = 0;
	git_index_free(idx);
	return rc;
}

static int undo_one(struct dt_review *r, struct undo *u, struct dt_sb *err)
{
	const struct dt_diff_file *f = dt_diff_file(r->diff, u->file);
	struct dt_fpatch *fp = &dt_diff_file(r->diff, u->file)->patch;
	size_t i;

	switch (u->kind) {
	case U_APPLY:
		if (dt_review_apply_text(r->repo, u->patch, u->len, 1,
					 r->mode == DT_REVIEW_DISCARD, 0, err))
			return -1;
		return f->ita && r->mode == DT_REVIEW_STAGE ? restore_ita(r, f, err) : 0;
	case U_EDIT:
		dt_fpatch_unedit(fp, u->hunk, &u->backup, u->plain_len);
		return 0;
	case U_DECIDE:
		if (!fp->nr)
			fp->head.use = u->prev[0];
		for (i = 0; i < u->nr; i++)
			fp->hunk[u->from + i].use = u->prev[i];
		return 0;
	}
	return 0;
}

int dt_review_undo(struct dt_review *r, struct dt_sb *err)
{
	unsigned seq;
	int rc = 0;

	if (!r->undo_nr)
		return 1;
	seq = r->undo[r->undo_nr - 1].seq;
	while (r->undo_nr && r->undo[r->undo_nr - 1].seq == seq) {
		struct undo *u = &r->undo[--r->undo_nr];

		if (undo_one(r, u, err))
			rc = -1;
		r->file = u->file;
		r->hunk = u->hunk;
		drop_undo(u);
	}
	r->entered = 1;
	r->done = 0;
	return rc;
}
