#include "duoterm/ui/action.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct action_info {
	const char *name, *keys, *help;
	unsigned ctx;
};

#define G DT_CTX_GLOBAL
#define L DT_CTX_LIST
#define C DT_CTX_CHAT
#define I DT_CTX_INPUT
#define P DT_CTX_PROMPT
#define D DT_CTX_DIALOG
#define R DT_CTX_REVIEW
#define A DT_CTX_PLAN
#define S DT_CTX_PANEL
static const struct action_info actions[DT_ACT_COUNT] = {
	[DT_ACT_NONE] = {"", "", "", 0},
#define DT_ACTION_INFO(id, name, ctx, keys, help) [DT_ACT_##id] = {name, keys, help, ctx},
	DT_ACTIONS(DT_ACTION_INFO)
#undef DT_ACTION_INFO
};
#undef G
#undef L
#undef C
#undef I
#undef P
#undef D
#undef R
#undef A
#undef S

static const struct {
	unsigned ctx;
	const char *title;
} ctx_titles[DT_NR_CTX] = {
	{DT_CTX_GLOBAL, "Anywhere (in Chat, only the keys that do not type)"},
	{DT_CTX_LIST, "Lists: Plan, the side panels, this help (moving: also Review)"},
	{DT_CTX_REVIEW, "Review"},
	{DT_CTX_PLAN, "Plan"},
	{DT_CTX_PANEL, "Side panels: Merge requests, Issues, Pipelines"},
	{DT_CTX_CHAT, "Chat"},
	{DT_CTX_INPUT, "Editing text: Chat's input and the prompts"},
	{DT_CTX_PROMPT, "Prompts: / search, f filter, : command palette"},
	{DT_CTX_DIALOG, "Dialogs"},
};

static int valid(enum dt_action a)
{
	return a > DT_ACT_NONE && a < DT_ACT_COUNT;
}

const char *dt_action_name(enum dt_action a)
{
	return valid(a) ? actions[a].name : "";
}

const char *dt_action_help(enum dt_action a)
{
	return valid(a) ? actions[a].help : "";
}

unsigned dt_action_ctx(enum dt_action a)
{
	return valid(a) ? actions[a].ctx : 0;
}

const char *dt_action_default_keys(enum dt_action a)
{
	return valid(a) ? actions[a].keys : "";
}

enum dt_action dt_action_by_name(const char *name)
{
	for (int a = 1; a < DT_ACT_COUNT; a++)
		if (!strcmp(actions[a].name, name))
			return (enum dt_action)a;
	return DT_ACT_NONE;
}

const char *dt_ctx_title(unsigned ctx_bit)
{
	for (int i = 0; i < DT_NR_CTX; i++)
		if (ctx_titles[i].ctx == ctx_bit)
			return ctx_titles[i].title;
	return "";
}

static void add_binding(struct dt_keymap *km, dt_key key, enum dt_action a)
{
	if (km->n == km->alloc) {
		km->alloc = km->alloc ? km->alloc * 2 : 128;
		km->b = dt_xrealloc(km->b, km->alloc * sizeof(*km->b));
	}
	km->b[km->n++] = (struct dt_binding){key, a};
}

/* Splits "j Down C-n" into keys; returns how many, or -1 with the bad name. */
static int parse_key_list(const char *s, dt_key *keys, int max, struct dt_sb *bad)
{
	char *copy = dt_xstrdup(s), *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (n == max || dt_key_parse(tok, &keys[n])) {
			dt_sb_adds(bad, tok);
			n = -1;
			break;
		}
		n++;
	}
	free(copy);
	return n;
}

void dt_keymap_init(struct dt_keymap *km)
{
	*km = (struct dt_keymap){0};
	for (int a = 1; a < DT_ACT_COUNT; a++) {
		dt_key keys[8];
		struct dt_sb bad = DT_SB_INIT;
		int n = parse_key_list(actions[a].keys, keys, 8, &bad);

		for (int i = 0; i < n; i++)
			add_binding(km, keys[i], (enum dt_action)a);
		dt_sb_release(&bad); /* the table's names are tested */
	}
}

void dt_keymap_release(struct dt_keymap *km)
{
	free(km->b);
	*km = (struct dt_keymap){0};
}

enum dt_action dt_keymap_lookup(const struct dt_keymap *km, unsigned ctx, dt_key key)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].key == key && (actions[km->b[i].action].ctx & ctx))
			return km->b[i].action;
	return DT_ACT_NONE;
}

void dt_keymap_bind(struct dt_keymap *km, enum dt_action a, const dt_key *keys, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < km->n; i++) {
		const struct dt_binding *b = &km->b[i];
		int drop = b->action == a;

		for (size_t k = 0; k < n && !drop; k++)
			drop = b->key == keys[k] && (actions[b->action].ctx & actions[a].ctx);
		if (!drop)
			km->b[j++] = *b;
	}
	km->n = j;
	for (size_t k = 0; k < n; k++)
		add_binding(km, keys[k], a);
}

void dt_keymap_keys(const struct dt_keymap *km, enum dt_action a, struct dt_sb *out)
{
	int first = 1;

	for (size_t i = 0; i < km->n; i++) {
		if (km->b[i].action != a)
			continue;
		if (!first)
			dt_sb_adds(out, ", ");
		dt_key_name(km->b[i].key, out);
		first = 0;
	}
}

/* The line of the first "name" after the "keys" member: cJSON keeps no
 * positions, and a line number is what a person fixing the file needs. */
static int line_of(const char *text, const char *name)
{
	struct dt_sb pat = DT_SB_INIT;
	const char *keys = strstr(text, "\"keys\""), *at;
	int line = 1;

	dt_sb_addf(&pat, "\"%s\"", name);
	at = strstr(keys ? keys : text, pat.buf);
	if (!at)
		at = keys;
	for (const char *p = text; at && p < at; p++)
		line += *p == '\n';
	dt_sb_release(&pat);
	return line;
}

static int value_keys(const cJSON *v, dt_key *keys, int max, struct dt_sb *bad)
{
	const cJSON *it;
	int n = 0;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v))
		return parse_key_list(v->valuestring, keys, max, bad);
	if (!cJSON_IsArray(v))
		return -2;
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it))
			return -2;
		if (n == max || dt_key_parse(it->valuestring, &keys[n])) {
			dt_sb_adds(bad, it->valuestring);
			return -1;
		}
		n++;
	}
	return n;
}

static int load_one(struct dt_keymap *km, const char *file, const char *text, const cJSON *it,
		    struct dt_sb *err)
{
	enum dt_action a = dt_action_by_name(it->string);
	struct dt_sb bad = DT_SB_INIT;
	dt_key keys[16];
	int n, line = line_of(text, it->string);

	if (a == DT_ACT_NONE) {
		dt_sb_addf(err, "%s:%d: unknown action \"%s\" in \"keys\" (the help, ?, lists "
				"every action's name)\n", file, line, it->string);
		return 1;
	}
	n = value_keys(it, keys, 16, &bad);
	if (n == -1)
		dt_sb_addf(err, "%s:%d: \"%s\": unknown key \"%s\" (write keys like q, Q, C-q, "
				"M-x, S-Tab, Enter, Esc, Space, PgDn, F5)\n", file, line, it->string,
			   bad.buf);
	else if (n == -2)
		dt_sb_addf(err, "%s:%d: \"%s\": give a key name, several separated by spaces, or "
				"a list of names\n", file, line, it->string);
	else
		dt_keymap_bind(km, a, keys, (size_t)n);
	dt_sb_release(&bad);
	return n < 0;
}

int dt_keymap_load_json(struct dt_keymap *km, const char *file, const char *text,
			struct dt_sb *err)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *keys, *it;
	int errors = 0;

	if (!root)
		return 0; /* the config loader reports bad JSON */
	keys = cJSON_GetObjectItemCaseSensitive(root, "keys");
	if (keys && !cJSON_IsObject(keys)) {
		dt_sb_addf(err, "%s:%d: \"keys\" must be an object, e.g. {\"keys\": {\"quit\": "
				"\"Q\"}}\n", file, line_of(text, "keys"));
		errors = 1;
	} else if (keys) {
		cJSON_ArrayForEach(it, keys)
			errors += load_one(km, file, text, it, err);
	}
	cJSON_Delete(root);
	return errors;
}

/* Whether some action is listed under context c (its first context). */
static int ctx_listed(int c)
{
	for (int a = 1; a < DT_ACT_COUNT; a++)
		if ((actions[a].ctx & -actions[a].ctx) == ctx_titles[c].ctx)
			return 1;
	return 0;
}

void dt_keymap_help(const struct dt_keymap *km, struct dt_sb *out)
{
	struct dt_sb k = DT_SB_INIT;

	for (int c = 0; c < DT_NR_CTX; c++) {
		if (!ctx_listed(c))
			continue;
		dt_sb_addf(out, "# %s\n", ctx_titles[c].title);
		for (int a = 1; a < DT_ACT_COUNT; a++) {
			/* an action is listed under its first context */
			if ((actions[a].ctx & -actions[a].ctx) != ctx_titles[c].ctx)
				continue;
			dt_sb_reset(&k);
			dt_keymap_keys(km, (enum dt_action)a, &k);
			dt_sb_addf(out, "%s\t%s (%s)\n", k.len ? k.buf : "-", actions[a].help,
				   actions[a].name);
		}
	}
	dt_sb_release(&k);
}

static void roff_escape(struct dt_sb *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			dt_sb_adds(out, "\\e");
		else if (*s == '-')
			dt_sb_adds(out, "\\-");
		else
			dt_sb_addc(out, *s);
	}
}

void dt_keymap_man(struct dt_sb *out)
{
	struct dt_keymap km;
	struct dt_sb k = DT_SB_INIT;

	dt_keymap_init(&km);
	dt_sb_adds(out, ".\\\" Generated from the action table (include/duoterm/ui/action.h);\n"
			".\\\" DT_UPDATE_GOLDEN=1 build/tests/test_ui_action rewrites it.\n"
			".SH KEYS\n"
			"Every key can be rebound in the \\fBkeys\\fR section of \\fIconfig.json\\fR,\n"
			"by the action names below, e.g.\n"
			"\\fB{\"keys\": {\"quit\": \"Q\", \"move\\-down\": [\"j\", \"Down\"]}}\\fR.\n"
			"An empty value unbinds an action.\n"
			"Key names: q, Q, C\\-q (Ctrl), M\\-x (Alt), S\\-Tab (Shift), Enter, Esc, Space,\n"
			"Backspace, Tab, Up, Down, Left, Right, Home, End, PgUp, PgDn, Insert, Delete,\n"
			"F1 to F12.\n");
	for (int c = 0; c < DT_NR_CTX; c++) {
		if (!ctx_listed(c))
			continue;
		dt_sb_adds(out, ".SS ");
		roff_escape(out, ctx_titles[c].title);
		dt_sb_addc(out, '\n');
		for (int a = 1; a < DT_ACT_COUNT; a++) {
			if ((actions[a].ctx & -actions[a].ctx) != ctx_titles[c].ctx)
				continue;
			dt_sb_reset(&k);
			dt_keymap_keys(&km, (enum dt_action)a, &k);
			dt_sb_adds(out, ".TP\n\\fB");
			roff_escape(out, k.len ? k.buf : "(unbound)");
			dt_sb_adds(out, "\\fR  (");
			roff_escape(out, actions[a].name);
			dt_sb_adds(out, ")\n");
			roff_escape(out, actions[a].help);
			dt_sb_adds(out, ".\n");
		}
	}
	dt_sb_release(&k);
	dt_keymap_release(&km);
}

int dt_doc_splice(struct dt_sb *doc, const char *name, const char *text)
{
	struct dt_sb begin = DT_SB_INIT, end = DT_SB_INIT, out = DT_SB_INIT;
	const char *b, *e;
	int rc = -1;

	dt_sb_addf(&begin, ".\\\" %s: begin\n", name);
	dt_sb_addf(&end, ".\\\" %s: end\n", name);
	b = doc->buf ? strstr(doc->buf, begin.buf) : NULL;
	e = b ? strstr(b, end.buf) : NULL;
	if (e) {
		b += begin.len;
		dt_sb_add(&out, doc->buf, (size_t)(b - doc->buf));
		dt_sb_adds(&out, text);
		dt_sb_adds(&out, e);
		dt_sb_release(doc);
		*doc = out;
		rc = 0;
	}
	dt_sb_release(&begin);
	dt_sb_release(&end);
	return rc;
}
