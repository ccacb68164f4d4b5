/* The approval policy (see policy.h). */
#include "duoterm/agent/policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/config.h"

void dt_policy_release(struct dt_policy *p)
{
	for (size_t i = 0; i < p->nr; i++)
		free(p->allow[i]);
	free(p->allow);
	*p = (struct dt_policy)DT_POLICY_INIT;
}

void dt_policy_allow(struct dt_policy *p, const char *pattern)
{
	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->allow[i], pattern))
			return;
	if (p->nr == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 8;
		p->allow = dt_xrealloc(p->allow, p->alloc * sizeof(*p->allow));
	}
	p->allow[p->nr++] = dt_xstrdup(pattern);
}

static int has_meta(const char *s)
{
	return strpbrk(s, ";|&$`<>()\n\r\\") != NULL;
}

static int has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

int dt_policy_matches(const struct dt_policy *p, const char *subject)
{
	if (p->approve_all)
		return 1;
	for (size_t i = 0; i < p->nr; i++) {
		if (!strcmp(p->allow[i], subject))
			return 1;
		if (has_wildcard(p->allow[i]) && !has_meta(subject) &&
		    !fnmatch(p->allow[i], subject, 0))
			return 1;
	}
	return 0;
}

/* ---- git ------------------------------------------------------------------ */

static const char *const git_read_only[] = {
	"status", "diff", "log", "show", "blame", "ls-files", "ls-tree", "rev-parse", "grep",
	"describe", "shortlog", "cat-file", "rev-list", "merge-base", "show-ref", "whatchanged",
	"diff-tree", "diff-files", "diff-index", "name-rev", "for-each-ref", "count-objects",
	NULL,
};

/* Options that write files or run programs even under read-only commands. */
static const char *const git_bad_opts[] = {
	"--output", "--ext-diff", "--exec", "--upload-pack", "--open-files-in-pager", "-O",
	"--textconv", "--run", "--to", NULL,
};

int dt_git_read_only(const char *sub, const char *const *args, size_t nargs)
{
	size_t i, k;

	for (i = 0; git_read_only[i]; i++)
		if (!strcmp(sub, git_read_only[i]))
			break;
	if (!git_read_only[i])
		return 0;
	for (i = 0; i < nargs; i++)
		for (k = 0; git_bad_opts[k]; k++)
			if (!strncmp(args[i], git_bad_opts[k], strlen(git_bad_opts[k])))
				return 0;
	return 1;
}

/* ---- subjects ------------------------------------------------------------- */

static const char *str_arg(const cJSON *args, const char *a, const char *b)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(args, a));

	return v || !b ? v : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(args, b));
}

static void add_words(struct dt_sb *sb, const cJSON *arr)
{
	const cJSON *w;

	if (cJSON_IsString(arr)) {
		dt_sb_addf(sb, " %s", arr->valuestring);
		return;
	}
	cJSON_ArrayForEach(w, arr)
		if (cJSON_IsString(w))
			dt_sb_addf(sb, " %s", w->valuestring);
}

/* The suggested pattern: the first word and a star, when that is safe. */
static void suggest(struct dt_sb *pattern, const char *subject, int words)
{
	const char *p = subject;

	if (has_meta(subject) || has_wildcard(subject)) {
		dt_sb_adds(pattern, subject);
		return;
	}
	for (int i = 0; i < words && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p) {
		dt_sb_adds(pattern, subject);
		return;
	}
	dt_sb_add(pattern, subject, (size_t)(p - subject));
	dt_sb_addc(pattern, '*');
}

static int command_subject(const cJSON *args, struct dt_sb *subject)
{
	const char *cmd = str_arg(args, "command", NULL);
	const char *prog = str_arg(args, "program", NULL);

	if (cmd) {
		dt_sb_adds(subject, cmd);
		return 0;
	}
	if (!prog)
		return -1;
	dt_sb_adds(subject, prog);
	add_words(subject, cJSON_GetObjectItemCaseSensitive(args, "flags"));
	add_words(subject, cJSON_GetObjectItemCaseSensitive(args, "arguments"));
	return 0;
}

static int git_subject(const cJSON *args, struct dt_sb *subject, int *read_only)
{
	const char *sub = str_arg(args, "command", "subcommand");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(args, "args");
	const char *words[64];
	size_t n = 0;
	const cJSON *w;
	char *copy = NULL, *tok, *save = NULL;

	if (!sub)
		return -1;
	dt_sb_addf(subject, "git %s", sub);
	add_words(subject, a);
	if (cJSON_IsString(a)) {
		copy = dt_xstrdup(a->valuestring);
		for (tok = strtok_r(copy, " \t", &save); tok && n < 64; tok = strtok_r(NULL, " \t", &save))
			words[n++] = tok;
	} else {
		cJSON_ArrayForEach(w, a)
			if (cJSON_IsString(w) && n < 64)
				words[n++] = w->valuestring;
	}
	*read_only = dt_git_read_only(sub, words, n);
	free(copy);
	return 0;
}

static const char *const gitlab_writes[] = {
	"create_issue_note", "create_merge_request_note", NULL,
};

/* What a GitLab write will post, for the approval dialog: "note on issue
 * #12: <body>" (the body cut at 400 bytes). */
static void note_subject(const char *tool, const cJSON *args, struct dt_sb *subject)
{
	int issue = !strcmp(tool, "create_issue_note");
	const cJSON *n = cJSON_GetObjectItem(args, issue ? "issue_iid" : "merge_request_iid");
	const char *body = cJSON_GetStringValue(cJSON_GetObjectItem(args, "body"));

	if (!n)
		n = cJSON_GetObjectItem(args, "iid");
	dt_sb_adds(subject, issue ? "note on issue #" : "note on merge request !");
	if (cJSON_IsNumber(n))
		dt_sb_addf(subject, "%.0f", n->valuedouble);
	else
		dt_sb_adds(subject, cJSON_IsString(n) ? n->valuestring : "?");
	if (body && strlen(body) > 400)
		dt_sb_addf(subject, ": %.400s…", body);
	else
		dt_sb_addf(subject, ": %s", body ? body : "");
}

int dt_policy_needs_approval(const struct dt_policy *p, const char *tool, const cJSON *args,
			     struct dt_sb *subject, struct dt_sb *pattern)
{
	int read_only = 0;

	dt_sb_reset(subject);
	dt_sb_reset(pattern);
	if (!strcmp(tool, "run_command")) {
		if (command_subject(args, subject))
			return 0;
		suggest(pattern, subject->buf, 1);
	} else if (!strcmp(tool, "git") || !strcmp(tool, "run_git_command")) {
		if (git_subject(args, subject, &read_only) || read_only)
			return 0;
		suggest(pattern, subject->buf, 2);
	} else {
		for (size_t i = 0; gitlab_writes[i]; i++)
			if (!strcmp(tool, gitlab_writes[i]))
				goto write;
		if (strstr(tool, "__")) /* an MCP server's tool: it may do anything */
			goto write;
		return 0;
write:
		/* the dialog shows what will be posted; "always" allows the tool */
		note_subject(tool, args, subject);
		dt_sb_adds(pattern, tool);
		return !dt_policy_matches(p, tool);
	}
	return !dt_policy_matches(p, subject->buf);
}

/* ---- showing a command ------------------------------------------------------ */

static size_t utf8_len(const unsigned char *s, unsigned *cp)
{
	size_t n = s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf5 || !n)
		return 0;
	*cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) || (*cp >= 0xd800 && *cp < 0xe000))
		return 0;
	return n;
}

static int invisible(unsigned cp)
{
	return (cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200b || cp == 0x200e || cp == 0x200f ||
	       cp == 0x061c || cp == 0xfeff || cp == 0x2028 || cp == 0x2029;
}

void dt_visible(struct dt_sb *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned cp;
	size_t n;

	while (*s) {
		if (*s == '\n' || *s == '\t' || *s == '\r' || *s == 0x1b) {
			dt_sb_adds(out, *s == '\n' ? "\\n" : *s == '\t' ? "\\t" : *s == '\r' ? "\\r" : "\\e");
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			dt_sb_addf(out, "\\x%02x", *s++);
		} else if (*s < 0x80) {
			dt_sb_addc(out, (char)*s++);
		} else if (!(n = utf8_len(s, &cp))) {
			dt_sb_addf(out, "\\x%02x", *s++);
		} else if (invisible(cp)) {
			dt_sb_addf(out, "\\u{%04X}", cp);
			s += n;
		} else {
			dt_sb_add(out, s, n);
			s += n;
		}
	}
}

/* ---- remembered patterns ------------------------------------------------------ */

static cJSON *load_file(const char *file)
{
	char *text = dt_read_file(file, NULL);
	cJSON *root = text ? cJSON_Parse(text) : NULL;

	free(text);
	return cJSON_IsObject(root) ? root : (cJSON_Delete(root), cJSON_CreateObject());
}

int dt_policy_load(struct dt_policy *p, const char *file, const char *project)
{
	cJSON *root = load_file(file), *arr, *w;

	arr = cJSON_GetObjectItemCaseSensitive(root, project);
	cJSON_ArrayForEach(w, arr)
		if (cJSON_IsString(w))
			dt_policy_allow(p, w->valuestring);
	cJSON_Delete(root);
	return 0;
}

int dt_policy_save_pattern(const char *file, const char *project, const char *pattern)
{
	cJSON *root = load_file(file), *arr, *w;
	char *text, *dir = dt_xstrdup(file), *slash = strrchr(dir, '/');
	int rc;

	arr = cJSON_GetObjectItemCaseSensitive(root, project);
	if (!cJSON_IsArray(arr)) {
		cJSON_DeleteItemFromObjectCaseSensitive(root, project);
		arr = cJSON_AddArrayToObject(root, project);
	}
	cJSON_ArrayForEach(w, arr)
		if (cJSON_IsString(w) && !strcmp(w->valuestring, pattern))
			break;
	if (!w)
		cJSON_AddItemToArray(arr, cJSON_CreateString(pattern));
	text = cJSON_Print(root);
	if (slash) {
		*slash = '\0';
		dt_mkdir_p(dir, 0700);
	}
	rc = dt_write_file_atomic(file, text, strlen(text), 0600);
	free(text);
	free(dir);
	cJSON_Delete(root);
	return rc;
}
