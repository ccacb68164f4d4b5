/* The diff model: file list first, hunks per file on demand. */
#include "duoterm/git/diff.h"

#include <git2.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duoterm/git/proposal.h"

struct dt_diff {
	enum dt_diff_source source;
	struct dt_diff_options opts;
	git_diff *diff;                   /* Unstaged / Staged */
	struct dt_proposal_store *store;  /* Proposed */
	struct dt_sb *texts;              /* DT_DIFF_TEXTS: one patch per file */
	struct dt_diff_file *files;
	size_t nr;
	size_t by_size; /* Unstaged: entries stat_index() let go unhashed */
	size_t *delta;  /* file -> libgit2 delta; NO_DELTA: an empty intent-to-add
			 * file; NULL: file i is delta i */
};

#define NO_DELTA SIZE_MAX

static void set_error(struct dt_sb *err, const char *what)
{
	const git_error *e = git_error_last();

	dt_sb_addf(err, "%s%s%s", what, e ? ": " : "", e ? e->message : "");
}

static char status_letter(git_delta_t s)
{
	switch (s) {
	case GIT_DELTA_ADDED:
		return 'A';
	case GIT_DELTA_DELETED:
		return 'D';
	case GIT_DELTA_RENAMED:
		return 'R';
	case GIT_DELTA_COPIED:
		return 'C';
	case GIT_DELTA_TYPECHANGE:
		return 'T';
	case GIT_DELTA_CONFLICTED:
		return 'U';
	default:
		return 'M';
	}
}

static void fill_file(struct dt_diff_file *f, const git_diff_delta *d)
{
	f->path = dt_xstrdup(d->new_file.path);
	f->old_path = strcmp(d->old_file.path, d->new_file.path) ? dt_xstrdup(d->old_file.path)
								  : f->path;
	f->status = status_letter(d->status);
	f->similarity = d->status == GIT_DELTA_RENAMED ? (int)d->similarity : 0;
	f->old_mode = d->status == GIT_DELTA_ADDED ? 0 : d->old_file.mode;
	f->new_mode = d->status == GIT_DELTA_DELETED ? 0 : d->new_file.mode;
	f->submodule = d->old_file.mode == GIT_FILEMODE_COMMIT ||
		       d->new_file.mode == GIT_FILEMODE_COMMIT;
	f->binary = !!(d->flags & GIT_DIFF_FLAG_BINARY);
}

#define SCAN_CHUNK 65536

/*
 * 1 when libgit2 stores what fd holds as it is, whatever the attributes
 * and config say: its filters are crlf, which changes only line ends with
 * a CR, and ident, which changes only "$Id...$".  buf: SCAN_CHUNK + 2.
 */
static int stored_as_is(int fd, char *buf)
{
	size_t keep = 0, n;
	ssize_t got;

	while ((got = read(fd, buf + keep, SCAN_CHUNK)) > 0) {
		const char *p = buf, *end;

		n = keep + (size_t)got;
		end = buf + n;
		if (memchr(buf + keep, '\r', (size_t)got))
			return 0;
		while ((p = memchr(p, '$', (size_t)(end - p)))) {
			if (end - p >= 3 && p[1] == 'I' && p[2] == 'd')
				return 0;
			p++;
		}
		keep = n < 2 ? n : 2; /* a "$Id" across two reads */
		memmove(buf, end - keep, keep);
	}
	return got == 0;
}

/*
 * The index the working tree is compared with, made so that comparing
 * need not hash every file.  After `git reset`, `git read-tree` or a
 * checkout of other paths, index entries carry no stat data, and libgit2
 * hashes each such working file to learn whether it changed (git.git with
 * another release's tree over it: 863 files, 21 MB through SHA-1, most of
 * the listing's 130 ms).  git first compares sizes (diffcore's "stat
 * unmatch" check): a file stored as it is whose size is not its blob's
 * has changed.  So, in a private copy of the index (never written), such
 * an entry gets its blob's size as its recorded size when the working file
 * is a regular file of another size that no filter would change: libgit2
 * then calls it modified without hashing.  Everything else is left as it
 * was, for libgit2 to hash.  NULL: nothing to gain, use the repository's
 * index.
 */
static git_index *stat_index(git_repository *repo, size_t *faked_out)
{
	git_index *repo_idx = NULL, *idx = NULL;
	git_odb *odb = NULL;
	const char *wd = git_repository_workdir(repo);
	struct dt_sb path = DT_SB_INIT;
	char *buf = NULL;
	size_t i, n, nr = 0, *pos = NULL;
	uint32_t *size = NULL;

	if (!wd || git_repository_index(&repo_idx, repo) < 0 || !git_index_path(repo_idx) ||
	    git_repository_odb(&odb, repo) < 0)
		goto fail;
	/* first which entries gain, in the index already read (the common
	 * case, every entry with stat data, costs one pass and no copy) */
	n = git_index_entrycount(repo_idx);
	for (i = 0; i < n; i++) {
		const git_index_entry *ie = git_index_get_byindex(repo_idx, i);
		git_object_t type;
		struct stat st;
		size_t len;
		int fd, as_is;

		if (ie->file_size || ie->mtime.seconds || ie->ctime.seconds || ie->ino ||
		    git_index_entry_stage(ie) ||
		    (ie->mode != GIT_FILEMODE_BLOB && ie->mode != GIT_FILEMODE_BLOB_EXECUTABLE))
			continue;
		dt_sb_reset(&path);
		dt_sb_addf(&path, "%s%s", wd, ie->path);
		fd = open(path.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!buf) {
			buf = dt_xmalloc(SCAN_CHUNK + 2);
			pos = dt_xcalloc(n, sizeof(*pos));
			size = dt_xcalloc(n, sizeof(*size));
		}
		as_is = !fstat(fd, &st) && S_ISREG(st.st_mode) &&
			!git_odb_read_header(&len, &type, odb, &ie->id) && len &&
			len <= UINT32_MAX && (uint64_t)st.st_size != len && stored_as_is(fd, buf);
		close(fd);
		if (as_is) {
			pos[nr] = i;
			size[nr++] = (uint32_t)len;
		}
	}
	if (!nr || git_index_open(&idx, git_index_path(repo_idx)) < 0 ||
	    git_index_entrycount(idx) != n)
		goto fail;
	for (i = 0; i < nr; i++) {
		const git_index_entry *was = git_index_get_byindex(repo_idx, pos[i]);
		git_index_entry e = *git_index_get_byindex(idx, pos[i]);

		/* the copy is the file; should it differ from what was read
		 * (another tool wrote it since), it is not used */
		if (strcmp(e.path, was->path) || !git_oid_equal(&e.id, &was->id) || e.file_size ||
		    e.mtime.seconds || e.mode != was->mode)
			goto fail;
		e.file_size = size[i];
		if (git_index_add(idx, &e) < 0)
			goto fail; /* a half-made copy is not used */
	}
	*faked_out = nr;
	goto done;
fail:
	git_index_free(idx);
	idx = NULL;
	git_error_clear();
done:
	git_index_free(repo_idx);
	git_odb_free(odb);
	dt_sb_release(&path);
	free(buf);
	free(pos);
	free(size);
	return idx;
}

static int make_git_diff(struct dt_diff *d, git_repository *repo, git_index *idx,
			 struct dt_sb *err)
{
	git_diff_options o;
	git_object *head = NULL;
	git_tree *tree = NULL;
	int rc;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.ignore_submodules = GIT_SUBMODULE_IGNORE_DIRTY;
	o.max_size = (git_off_t)d->opts.max_file_size;
	if (d->source == DT_DIFF_UNSTAGED) {
		rc = git_diff_index_to_workdir(&d->diff, repo, idx, &o);
	} else {
		/* unborn branch: compare with the empty tree, as git does */
		if (!git_revparse_single(&head, repo, "HEAD^{tree}"))
			tree = (git_tree *)head;
		rc = git_diff_tree_to_index(&d->diff, repo, tree, NULL, &o);
	}
	if (rc < 0)
		set_error(err, "cannot compute the diff");
	git_object_free(head);
	return rc < 0 ? -1 : 0;
}

/*
 * What the deltas alone do not say.  A type change (file <-> symlink) comes
 * as a deletion and an addition of the same path, as `git diff-files` and
 * so `git add -p` show it: both are marked 'T' and keep their own hunks.
 * An intent-to-add entry (`git add -N`) is, to libgit2, a change from the
 * empty blob: it is marked 'A' and ita (git add -p asks "Stage addition").
 */
static void mark_kinds(struct dt_diff *d, git_repository *repo)
{
	git_index *idx = NULL;
	size_t i;

	for (i = 0; i + 1 < d->nr; i++) {
		struct dt_diff_file *a = &d->files[i], *b = &d->files[i + 1];

		if (a->status == 'D' && b->status == 'A' && !strcmp(a->path, b->path)) {
			a->status = b->status = 'T';
			a->other_mode = b->new_mode;
			b->other_mode = a->old_mode;
		}
	}
	if (d->source == DT_DIFF_PROPOSED || git_repository_index(&idx, repo) < 0)
		return;
	for (i = 0; i < d->nr; i++) {
		struct dt_diff_file *f = &d->files[i];
		const git_index_entry *e;

		/* Staged: an added empty file, as git reset -p offers it */
		if (f->status != (d->source == DT_DIFF_UNSTAGED ? 'M' : 'A'))
			continue;
		e = git_index_get_bypath(idx, f->path, 0);
		if (e && (e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD)) {
			f->status = 'A';
			f->ita = 1;
		}
	}
	git_index_free(idx);
}

/* Puts an empty intent-to-add file into the list at its place by path. */
static void insert_ita(struct dt_diff *d, const git_index_entry *e)
{
	size_t at, i;

	if (!d->delta) {
		d->delta = dt_xcalloc(d->nr + 1, sizeof(*d->delta));
		for (i = 0; i < d->nr; i++)
			d->delta[i] = i;
	} else {
		d->delta = dt_xrealloc(d->delta, (d->nr + 1) * sizeof(*d->delta));
	}
	d->files = dt_xrealloc(d->files, (d->nr + 1) * sizeof(*d->files));
	for (at = 0; at < d->nr && strcmp(d->files[at].path, e->path) < 0; at++)
		;
	memmove(&d->files[at + 1], &d->files[at], (d->nr - at) * sizeof(*d->files));
	memmove(&d->delta[at + 1], &d->delta[at], (d->nr - at) * sizeof(*d->delta));
	d->nr++;
	memset(&d->files[at], 0, sizeof(d->files[at]));
	d->files[at].path = d->files[at].old_path = dt_xstrdup(e->path);
	d->files[at].status = 'A';
	d->files[at].ita = 1;
	d->files[at].new_mode = e->mode;
	d->delta[at] = NO_DELTA;
}

/*
 * `git add -N` of an empty file: the entry holds the empty blob and the
 * file is empty, so libgit2 sees no change, while git diff shows a new
 * file and git add -p asks "Stage addition".  Such files join the list.
 */
static void add_empty_ita(struct dt_diff *d, git_repository *repo)
{
	const char *wd = git_repository_workdir(repo);
	struct dt_sb path = DT_SB_INIT;
	git_index *idx = NULL;
	git_oid empty;
	size_t i, k, n;

	if (!wd || git_repository_index(&idx, repo) < 0 ||
	    git_odb_hash(&empty, "", 0, GIT_OBJECT_BLOB) < 0)
		goto done;
	n = git_index_entrycount(idx);
	for (i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(idx, i);
		struct stat st;

		if (!(e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD) ||
		    git_index_entry_stage(e) || !git_oid_equal(&e->id, &empty))
			continue;
		for (k = 0; k < d->nr && strcmp(d->files[k].path, e->path); k++)
			;
		dt_sb_reset(&path);
		dt_sb_addf(&path, "%s%s", wd, e->path);
		/* a non-empty or missing file is libgit2's change already */
		if (k == d->nr && !lstat(path.buf, &st) && S_ISREG(st.st_mode) && !st.st_size)
			insert_ita(d, e);
	}
done:
	git_index_free(idx);
	dt_sb_release(&path);
}

static struct dt_diff_file *find_path(struct dt_diff *d, const char *path, char status)
{
	for (size_t i = 0; i < d->nr; i++)
		if (d->files[i].status == status && !strcmp(d->files[i].path, path))
			return &d->files[i];
	return NULL;
}

/*
 * Marks the deletions and additions that `git diff -M` (and git status)
 * show as renames: the same diff again, limited to those paths, through
 * git_diff_find_similar with git's defaults (50% similarity,
 * diff.renameLimit).  Display only: the files stay one per path, as
 * `git add -p` asks about them.  An addition in Unstaged is a file added
 * with `git add -N`.  Best effort: a failure leaves no marks.
 */
static void mark_renames(struct dt_diff *d, git_repository *repo, git_index *idx)
{
	git_diff_options o;
	git_diff_find_options fo;
	git_diff *pd = NULL;
	git_object *head = NULL;
	char **paths = dt_xcalloc(d->nr, sizeof(*paths));
	size_t n = 0, adds = 0, i;
	int rc;

	for (i = 0; i < d->nr; i++)
		if (d->files[i].status == 'A' || d->files[i].status == 'D') {
			adds += d->files[i].status == 'A';
			paths[n++] = d->files[i].path;
		}
	if (!adds || adds == n)
		goto done;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.ignore_submodules = GIT_SUBMODULE_IGNORE_DIRTY;
	o.max_size = (git_off_t)d->opts.max_file_size;
	o.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	o.pathspec.strings = paths;
	o.pathspec.count = n;
	if (d->source == DT_DIFF_UNSTAGED) {
		rc = git_diff_index_to_workdir(&pd, repo, idx, &o);
	} else {
		git_tree *tree = NULL;

		if (!git_revparse_single(&head, repo, "HEAD^{tree}"))
			tree = (git_tree *)head;
		rc = git_diff_tree_to_index(&pd, repo, tree, NULL, &o);
	}
	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	/* threshold 50, limit: diff.renameLimit.  An intent-to-add file is,
	 * to libgit2, a change from the empty blob: breaking such rewrites
	 * apart lets its new side pair with a deletion, as git status does. */
	fo.flags = GIT_DIFF_FIND_RENAMES |
		   (d->source == DT_DIFF_UNSTAGED ? GIT_DIFF_FIND_REWRITES | GIT_DIFF_BREAK_REWRITES : 0);
	if (rc < 0 || git_diff_find_similar(pd, &fo) < 0)
		goto done;
	for (i = 0; i < git_diff_num_deltas(pd); i++) {
		const git_diff_delta *dl = git_diff_get_delta(pd, i);
		struct dt_diff_file *from, *to;

		if (dl->status != GIT_DELTA_RENAMED)
			continue;
		from = find_path(d, dl->old_file.path, 'D');
		to = find_path(d, dl->new_file.path, 'A');
		if (!from || !to || to->old_path != to->path || from->renamed_to)
			continue;
		to->old_path = dt_xstrdup(from->path);
		from->renamed_to = dt_xstrdup(to->path);
		to->status = from->status = 'R';
		to->similarity = from->similarity = (int)dl->similarity;
	}
done:
	git_diff_free(pd);
	git_object_free(head);
	free(paths);
}

int dt_diff_open(struct dt_diff **out, struct dt_repo *repo, enum dt_diff_source source,
		 const struct dt_diff_options *opts, struct dt_sb *err)
{
	struct dt_diff *d = dt_xcalloc(1, sizeof(*d));
	git_index *idx = NULL;
	size_t i;

	*out = NULL;
	/* what git or another tool wrote since: the flags read below, and the
	 * index diffed when stat_index() finds nothing to gain */
	if (!git_repository_index(&idx, dt_repo_git(repo)))
		git_index_read(idx, 0);
	git_index_free(idx);
	idx = source == DT_DIFF_UNSTAGED ? stat_index(dt_repo_git(repo), &d->by_size) : NULL;
	d->source = source;
	d->opts = opts ? *opts : (struct dt_diff_options)DT_DIFF_OPTIONS_INIT;
	if (make_git_diff(d, dt_repo_git(repo), idx, err)) {
		git_index_free(idx);
		dt_diff_free(d);
		return -1;
	}
	d->nr = git_diff_num_deltas(d->diff);
	d->files = dt_xcalloc(d->nr, sizeof(*d->files));
	for (i = 0; i < d->nr; i++)
		fill_file(&d->files[i], git_diff_get_delta(d->diff, i));
	if (source == DT_DIFF_UNSTAGED)
		add_empty_ita(d, dt_repo_git(repo));
	mark_kinds(d, dt_repo_git(repo));
	if (d->opts.flags & DT_DIFF_FIND_RENAMES)
		mark_renames(d, dt_repo_git(repo), idx);
	git_index_free(idx);
	*out = d;
	return 0;
}

int dt_diff_open_proposed(struct dt_diff **out, struct dt_proposal_store *store,
			  const struct dt_diff_options *opts, struct dt_sb *err)
{
	struct dt_diff *d = dt_xcalloc(1, sizeof(*d));
	size_t i;

	d->source = DT_DIFF_PROPOSED;
	d->opts = opts ? *opts : (struct dt_diff_options)DT_DIFF_OPTIONS_INIT;
	d->store = store;
	d->nr = dt_proposal_nr(store);
	d->files = dt_xcalloc(d->nr, sizeof(*d->files));
	for (i = 0; i < d->nr; i++) {
		const struct dt_proposal *p = dt_proposal_at(store, i);
		struct dt_diff_file *f = &d->files[i];

		f->path = f->old_path = dt_xstrdup(p->path);
		f->status = p->deleted ? 'D' : p->has_base ? 'M' : 'A';
		f->new_mode = p->deleted ? 0 : p->mode;
		f->old_mode = p->has_base ? p->mode : 0;
		f->stale = p->stale;
	}
	*out = d;
	(void)err;
	return 0;
}

void dt_diff_open_texts(struct dt_diff **out, const struct dt_diff_text *t, size_t nr)
{
	struct dt_diff *d = dt_xcalloc(1, sizeof(*d));

	d->source = DT_DIFF_TEXTS;
	d->opts = (struct dt_diff_options)DT_DIFF_OPTIONS_INIT;
	d->nr = nr;
	d->files = dt_xcalloc(nr, sizeof(*d->files));
	d->texts = dt_xcalloc(nr, sizeof(*d->texts));
	for (size_t i = 0; i < nr; i++) {
		struct dt_diff_file *f = &d->files[i];

		f->path = dt_xstrdup(t[i].path);
		f->old_path = t[i].old_path && strcmp(t[i].old_path, t[i].path)
				      ? dt_xstrdup(t[i].old_path) : f->path;
		f->status = t[i].status;
		f->similarity = f->old_path != f->path ? 100 : 0; /* GitLab does not say */
		if (t[i].summary)
			snprintf(f->summary, sizeof(f->summary), "%s", t[i].summary);
		dt_sb_add(&d->texts[i], t[i].patch, t[i].len);
	}
	*out = d;
}

static void free_file(struct dt_diff_file *f)
{
	if (f->old_path != f->path)
		free(f->old_path);
	free(f->path);
	free(f->renamed_to);
	dt_fpatch_release(&f->patch);
}

void dt_diff_free(struct dt_diff *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nr; i++) {
		free_file(&d->files[i]);
		if (d->texts)
			dt_sb_release(&d->texts[i]);
	}
	free(d->texts);
	free(d->files);
	free(d->delta);
	git_diff_free(d->diff);
	free(d);
}

enum dt_diff_source dt_diff_source(const struct dt_diff *d)
{
	return d->source;
}

size_t dt_diff_nr(const struct dt_diff *d)
{
	return d->nr;
}

size_t dt_diff_by_size(const struct dt_diff *d)
{
	return d->by_size;
}

struct dt_diff_file *dt_diff_file(struct dt_diff *d, size_t i)
{
	return i < d->nr ? &d->files[i] : NULL;
}

static void summarise(struct dt_diff_file *f, const git_diff_delta *dl, size_t cap)
{
	if (f->submodule)
		snprintf(f->summary, sizeof(f->summary), "submodule %.7s..%.7s",
			 git_oid_tostr_s(&dl->old_file.id), git_oid_tostr_s(&dl->new_file.id));
	else if (dl->old_file.size > cap || dl->new_file.size > cap) {
		f->too_big = 1;
		snprintf(f->summary, sizeof(f->summary), "file too big to show (%llu -> %llu bytes)",
			 (unsigned long long)dl->old_file.size,
			 (unsigned long long)dl->new_file.size);
	} else if (f->binary)
		snprintf(f->summary, sizeof(f->summary), "binary file (%llu -> %llu bytes)",
			 (unsigned long long)dl->old_file.size,
			 (unsigned long long)dl->new_file.size);
}

/* An empty intent-to-add file's patch, as git diff shows it. */
static int load_empty_ita(struct dt_diff_file *f, struct dt_sb *err)
{
	struct dt_sb text = DT_SB_INIT;
	char *mode;
	int rc = dt_diff_buffers(f->path, NULL, 0, "", 0, &text, err);

	if (!rc && f->new_mode == GIT_FILEMODE_BLOB_EXECUTABLE &&
	    (mode = strstr(text.buf, "new file mode 100644\n")))
		memcpy(mode + 14, "100755", 6);
	if (!rc)
		rc = dt_fpatch_parse(&f->patch, text.buf, text.len, err);
	dt_sb_release(&text);
	return rc;
}

static int load_git(struct dt_diff *d, size_t i, struct dt_sb *err)
{
	struct dt_diff_file *f = &d->files[i];
	git_patch *patch = NULL;
	git_buf text = { 0 };
	int rc = -1;

	if (f->status == 'U') {
		/* libgit2's patch of a conflict is a bogus mode change */
		snprintf(f->summary, sizeof(f->summary),
			 "unmerged: resolve the conflict, then stage the file");
		return 0;
	}
	if (d->delta && d->delta[i] == NO_DELTA)
		return load_empty_ita(f, err);
	if (git_patch_from_diff(&patch, d->diff, d->delta ? d->delta[i] : i) < 0 ||
	    git_patch_to_buf(&text, patch) < 0) {
		set_error(err, f->path);
		goto done;
	}
	f->binary = !!(git_patch_get_delta(patch)->flags & GIT_DIFF_FLAG_BINARY);
	summarise(f, git_patch_get_delta(patch), d->opts.max_file_size);
	rc = text.size ? dt_fpatch_parse(&f->patch, text.ptr, text.size, err) : 0;
done:
	git_buf_dispose(&text);
	git_patch_free(patch);
	return rc;
}

static int load_proposed(struct dt_diff *d, size_t i, struct dt_sb *err)
{
	struct dt_diff_file *f = &d->files[i];
	struct dt_sb text = DT_SB_INIT;
	int rc = dt_proposal_diff(d->store, i, &text, err);

	f->stale = dt_proposal_at(d->store, i)->stale;
	if (!rc && text.len)
		rc = dt_fpatch_parse(&f->patch, text.buf, text.len, err);
	f->binary = f->patch.binary;
	if (f->binary)
		snprintf(f->summary, sizeof(f->summary), "binary file");
	dt_sb_release(&text);
	return rc;
}

int dt_diff_load(struct dt_diff *d, size_t i, struct dt_sb *err)
{
	struct dt_diff_file *f;
	int rc;

	if (i >= d->nr)
		return -1;
	f = &d->files[i];
	if (f->loaded)
		return 0;
	if (d->texts)
		rc = d->texts[i].len ? dt_fpatch_parse(&f->patch, d->texts[i].buf, d->texts[i].len, err)
				     : 0;
	else
		rc = d->store ? load_proposed(d, i, err) : load_git(d, i, err);
	if (rc)
		return rc;
	if (f->binary || f->too_big || f->submodule)
		f->patch.binary = f->binary;
	dt_fpatch_counts(&f->patch, &f->adds, &f->dels);
	f->loaded = f->counted = 1;
	f->loaded_nr = f->patch.nr;
	return 0;
}

/* Nothing was decided, split or edited in fp: it is what loading makes. */
static int pristine(const struct dt_diff_file *f)
{
	const struct dt_fpatch *fp = &f->patch;

	if (fp->nr != f->loaded_nr || fp->head.use != DT_HUNK_UNDECIDED || fp->head.edited)
		return 0;
	for (size_t k = 0; k < fp->nr; k++)
		if (fp->hunk[k].use != DT_HUNK_UNDECIDED || fp->hunk[k].edited ||
		    fp->hunk[k].delta)
			return 0;
	return 1;
}

int dt_diff_unload(struct dt_diff *d, size_t i)
{
	struct dt_diff_file *f = i < d->nr ? &d->files[i] : NULL;

	if (!f || !f->loaded || !pristine(f))
		return 0;
	dt_fpatch_release(&f->patch);
	f->patch = (struct dt_fpatch)DT_FPATCH_INIT;
	f->loaded = 0;
	return 1;
}

int dt_diff_untracked(struct dt_repo *repo, size_t *n, struct dt_sb *err)
{
	git_repository *git = dt_repo_git(repo);
	git_diff_options o;
	git_diff *diff = NULL;
	git_index *idx;
	size_t i, by_size = 0;
	int rc;

	*n = 0;
	idx = stat_index(git, &by_size); /* the same shortcut as the listing */
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.ignore_submodules = GIT_SUBMODULE_IGNORE_ALL;
	o.flags = GIT_DIFF_INCLUDE_UNTRACKED; /* an untracked directory once */
	rc = git_diff_index_to_workdir(&diff, git, idx, &o);
	git_index_free(idx);
	if (rc < 0) {
		set_error(err, "cannot list the untracked files");
		return -1;
	}
	for (i = 0; i < git_diff_num_deltas(diff); i++)
		*n += git_diff_get_delta(diff, i)->status == GIT_DELTA_UNTRACKED;
	git_diff_free(diff);
	return 0;
}

int dt_diff_buffers(const char *path, const char *old, size_t old_len, const char *new_,
		    size_t new_len, struct dt_sb *out, struct dt_sb *err)
{
	git_diff_options o;
	git_patch *patch = NULL;
	git_buf text = { 0 };
	int rc = -1;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	if (git_patch_from_buffers(&patch, old, old_len, old ? path : NULL, new_, new_len,
				   new_ ? path : NULL, &o) < 0 ||
	    git_patch_to_buf(&text, patch) < 0) {
		set_error(err, path);
		goto done;
	}
	dt_sb_add(out, text.ptr, text.size);
	rc = 0;
done:
	git_buf_dispose(&text);
	git_patch_free(patch);
	return rc;
}
