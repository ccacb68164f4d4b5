/* The proposal store: overlay, accept/reject with staleness, decisions, persistence. */
#include "duoterm/git/proposal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duoterm/core/config.h"
#include "duoterm/git/diff.h"
#include "duoterm/git/review.h"

/* One landing, enough to take it back (dt_proposal_undo). */
struct landing {
	struct dt_proposal before; /* the proposal as it was (deep copy) */
	size_t index;              /* its place in the store */
	int wrote;                 /* the working file was written */
	char *old;                 /* the file's bytes before (NULL: absent) */
	size_t old_len;
	unsigned old_mode;
	int new_exists;            /* what was written: a file, or a deletion */
	char new_hex[41];
	unsigned new_mode;
	char *staged;              /* the patch staged with it (DT_PROPOSAL_STAGE) */
	size_t staged_len;
};

#define MAX_LANDINGS 64

struct dt_proposal_store {
	char *workdir, *dir;
	struct dt_repo *repo;
	unsigned flags;
	struct dt_proposal *p;
	size_t nr, alloc;
	struct dt_decision *dec;
	size_t dec_nr, dec_alloc;
	struct landing *land;      /* newest last; in memory only */
	size_t land_nr;
};

static void blob_id(const char *buf, size_t len, char hex[41])
{
	git_oid oid;

	git_odb_hash(&oid, buf ? buf : "", buf ? len : 0, GIT_OBJECT_BLOB);
	git_oid_tostr(hex, 41, &oid);
}

static char *full_path(const struct dt_proposal_store *s, const char *path)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_addf(&sb, "%s/%s", s->workdir, path);
	return dt_sb_detach(&sb, NULL);
}

/* The working file (NULL if absent), its mode in *mode if asked. */
static char *read_work(const struct dt_proposal_store *s, const char *path, size_t *len,
		       unsigned *mode)
{
	char *full = full_path(s, path), *buf;
	struct stat st;

	buf = dt_read_file(full, len);
	if (buf && mode && !stat(full, &st))
		*mode = st.st_mode & 07777;
	free(full);
	return buf;
}

/* ---- decisions ---- */

static void record(struct dt_proposal_store *s, const char *path, enum dt_decision_kind kind,
		   const char *hunk, size_t len)
{
	struct dt_decision *d;

	if (s->dec_nr == s->dec_alloc) {
		s->dec_alloc = s->dec_alloc ? 2 * s->dec_alloc : 16;
		s->dec = dt_xrealloc(s->dec, s->dec_alloc * sizeof(*s->dec));
	}
	d = &s->dec[s->dec_nr++];
	d->path = dt_xstrdup(path);
	d->kind = kind;
	d->hunk = hunk ? dt_xstrndup(hunk, len) : NULL;
}

static void record_hunks(struct dt_proposal_store *s, const char *path, struct dt_fpatch *fp,
			 int stale)
{
	struct dt_sb t = DT_SB_INIT;
	size_t i;

	for (i = fp->mode_change; i < fp->nr; i++) {
		enum dt_hunk_use use = fp->hunk[i].use;

		if (use == DT_HUNK_UNDECIDED || (stale && use != DT_HUNK_USE))
			continue;
		dt_sb_reset(&t);
		dt_fpatch_render_hunk(fp, i, &t);
		record(s, path, stale ? DT_DECISION_STALE :
			   use == DT_HUNK_USE ? DT_DECISION_ACCEPTED : DT_DECISION_REJECTED,
		       t.buf, t.len);
	}
	dt_sb_release(&t);
}

struct dt_decision *dt_proposal_decisions(struct dt_proposal_store *s, size_t *nr)
{
	struct dt_decision *d = s->dec;

	*nr = s->dec_nr;
	s->dec = NULL;
	s->dec_nr = s->dec_alloc = 0;
	return d;
}

void dt_decisions_free(struct dt_decision *d, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(d[i].path);
		free(d[i].hunk);
	}
	free(d);
}

static const char *const kind_names[] = { "accepted", "rejected", "stale", "undone" };

static cJSON *decisions_to_json(const struct dt_decision *d, size_t nr)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < nr; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "path", d[i].path);
		cJSON_AddStringToObject(o, "decision", kind_names[d[i].kind]);
		if (d[i].hunk)
			cJSON_AddStringToObject(o, "hunk", d[i].hunk);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* ---- persistence ---- */

static int save_blob(struct dt_proposal_store *s, const struct dt_proposal *p, char hex[41])
{
	struct dt_sb path = DT_SB_INIT;
	int rc = 0;

	blob_id(p->content, p->len, hex);
	dt_sb_addf(&path, "%s/blobs/%s", s->dir, hex);
	if (access(path.buf, F_OK))
		rc = dt_write_file_atomic(path.buf, p->content ? p->content : "", p->len, 0600);
	dt_sb_release(&path);
	return rc;
}

static cJSON *proposal_to_json(struct dt_proposal_store *s, const struct dt_proposal *p)
{
	cJSON *o = cJSON_CreateObject();
	char hex[41];

	cJSON_AddStringToObject(o, "path", p->path);
	if (p->has_base)
		cJSON_AddStringToObject(o, "base", p->base);
	else
		cJSON_AddNullToObject(o, "base");
	if (!p->deleted && !save_blob(s, p, hex))
		cJSON_AddStringToObject(o, "content", hex);
	cJSON_AddBoolToObject(o, "deleted", p->deleted);
	cJSON_AddNumberToObject(o, "mode", p->mode);
	cJSON_AddBoolToObject(o, "stale", p->stale);
	return o;
}

static int save(struct dt_proposal_store *s)
{
	cJSON *root, *arr;
	struct dt_sb path = DT_SB_INIT;
	char *text;
	size_t i;
	int rc;

	if (!s->dir)
		return 0;
	dt_sb_addf(&path, "%s/blobs", s->dir);
	dt_mkdir_p(path.buf, 0700);
	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "version", 1);
	arr = cJSON_AddArrayToObject(root, "proposals");
	for (i = 0; i < s->nr; i++)
		cJSON_AddItemToArray(arr, proposal_to_json(s, &s->p[i]));
	cJSON_AddItemToObject(root, "decisions", decisions_to_json(s->dec, s->dec_nr));
	text = cJSON_Print(root);
	dt_sb_reset(&path);
	dt_sb_addf(&path, "%s/proposals.json", s->dir);
	rc = dt_write_file_atomic(path.buf, text, strlen(text), 0600);
	free(text);
	cJSON_Delete(root);
	dt_sb_release(&path);
	return rc;
}

static struct dt_proposal *add_proposal(struct dt_proposal_store *s, const char *path)
{
	struct dt_proposal *p;

	if (s->nr == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 8;
		s->p = dt_xrealloc(s->p, s->alloc * sizeof(*s->p));
	}
	p = &s->p[s->nr++];
	memset(p, 0, sizeof(*p));
	p->path = dt_xstrdup(path);
	p->mode = 0644;
	return p;
}

static int load_one(struct dt_proposal_store *s, const cJSON *o, struct dt_sb *err)
{
	const cJSON *path = cJSON_GetObjectItem(o, "path"), *base = cJSON_GetObjectItem(o, "base");
	const cJSON *content = cJSON_GetObjectItem(o, "content");
	struct dt_proposal *p;

	if (!cJSON_IsString(path))
		return -1;
	p = add_proposal(s, path->valuestring);
	if (cJSON_IsString(base) && strlen(base->valuestring) == 40) {
		p->has_base = 1;
		memcpy(p->base, base->valuestring, 41);
	}
	p->deleted = cJSON_IsTrue(cJSON_GetObjectItem(o, "deleted"));
	p->stale = cJSON_IsTrue(cJSON_GetObjectItem(o, "stale"));
	if (cJSON_IsNumber(cJSON_GetObjectItem(o, "mode")))
		p->mode = (unsigned)cJSON_GetObjectItem(o, "mode")->valuedouble;
	if (!p->deleted && cJSON_IsString(content)) {
		struct dt_sb bp = DT_SB_INIT;

		dt_sb_addf(&bp, "%s/blobs/%s", s->dir, content->valuestring);
		p->content = dt_read_file(bp.buf, &p->len);
		if (!p->content)
			dt_sb_addf(err, "proposal blob %s is missing", bp.buf);
		dt_sb_release(&bp);
		return p->content ? 0 : -1;
	}
	return 0;
}

static void load_decisions(struct dt_proposal_store *s, const cJSON *arr)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, arr) {
		const cJSON *path = cJSON_GetObjectItem(o, "path"), *k = cJSON_GetObjectItem(o, "decision");
		const cJSON *h = cJSON_GetObjectItem(o, "hunk");
		int kind;

		if (!cJSON_IsString(path) || !cJSON_IsString(k))
			continue;
		for (kind = 0; kind < 3 && strcmp(kind_names[kind], k->valuestring); kind++)
			;
		if (kind < 3)
			record(s, path->valuestring, (enum dt_decision_kind)kind,
			       cJSON_IsString(h) ? h->valuestring : NULL,
			       cJSON_IsString(h) ? strlen(h->valuestring) : 0);
	}
}

static int load(struct dt_proposal_store *s, struct dt_sb *err)
{
	struct dt_sb path = DT_SB_INIT;
	cJSON *root = NULL;
	const cJSON *o;
	char *text;
	int rc = 0;

	dt_sb_addf(&path, "%s/proposals.json", s->dir);
	text = dt_read_file(path.buf, NULL);
	if (!text)
		goto done; /* nothing saved yet */
	root = cJSON_Parse(text);
	if (!root) {
		dt_sb_addf(err, "%s: not valid JSON", path.buf);
		rc = -1;
		goto done;
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(root, "proposals"))
		if (load_one(s, o, err))
			rc = -1;
	load_decisions(s, cJSON_GetObjectItem(root, "decisions"));
done:
	cJSON_Delete(root);
	free(text);
	dt_sb_release(&path);
	return rc;
}

/* ---- the store ---- */

int dt_proposal_store_open(struct dt_proposal_store **out, const char *workdir, const char *dir,
			   struct dt_repo *repo, struct dt_sb *err)
{
	struct dt_proposal_store *s = dt_xcalloc(1, sizeof(*s));
	size_t n = strlen(workdir);

	git_libgit2_init();
	while (n > 1 && workdir[n - 1] == '/')
		n--;
	s->workdir = dt_xstrndup(workdir, n);
	s->dir = dir ? dt_xstrdup(dir) : NULL;
	s->repo = repo;
	*out = s;
	if (s->dir && load(s, err)) {
		dt_proposal_store_free(s);
		*out = NULL;
		return -1;
	}
	return 0;
}

static void free_proposal(struct dt_proposal *p)
{
	free(p->path);
	free(p->content);
}

static void free_landing(struct landing *l)
{
	free_proposal(&l->before);
	free(l->old);
	free(l->staged);
}

void dt_proposal_store_free(struct dt_proposal_store *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr; i++)
		free_proposal(&s->p[i]);
	free(s->p);
	for (i = 0; i < s->land_nr; i++)
		free_landing(&s->land[i]);
	free(s->land);
	dt_decisions_free(s->dec, s->dec_nr);
	free(s->workdir);
	free(s->dir);
	free(s);
	git_libgit2_shutdown();
}

void dt_proposal_set_flags(struct dt_proposal_store *s, unsigned flags)
{
	s->flags = flags;
}

size_t dt_proposal_nr(const struct dt_proposal_store *s)
{
	return s->nr;
}

const struct dt_proposal *dt_proposal_at(const struct dt_proposal_store *s, size_t i)
{
	return i < s->nr ? &s->p[i] : NULL;
}

long dt_proposal_find(const struct dt_proposal_store *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->p[i].path, path))
			return (long)i;
	return -1;
}

static void set_content(struct dt_proposal *p, const char *content, size_t len)
{
	free(p->content);
	p->content = content ? dt_xmalloc(len + 1) : NULL;
	if (content) {
		memcpy(p->content, content, len);
		p->content[len] = '\0';
	}
	p->len = content ? len : 0;
	p->deleted = !content;
}

int dt_proposal_propose(struct dt_proposal_store *s, const char *path, const char *content,
			size_t len, struct dt_sb *err)
{
	long i = dt_proposal_find(s, path);
	struct dt_proposal *p;

	if (!*path || *path == '/' || strstr(path, "..")) {
		dt_sb_addf(err, "%s: not a path inside the working tree", path);
		return -1;
	}
	if (i >= 0) {
		p = &s->p[i];
	} else {
		size_t blen = 0;
		unsigned mode = 0644;
		char *cur = read_work(s, path, &blen, &mode);

		p = add_proposal(s, path);
		p->mode = mode;
		if (cur) {
			p->has_base = 1;
			blob_id(cur, blen, p->base);
		}
		free(cur);
	}
	set_content(p, content, len);
	return save(s) ? -1 : 0;
}

char *dt_proposal_read(struct dt_proposal_store *s, const char *path, size_t *len)
{
	long i = dt_proposal_find(s, path);

	if (i < 0)
		return read_work(s, path, len, NULL);
	if (s->p[i].deleted) {
		errno = ENOENT;
		return NULL;
	}
	if (len)
		*len = s->p[i].len;
	return dt_xstrndup(s->p[i].content, s->p[i].len);
}

/* Is the working file (cur, NULL if absent) still what the agent saw? */
static int matches_base(const struct dt_proposal *p, const char *cur, size_t len)
{
	char hex[41];

	if (!p->has_base)
		return !cur;
	if (!cur)
		return 0;
	blob_id(cur, len, hex);
	return !strcmp(hex, p->base);
}

int dt_proposal_diff(struct dt_proposal_store *s, size_t i, struct dt_sb *out, struct dt_sb *err)
{
	struct dt_proposal *p = &s->p[i];
	size_t len = 0;
	char *cur = read_work(s, p->path, &len, NULL);
	int rc;

	blob_id(cur, len, p->diffed);
	if (!cur)
		p->diffed[0] = '\0';
	if (!matches_base(p, cur, len))
		p->stale = 1;
	rc = dt_diff_buffers(p->path, cur, len, p->deleted ? NULL : p->content, p->len, out, err);
	free(cur);
	return rc;
}

/* ---- applying decisions ---- */

struct pline {
	char origin;
	const char *text;
	size_t len; /* with the newline, unless '\' followed */
};

static size_t split_lines(const char *src, size_t len, const char ***lines)
{
	size_t n = 0, alloc = 16, p = 0;

	*lines = dt_xmalloc((alloc + 1) * sizeof(**lines));
	while (p < len) {
		const char *nl = memchr(src + p, '\n', len - p);

		if (n == alloc) {
			alloc *= 2;
			*lines = dt_xrealloc(*lines, (alloc + 1) * sizeof(**lines));
		}
		(*lines)[n++] = src + p;
		p = nl ? (size_t)(nl - src) + 1 : len;
	}
	(*lines)[n] = src + len;
	return n;
}

/* Reads a hunk body into out (n lines); returns where the body ends. */
static const char *hunk_body(const char *p, const char *end, struct pline **out, size_t *alloc,
			     size_t *n)
{
	*n = 0;
	while (p < end && (*p == ' ' || *p == '-' || *p == '+' || *p == '\\')) {
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl ? nl + 1 : end;
		struct pline *last = *n ? &(*out)[*n - 1] : NULL;

		if (*p == '\\') {
			if (last && last->len && last->text[last->len - 1] == '\n')
				last->len--;
		} else {
			if (*n == *alloc) {
				*alloc = *alloc ? 2 * *alloc : 32;
				*out = dt_xrealloc(*out, *alloc * sizeof(**out));
			}
			(*out)[(*n)++] = (struct pline){ *p, p + 1, (size_t)(e - p - 1) };
		}
		p = e;
	}
	return p;
}

static int parse_old_range(const char *p, unsigned long *off, unsigned long *cnt)
{
	char *e;

	*off = strtoul(p + 4, &e, 10);
	if (e == p + 4)
		return -1;
	*cnt = *e == ',' ? strtoul(e + 1, NULL, 10) : 1;
	return 0;
}

struct applier {
	const char **lines;
	size_t nlines, cur;
	struct dt_sb *out;
	struct dt_sb *err;
};

static int apply_hunk(struct applier *a, unsigned long off, unsigned long cnt,
		      const struct pline *body, size_t n)
{
	size_t start = cnt ? off - 1 : off, k;

	if (start < a->cur || start > a->nlines) {
		dt_sb_addf(a->err, "hunk at line %lu is out of order or past the end", off);
		return -1;
	}
	dt_sb_add(a->out, a->lines[a->cur], a->lines[start] - a->lines[a->cur]);
	a->cur = start;
	for (k = 0; k < n; k++) {
		const struct pline *l = &body[k];

		if (l->origin != '+') {
			size_t have = a->cur < a->nlines ? (size_t)(a->lines[a->cur + 1] - a->lines[a->cur]) : 0;

			if (a->cur >= a->nlines || have != l->len ||
			    memcmp(a->lines[a->cur], l->text, l->len)) {
				dt_sb_addf(a->err, "line %zu does not match the hunk at line %lu",
					   a->cur + 1, off);
				return -1;
			}
			a->cur++;
		}
		if (l->origin != '-')
			dt_sb_add(a->out, l->text, l->len);
	}
	return 0;
}

int dt_patch_apply_buffer(const char *patch, size_t plen, const char *src, size_t slen,
			  struct dt_sb *out, struct dt_sb *err)
{
	struct applier a = { NULL, 0, 0, out, err };
	const char *p = patch, *end = patch + plen;
	struct pline *body = NULL;
	size_t alloc = 0, n;
	int rc = 0;

	a.nlines = split_lines(src ? src : "", src ? slen : 0, &a.lines);
	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *next = nl ? nl + 1 : end;
		unsigned long off, cnt;

		if ((size_t)(end - p) > 4 && !memcmp(p, "@@ -", 4) && !parse_old_range(p, &off, &cnt)) {
			next = hunk_body(next, end, &body, &alloc, &n);
			rc = apply_hunk(&a, off, cnt, body, n);
		}
		p = next;
	}
	if (!rc)
		dt_sb_add(out, a.lines[a.cur], a.lines[a.nlines] - a.lines[a.cur]);
	free(body);
	free(a.lines);
	return rc;
}

/* The content fp gives when the hunks for which keep(use) holds are used. */
static int result_of(struct dt_fpatch *fp, const char *cur, size_t len, int with_undecided,
		     struct dt_sb *out, struct dt_sb *err)
{
	enum dt_hunk_use *saved = dt_xmalloc((fp->nr + 1) * sizeof(*saved));
	struct dt_sb patch = DT_SB_INIT;
	size_t i;
	int rc;

	for (i = 0; i < fp->nr; i++) {
		saved[i] = fp->hunk[i].use;
		if (with_undecided && saved[i] == DT_HUNK_UNDECIDED)
			fp->hunk[i].use = DT_HUNK_USE;
	}
	rc = dt_fpatch_reassemble(fp, 0, 0, &patch, err);
	if (!rc)
		rc = dt_patch_apply_buffer(patch.buf, patch.len, cur, len, out, err);
	for (i = 0; i < fp->nr; i++)
		fp->hunk[i].use = saved[i];
	free(saved);
	dt_sb_release(&patch);
	return rc;
}

static void remove_proposal(struct dt_proposal_store *s, size_t i)
{
	free_proposal(&s->p[i]);
	memmove(&s->p[i], &s->p[i + 1], (s->nr - i - 1) * sizeof(*s->p));
	s->nr--;
}

static int write_work(struct dt_proposal_store *s, const struct dt_proposal *p, int deleted,
		      const struct dt_sb *content, unsigned mode)
{
	char *full = full_path(s, p->path), *slash;
	int rc;

	if (deleted) {
		rc = unlink(full) && errno != ENOENT ? -errno : 0;
	} else {
		slash = strrchr(full, '/');
		*slash = '\0';
		dt_mkdir_p(full, 0755);
		*slash = '/';
		rc = dt_write_file_atomic(full, content->buf ? content->buf : "", content->len,
					  (int)mode);
	}
	free(full);
	return rc;
}

/* Stages the accepted hunks if asked to; the patch that was staged goes
 * to *staged (for undo). */
static void stage(struct dt_proposal_store *s, struct dt_fpatch *fp, struct landing *l,
		  struct dt_sb *err)
{
	struct dt_sb patch = DT_SB_INIT;

	if ((s->flags & DT_PROPOSAL_STAGE) && s->repo &&
	    !dt_fpatch_reassemble(fp, 0, 0, &patch, err) &&
	    !dt_review_apply_text(s->repo, patch.buf, patch.len, 0, 0, 0, err))
		l->staged = dt_sb_detach(&patch, &l->staged_len);
	dt_sb_release(&patch);
}

static void copy_proposal(struct dt_proposal *to, const struct dt_proposal *from)
{
	*to = *from;
	to->path = dt_xstrdup(from->path);
	to->content = from->content ? dt_xstrndup(from->content, from->len) : NULL;
}

static void push_landing(struct dt_proposal_store *s, struct landing *l)
{
	if (s->land_nr == MAX_LANDINGS) {
		free_landing(&s->land[0]);
		memmove(&s->land[0], &s->land[1], (MAX_LANDINGS - 1) * sizeof(*s->land));
		s->land_nr--;
	}
	if (!s->land)
		s->land = dt_xcalloc(MAX_LANDINGS, sizeof(*s->land));
	s->land[s->land_nr++] = *l;
}

static int mark_stale(struct dt_proposal_store *s, size_t i, struct dt_fpatch *fp,
		      const char *cur, size_t len)
{
	struct dt_proposal *p = &s->p[i];

	record_hunks(s, p->path, fp, 1);
	p->stale = 1;
	p->has_base = !!cur;
	blob_id(cur, len, p->base);
	save(s);
	return DT_PROPOSAL_STALE;
}

static int land(struct dt_proposal_store *s, size_t i, struct dt_fpatch *fp, const char *cur,
		size_t len, unsigned mode, struct dt_sb *err)
{
	struct dt_proposal *p = &s->p[i];
	struct dt_sb accepted = DT_SB_INIT, pending = DT_SB_INIT;
	int any_use = dt_fpatch_any_used(fp), gone = fp->deleted && any_use;
	int rc = result_of(fp, cur, len, 0, &accepted, err);
	struct landing l = {.index = i, .old_mode = mode, .new_mode = mode};

	if (!rc)
		rc = result_of(fp, cur, len, 1, &pending, err);
	if (!rc && any_use)
		rc = write_work(s, p, gone, &accepted, mode);
	if (rc)
		goto done;
	copy_proposal(&l.before, p);
	if (any_use) {
		l.wrote = 1;
		l.old = cur ? dt_xstrndup(cur, len) : NULL;
		l.old_len = len;
		l.new_exists = !gone;
		blob_id(accepted.buf, accepted.len, l.new_hex);
		stage(s, fp, &l, err);
	}
	push_landing(s, &l);
	record_hunks(s, p->path, fp, 0);
	if (gone || (pending.len == accepted.len && !memcmp(pending.buf, accepted.buf, accepted.len) &&
		     !(p->deleted && !gone))) {
		remove_proposal(s, i);
	} else {
		p->has_base = !gone && (cur || any_use);
		blob_id(accepted.buf, accepted.len, p->base);
		p->stale = 0;
		if (!p->deleted)
			set_content(p, pending.buf ? pending.buf : "", pending.len);
	}
	rc = save(s);
done:
	dt_sb_release(&accepted);
	dt_sb_release(&pending);
	return rc < 0 ? -1 : rc;
}

/* Does the working file still hold what the landing wrote (bytes and mode)? */
static int still_ours(struct dt_proposal_store *s, const struct landing *l)
{
	unsigned mode = 0;
	size_t len = 0;
	char *cur = read_work(s, l->before.path, &len, &mode), hex[41];
	int ours;

	if (!cur)
		return !l->new_exists && errno == ENOENT;
	blob_id(cur, len, hex);
	free(cur);
	ours = l->new_exists && !strcmp(hex, l->new_hex) && mode == l->new_mode;
	return ours;
}

int dt_proposal_undo(struct dt_proposal_store *s, char **undone, struct dt_sb *msg)
{
	struct landing *l;
	struct dt_sb unst = DT_SB_INIT;
	char *path;
	long j;
	int rc = 0;

	if (!s->land_nr)
		return 1;
	l = &s->land[s->land_nr - 1];
	path = l->before.path;
	if (undone)
		*undone = dt_xstrdup(path);
	if (l->wrote && !still_ours(s, l)) {
		dt_sb_addf(msg, "%s changed since it was accepted: not undone (it no longer "
			   "holds what duoterm wrote)", l->before.path);
		return -1;
	}
	if (l->wrote) {
		struct dt_sb old = {.buf = l->old, .len = l->old_len};

		rc = write_work(s, &l->before, !l->old, &old, l->old_mode);
		if (rc) {
			dt_sb_addf(msg, "%s: cannot write it back: %s", l->before.path,
				   strerror(rc < 0 ? -rc : errno));
			return -1;
		}
	}
	if (l->staged && s->repo &&
	    dt_review_apply_text(s->repo, l->staged, l->staged_len, 1, 0, 0, &unst))
		dt_sb_addf(msg, "%s is back, but its staged change could not be unstaged: %s",
			   l->before.path, unst.buf);
	dt_sb_release(&unst);
	/* the proposal as it was, so it can be decided again */
	j = dt_proposal_find(s, l->before.path);
	if (j >= 0) {
		free_proposal(&s->p[j]);
		s->p[j] = l->before;
	} else {
		size_t at = l->index < s->nr ? l->index : s->nr;
		struct dt_proposal *slot = add_proposal(s, l->before.path);

		free_proposal(slot); /* add_proposal made a fresh one at the end */
		memmove(&s->p[at + 1], &s->p[at], (s->nr - 1 - at) * sizeof(*s->p));
		s->p[at] = l->before;
	}
	record(s, path, DT_DECISION_UNDONE, NULL, 0); /* path now belongs to the store */
	l->before.path = l->before.content = NULL;
	free_landing(l);
	s->land_nr--;
	return save(s) ? -1 : 0;
}

int dt_proposal_apply(struct dt_proposal_store *s, size_t i, struct dt_fpatch *fp,
		      struct dt_sb *err)
{
	struct dt_proposal *p;
	unsigned mode;
	size_t len = 0;
	char *cur, hex[41] = "";
	int rc;

	if (i >= s->nr)
		return -1;
	p = &s->p[i];
	mode = p->mode;
	cur = read_work(s, p->path, &len, &mode);
	if (cur)
		blob_id(cur, len, hex);
	if (!matches_base(p, cur, len) || strcmp(hex, p->diffed))
		rc = mark_stale(s, i, fp, cur, len);
	else
		rc = land(s, i, fp, cur, len, mode, err);
	free(cur);
	return rc;
}

int dt_proposal_decide_all(struct dt_proposal_store *s, size_t i, int use, struct dt_sb *err)
{
	struct dt_fpatch fp = DT_FPATCH_INIT;
	struct dt_sb text = DT_SB_INIT;
	size_t k;
	int rc;

	if (i >= s->nr)
		return -1;
	rc = dt_proposal_diff(s, i, &text, err);
	if (!rc && !text.len) {
		remove_proposal(s, i); /* nothing to change */
		dt_sb_release(&text);
		return save(s);
	}
	if (!rc)
		rc = dt_fpatch_parse(&fp, text.buf, text.len, err);
	if (!rc) {
		fp.head.use = use ? DT_HUNK_USE : DT_HUNK_SKIP;
		for (k = 0; k < fp.nr; k++)
			fp.hunk[k].use = fp.head.use;
		rc = dt_proposal_apply(s, i, &fp, err);
	}
	dt_fpatch_release(&fp);
	dt_sb_release(&text);
	return rc;
}

int dt_proposal_check(struct dt_proposal_store *s, size_t i, struct dt_fpatch *fp,
		      struct dt_sb *err)
{
	struct dt_sb patch = DT_SB_INIT, out = DT_SB_INIT;
	git_diff *diff = NULL;
	size_t len = 0;
	char *cur;
	int rc;

	if (i >= s->nr)
		return -1;
	cur = read_work(s, s->p[i].path, &len, NULL);
	rc = dt_fpatch_reassemble(fp, 1, 0, &patch, err);
	if (!rc && git_diff_from_buffer(&diff, patch.buf, patch.len) < 0) {
		const git_error *e = git_error_last();

		dt_sb_addf(err, "the edited patch does not parse: %s", e ? e->message : "?");
		rc = -1;
	}
	if (!rc)
		rc = dt_patch_apply_buffer(patch.buf, patch.len, cur, len, &out, err);
	git_diff_free(diff);
	free(cur);
	dt_sb_release(&patch);
	dt_sb_release(&out);
	return rc;
}

void dt_proposal_decisions_json(struct dt_proposal_store *s, struct dt_sb *out)
{
	size_t nr;
	struct dt_decision *d = dt_proposal_decisions(s, &nr);
	cJSON *arr = decisions_to_json(d, nr);
	char *text = cJSON_PrintUnformatted(arr);

	dt_sb_adds(out, text);
	free(text);
	cJSON_Delete(arr);
	dt_decisions_free(d, nr);
	save(s);
}
