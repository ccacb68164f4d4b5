/*
 * The agent's file tools, the dispatch table and the schemas (tools.h).
 */
#include "tools_int.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#include "duoterm/core/config.h"
#include "duoterm/git/proposal.h"
#include "duoterm/git/repo.h"

static const char *const k_path[] = {"file_path", "filepath", "path", NULL};
static const char *const k_dir[] = {"directory", "search_directory", "directory_path", "path", NULL};

const char *dt_tool_str(const cJSON *args, const char *const *names)
{
	for (; *names; names++) {
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(args, *names));

		if (v)
			return v;
	}
	return NULL;
}

void dt_tool_finish(const struct dt_tool_call *c, const char *text, int is_error,
		    const char *proposed)
{
	struct dt_tool_result r = {c->id, text, is_error, proposed, 0};

	c->done(&r, c->ud);
}

static void fail(const struct dt_tool_call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(const struct dt_tool_call *c, const char *fmt, ...)
{
	struct dt_sb sb = DT_SB_INIT;
	va_list ap;

	va_start(ap, fmt);
	dt_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	dt_tool_finish(c, sb.buf, 1, NULL);
	dt_sb_release(&sb);
}

/* ---- confinement ------------------------------------------------------------ */

static int normalise(const char *path, struct dt_sb *rel)
{
	char *copy = dt_xstrdup(path), *save = NULL, *tok;
	size_t depth = 0;
	size_t marks[PATH_MAX / 2];

	dt_sb_reset(rel);
	dt_sb_grow(rel, 1);
	rel->buf[0] = '\0';
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			if (!depth) {
				free(copy);
				return -1;
			}
			dt_sb_truncate(rel, marks[--depth]);
			continue;
		}
		if (depth == sizeof(marks) / sizeof(marks[0]))
			break;
		marks[depth++] = rel->len;
		if (rel->len)
			dt_sb_addc(rel, '/');
		dt_sb_adds(rel, tok);
	}
	free(copy);
	return 0;
}

static int inside(const char *root, const char *real)
{
	size_t n = strlen(root);

	return !strncmp(real, root, n) && (real[n] == '\0' || real[n] == '/' || n == 1);
}

/* The deepest existing ancestor (or the path) must resolve inside root, and
 * the path itself must not be a dangling symlink. */
static int check_links(const char *root, const char *abs)
{
	char *p = dt_xstrdup(abs), *slash, real[PATH_MAX];
	struct stat st;
	int ok = -1;

	if (!lstat(abs, &st) && S_ISLNK(st.st_mode) && stat(abs, &st))
		goto done; /* dangling */
	for (;;) {
		if (realpath(p, real)) {
			ok = inside(root, real) ? 0 : -1;
			break;
		}
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
done:
	free(p);
	return ok;
}

int dt_tools_confine(struct dt_tools *t, const char *path, struct dt_sb *rel, struct dt_sb *err)
{
	const char *root = t->root, *p = path ? path : "";
	struct dt_sb abs = DT_SB_INIT;
	size_t n = strlen(root);
	int rc = 0;

	if (*p == '/') {
		if (!inside(root, p) && !inside(t->o.workdir, p)) {
			dt_sb_addf(err, "%s is outside the repository; use a path relative to its top",
				   path);
			return -1;
		}
		p += inside(root, p) ? n : strlen(t->o.workdir);
	}
	if (normalise(p, rel)) {
		dt_sb_addf(err, "%s leaves the repository (too many \"..\")", path);
		return -1;
	}
	dt_sb_addf(&abs, "%s/%s", root, rel->buf);
	if (check_links(root, abs.buf)) {
		dt_sb_addf(err, "%s is (or goes through) a symbolic link that leads outside the "
			   "repository", path);
		rc = -1;
	}
	dt_sb_release(&abs);
	return rc;
}

static int confine(const struct dt_tool_call *c, const char *path, struct dt_sb *rel)
{
	struct dt_sb err = DT_SB_INIT;

	if (!path) {
		fail(c, "missing argument: the path (\"file_path\")");
		return -1;
	}
	if (dt_tools_confine(c->t, path, rel, &err)) {
		dt_tool_finish(c, err.buf, 1, NULL);
		dt_sb_release(&err);
		return -1;
	}
	return 0;
}

static char *abs_of(struct dt_tools *t, const char *rel)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_addf(&sb, "%s%s%s", t->root, *rel ? "/" : "", rel);
	return dt_sb_detach(&sb, NULL);
}

/* The agent's view of a file: its proposal, else the file.  errno on NULL. */
static char *view(struct dt_tools *t, const char *rel, size_t *len)
{
	char *abs, *text;
	struct stat st;

	if (t->o.store && dt_proposal_find(t->o.store, rel) >= 0) {
		text = dt_proposal_read(t->o.store, rel, len);
		if (text) { /* the overlay's buffers are not NUL-terminated */
			text = dt_xrealloc(text, *len + 1);
			text[*len] = '\0';
		}
		return text;
	}
	abs = abs_of(t, rel);
	if (!stat(abs, &st) && S_ISDIR(st.st_mode)) {
		free(abs);
		errno = EISDIR;
		return NULL;
	}
	text = dt_read_file(abs, len);
	free(abs);
	return text;
}

static int is_binary(const char *s, size_t len)
{
	return memchr(s, '\0', len < 8000 ? len : 8000) != NULL;
}

/* ---- read_file, read_files ------------------------------------------------------ */

static long num_arg(const cJSON *args, const char *name, long def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : def;
}

static void lines_of(struct dt_sb *out, const char *text, size_t len, long offset, long limit)
{
	const char *p = text, *end = text + len;
	long line = 1;

	while (p < end && line < offset) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		p = nl ? nl + 1 : end;
		line++;
	}
	while (p < end && (limit <= 0 || line < offset + limit)) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;

		dt_sb_add(out, p, (size_t)(next - p));
		p = next;
		line++;
	}
}

static int read_one(struct dt_tools *t, const char *path, const cJSON *args, struct dt_sb *out)
{
	struct dt_sb rel = DT_SB_INIT, err = DT_SB_INIT;
	size_t len = 0, cap = t->o.read_cap ? t->o.read_cap : 256 * 1024;
	char *text;
	long offset = num_arg(args, "offset", 1), limit = num_arg(args, "limit", 0);
	int rc = -1;

	if (dt_tools_confine(t, path, &rel, &err)) {
		dt_sb_addf(out, "%s", err.buf);
		goto done;
	}
	text = view(t, rel.buf, &len);
	if (!text) {
		dt_sb_addf(out, "cannot read %s: %s", path, strerror(errno));
		goto done;
	}
	if (is_binary(text, len)) {
		dt_sb_addf(out, "%s is a binary file (%zu bytes)", path, len);
	} else {
		size_t start = out->len;

		lines_of(out, text, len, offset < 1 ? 1 : offset, limit);
		if (out->len - start > cap) {
			dt_sb_truncate(out, start + cap);
			dt_sb_addf(out, "\n[truncated at %zu bytes of %zu; read on with offset/limit]",
				   cap, len);
		}
		rc = 0;
	}
	free(text);
done:
	dt_sb_release(&rel);
	dt_sb_release(&err);
	return rc;
}

static void tool_read_file(const struct dt_tool_call *c)
{
	struct dt_sb out = DT_SB_INIT;
	const char *path = dt_tool_str(c->args, k_path);
	int rc;

	if (!path) {
		fail(c, "missing argument \"file_path\"");
		return;
	}
	rc = read_one(c->t, path, c->args, &out);
	dt_tool_finish(c, out.buf ? out.buf : "", rc != 0, NULL);
	dt_sb_release(&out);
}

static void tool_read_files(const struct dt_tool_call *c)
{
	static const char *const keys[] = {"file_paths", "filepaths", "paths", NULL};
	const cJSON *arr = NULL, *p;
	cJSON *res = cJSON_CreateObject();
	struct dt_sb out = DT_SB_INIT;
	char *text;

	for (size_t i = 0; keys[i] && !cJSON_IsArray(arr); i++)
		arr = cJSON_GetObjectItemCaseSensitive(c->args, keys[i]);
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(res);
		fail(c, "missing argument \"file_paths\" (an array of paths)");
		return;
	}
	cJSON_ArrayForEach(p, arr) {
		if (!cJSON_IsString(p))
			continue;
		dt_sb_reset(&out);
		if (read_one(c->t, p->valuestring, NULL, &out)) {
			cJSON *e = cJSON_AddObjectToObject(res, p->valuestring);

			cJSON_AddStringToObject(e, "error", out.buf ? out.buf : "");
		} else {
			cJSON_AddStringToObject(res, p->valuestring, out.buf ? out.buf : "");
		}
	}
	text = cJSON_PrintUnformatted(res);
	dt_tool_finish(c, text, 0, NULL);
	free(text);
	cJSON_Delete(res);
	dt_sb_release(&out);
}

/* ---- walking the tree ---------------------------------------------------------- */

static int ignored(struct dt_tools *t, const char *rel, int is_dir)
{
	return t->o.repo ? dt_repo_ignored(t->o.repo, rel, is_dir) : 0;
}

typedef int (*walk_cb)(struct dt_tools *t, const char *rel, void *ud); /* 1 stops */

static int walk(struct dt_tools *t, const char *rel, walk_cb cb, void *ud, int depth)
{
	char *abs = abs_of(t, rel);
	DIR *d = opendir(abs);
	struct dirent *de;
	int stop = 0;

	free(abs);
	if (!d || depth > 64) {
		if (d)
			closedir(d);
		return 0;
	}
	while (!stop && (de = readdir(d))) {
		struct dt_sb child = DT_SB_INIT;
		int is_dir;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		dt_sb_addf(&child, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		is_dir = de->d_type == DT_DIR;
		if (!ignored(t, child.buf, is_dir)) {
			if (is_dir)
				stop = walk(t, child.buf, cb, ud, depth + 1);
			else if (de->d_type == DT_REG)
				stop = cb(t, child.buf, ud);
		}
		dt_sb_release(&child);
	}
	closedir(d);
	return stop;
}

/* ---- list_dir, find_files ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void tool_list_dir(const struct dt_tool_call *c)
{
	struct dt_sb rel = DT_SB_INIT, out = DT_SB_INIT;
	const char *dir = dt_tool_str(c->args, k_dir);
	char *abs, **names = NULL;
	size_t n = 0, alloc = 0;
	DIR *d;
	struct dirent *de;

	if (confine(c, dir ? dir : ".", &rel))
		goto done;
	abs = abs_of(c->t, rel.buf);
	d = opendir(abs);
	free(abs);
	if (!d) {
		fail(c, "cannot list %s: %s", dir ? dir : ".", strerror(errno));
		goto done;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".git"))
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			names = dt_xrealloc(names, alloc * sizeof(*names));
		}
		dt_sb_reset(&out);
		dt_sb_addf(&out, "%s%s", de->d_name, de->d_type == DT_DIR ? "/" : "");
		names[n++] = dt_sb_detach(&out, NULL);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		dt_sb_addf(&out, "%s\n", names[i]);
		free(names[i]);
	}
	free(names);
	dt_tool_finish(c, out.len ? out.buf : "(empty directory)\n", 0, NULL);
done:
	dt_sb_release(&rel);
	dt_sb_release(&out);
}

struct find_ctx {
	const char *pattern;
	struct dt_sb out;
	size_t n;
};

static int find_cb(struct dt_tools *t, const char *rel, void *ud)
{
	struct find_ctx *f = ud;
	const char *base = strrchr(rel, '/');

	(void)t;
	base = base ? base + 1 : rel;
	if (!fnmatch(f->pattern, rel, FNM_PATHNAME) || !fnmatch(f->pattern, rel, 0) ||
	    (!strchr(f->pattern, '/') && !fnmatch(f->pattern, base, 0))) {
		dt_sb_addf(&f->out, "%s\n", rel);
		if (++f->n >= 1000) {
			dt_sb_adds(&f->out, "[stopped after 1000 files]\n");
			return 1;
		}
	}
	return 0;
}

static void tool_find_files(const struct dt_tool_call *c)
{
	static const char *const keys[] = {"name_pattern", "pattern", NULL};
	struct find_ctx f = {dt_tool_str(c->args, keys), DT_SB_INIT, 0};

	if (!f.pattern) {
		fail(c, "missing argument \"name_pattern\" (a glob such as \"*.c\" or \"src/*.h\")");
		return;
	}
	walk(c->t, "", find_cb, &f, 0);
	dt_tool_finish(c, f.n ? f.out.buf : "no files match\n", 0, NULL);
	dt_sb_release(&f.out);
}

/* ---- grep ------------------------------------------------------------------------ */

struct grep_ctx {
	regex_t re;
	struct dt_sb out;
	size_t n;
};

static int grep_cb(struct dt_tools *t, const char *rel, void *ud)
{
	struct grep_ctx *g = ud;
	size_t len = 0;
	char *text = view(t, rel, &len), *p, *nl;
	unsigned long line = 1;

	if (!text)
		return 0;
	if (is_binary(text, len)) {
		free(text);
		return 0;
	}
	for (p = text; p < text + len; p = nl + 1, line++) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		*nl = '\0';
		if (regexec(&g->re, p, 0, NULL, 0))
			continue;
		dt_sb_addf(&g->out, "%s:%lu:%.*s\n", rel, line, (int)(strlen(p) > 300 ? 300 : strlen(p)),
			   p);
		if (++g->n >= 500 || g->out.len > 64 * 1024) {
			dt_sb_adds(&g->out, "[stopped after this many matches; narrow the search]\n");
			free(text);
			return 1;
		}
	}
	free(text);
	return 0;
}

static void tool_grep(const struct dt_tool_call *c)
{
	static const char *const keys[] = {"pattern", "search_pattern", NULL};
	static const char *const dirs[] = {"search_directory", "directory", "path", NULL};
	const char *pattern = dt_tool_str(c->args, keys);
	const char *dir = dt_tool_str(c->args, dirs);
	struct grep_ctx g = {.out = DT_SB_INIT};
	struct dt_sb rel = DT_SB_INIT;
	char msg[256];
	int flags = REG_EXTENDED | REG_NOSUB, rc;

	if (!pattern) {
		fail(c, "missing argument \"pattern\" (a POSIX extended regular expression)");
		return;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c->args, "case_insensitive")))
		flags |= REG_ICASE;
	if (confine(c, dir ? dir : ".", &rel))
		goto done;
	if ((rc = regcomp(&g.re, pattern, flags))) {
		regerror(rc, &g.re, msg, sizeof(msg));
		fail(c, "bad regular expression %s: %s", pattern, msg);
		goto done;
	}
	walk(c->t, rel.buf, grep_cb, &g, 0);
	regfree(&g.re);
	dt_tool_finish(c, g.n ? g.out.buf : "no matches\n", 0, NULL);
done:
	dt_sb_release(&g.out);
	dt_sb_release(&rel);
}

/* ---- mkdir, write_file, edit_file ------------------------------------------------ */

static int in_git_dir(const char *rel)
{
	return !strcmp(rel, ".git") || !strncmp(rel, ".git/", 5);
}

static void tool_mkdir(const struct dt_tool_call *c)
{
	static const char *const keys[] = {"directory_path", "directory", "path", NULL};
	struct dt_sb rel = DT_SB_INIT;
	char *abs;

	if (confine(c, dt_tool_str(c->args, keys), &rel))
		goto done;
	if (in_git_dir(rel.buf) || !rel.len) {
		fail(c, "refusing to create %s", rel.len ? rel.buf : "the repository's top");
		goto done;
	}
	abs = abs_of(c->t, rel.buf);
	if (dt_mkdir_p(abs, 0755))
		fail(c, "cannot create %s: %s", rel.buf, strerror(errno));
	else
		dt_tool_finish(c, "created (or already there)", 0, NULL);
	free(abs);
done:
	dt_sb_release(&rel);
}

static void propose(const struct dt_tool_call *c, const char *rel, const char *text, size_t len,
		    const char *what)
{
	struct dt_sb err = DT_SB_INIT, msg = DT_SB_INIT;

	if (!c->t->o.store) {
		fail(c, "no proposal store: cannot write files");
		return;
	}
	if (in_git_dir(rel)) {
		fail(c, "refusing to write inside .git");
		return;
	}
	if (dt_proposal_propose(c->t->o.store, rel, text, len, &err)) {
		fail(c, "cannot propose %s: %s", rel, err.buf ? err.buf : "");
	} else {
		dt_sb_addf(&msg, "%s %s as a proposal: the user reviews it hunk by hunk before it "
			   "reaches the working tree. Your reads already see it.", what, rel);
		dt_tool_finish(c, msg.buf, 0, rel);
	}
	dt_sb_release(&err);
	dt_sb_release(&msg);
}

static void tool_write_file(const struct dt_tool_call *c)
{
	static const char *const keys[] = {"contents", "content", "text", NULL};
	const char *text = dt_tool_str(c->args, keys);
	struct dt_sb rel = DT_SB_INIT;

	if (!text) {
		fail(c, "missing argument \"contents\"");
		return;
	}
	if (!confine(c, dt_tool_str(c->args, k_path), &rel))
		propose(c, rel.buf, text, strlen(text), "wrote");
	dt_sb_release(&rel);
}

static size_t count(const char *hay, size_t len, const char *needle, const char **first)
{
	size_t n = 0, nlen = strlen(needle);
	const char *p = hay, *end = hay + len;

	while ((p = memmem(p, (size_t)(end - p), needle, nlen))) {
		if (!n++)
			*first = p;
		p += nlen;
	}
	return n;
}

static void edit(const struct dt_tool_call *c, const char *rel, const char *old, const char *new)
{
	size_t len = 0, n;
	char *text = view(c->t, rel, &len);
	const char *at = NULL;
	struct dt_sb out = DT_SB_INIT;

	if (!text) {
		fail(c, "cannot read %s: %s", rel, strerror(errno));
		return;
	}
	n = count(text, len, old, &at);
	if (n > 1) {
		fail(c, "old_str occurs %zu times in %s; include more surrounding lines so it "
			"matches exactly once", n, rel);
	} else if (!n) {
		fail(c, "old_str was not found in %s; it must match the file exactly, whitespace "
			"included (read the file again)", rel);
	} else {
		dt_sb_add(&out, text, (size_t)(at - text));
		dt_sb_adds(&out, new);
		dt_sb_adds(&out, at + strlen(old));
		propose(c, rel, out.buf, out.len, "edited");
	}
	free(text);
	dt_sb_release(&out);
}

static void tool_edit_file(const struct dt_tool_call *c)
{
	static const char *const k_old[] = {"old_str", "oldString", "old_string", NULL};
	static const char *const k_new[] = {"new_str", "newString", "new_string", NULL};
	const char *old = dt_tool_str(c->args, k_old), *new = dt_tool_str(c->args, k_new);
	struct dt_sb rel = DT_SB_INIT;

	if (!old || !new || !*old) {
		fail(c, "edit_file needs \"file_path\", a non-empty \"old_str\" and \"new_str\"");
		return;
	}
	if (!confine(c, dt_tool_str(c->args, k_path), &rel))
		edit(c, rel.buf, old, new);
	dt_sb_release(&rel);
}

/* ---- dispatch ---------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*run)(const struct dt_tool_call *c);
} tools[] = {
	{"read_file", tool_read_file},
	{"read_files", tool_read_files},
	{"list_dir", tool_list_dir},
	{"find_files", tool_find_files},
	{"grep", tool_grep},
	{"mkdir", tool_mkdir},
	{"write_file", tool_write_file},
	{"create_file_with_contents", tool_write_file},
	{"edit_file", tool_edit_file},
	{"run_command", dt_tools_run_command},
	{"git", dt_tools_git},
	{"run_git_command", dt_tools_git},
};

void dt_tools_run(struct dt_tools *t, const char *call_id, const char *name, const cJSON *args,
		  dt_tool_done_cb done, dt_tool_output_cb out, void *ud)
{
	struct dt_tool_call c = {t, call_id, args, done, out, ud};
	cJSON *empty = NULL;

	if (!cJSON_IsObject(args))
		c.args = empty = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		if (!strcmp(name, tools[i].name)) {
			tools[i].run(&c);
			cJSON_Delete(empty);
			return;
		}
	}
	if (dt_tools_gitlab(&c, name) && dt_tools_mcp(&c, name))
		fail(&c, "unknown tool %s", name);
	cJSON_Delete(empty);
}

void dt_tools_cancel(struct dt_tools *t, const char *call_id)
{
	if (dt_tools_kill(t, call_id))
		dt_tools_mcp_cancel(t, call_id);
}

int dt_tools_new(struct dt_tools **out, const struct dt_tools_opts *o, struct dt_sb *err)
{
	char real[PATH_MAX];
	struct dt_tools *t;

	if (!o->workdir || !realpath(o->workdir, real)) {
		dt_sb_addf(err, "no work tree: %s", o->workdir ? strerror(errno) : "none given");
		return -1;
	}
	t = dt_xcalloc(1, sizeof(*t));
	t->o = *o;
	t->root = dt_xstrdup(real);
	t->o.workdir = dt_xstrdup(o->workdir);
	if (t->o.project_id)
		t->o.project_id = dt_xstrdup(o->project_id);
	*out = t;
	return 0;
}

void dt_tools_free(struct dt_tools *t)
{
	if (!t)
		return;
	dt_tools_kill_all(t);
	dt_tools_mcp_cancel_all(t);
	free(t->root);
	free((char *)t->o.workdir);
	free((char *)t->o.project_id);
	free(t);
}
