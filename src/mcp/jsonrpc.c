/*
 * The MCP wire codec (mcp/jsonrpc.h).  Lenient where servers differ
 * (field order, extra fields, a missing "jsonrpc" on answers), strict
 * where a mistake would mismatch an answer (ids we never sent are -1).
 */
#include "duoterm/mcp/jsonrpc.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DUOTERM_VERSION
#define DUOTERM_VERSION "0.0.0"
#endif

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What the SDK of 2026 accepts, newest first; 2024-10-07 was a draft. */
static const char *const versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

int dt_mcp_version_ok(const char *v)
{
	for (size_t i = 0; v && i < N_ELEM(versions); i++)
		if (!strcmp(v, versions[i]))
			return 1;
	return 0;
}

/* ---- messages ------------------------------------------------------------------ */

static long long id_of(const cJSON *id)
{
	if (cJSON_IsNumber(id) && id->valuedouble >= 0 && id->valuedouble < 9e15 &&
	    floor(id->valuedouble) == id->valuedouble)
		return (long long)id->valuedouble;
	return -1;
}

int dt_rpc_parse(const char *data, size_t len, struct dt_rpc_msg *m, struct dt_sb *err)
{
	const cJSON *v, *id, *e;

	*m = (struct dt_rpc_msg){.id = -1, .message = ""};
	m->root = cJSON_ParseWithLength(data, len);
	if (!m->root) {
		dt_sb_adds(err, "not JSON");
		return -1;
	}
	if (cJSON_IsArray(m->root)) {
		dt_sb_adds(err, "a JSON-RPC batch (MCP servers do not send them)");
		goto fail;
	}
	if (!cJSON_IsObject(m->root)) {
		dt_sb_adds(err, "not a JSON object");
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(m->root, "jsonrpc");
	if (v && (!cJSON_IsString(v) || strcmp(v->valuestring, "2.0"))) {
		dt_sb_adds(err, "not JSON-RPC 2.0");
		goto fail;
	}
	id = cJSON_GetObjectItemCaseSensitive(m->root, "id");
	if (id && cJSON_IsNull(id))
		id = NULL;
	m->id = id_of(id);
	m->id_json = id;
	m->method = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m->root, "method"));
	if (m->method) {
		m->kind = id ? DT_RPC_REQUEST : DT_RPC_NOTIFICATION;
		return 0;
	}
	e = cJSON_GetObjectItemCaseSensitive(m->root, "error");
	if (cJSON_IsObject(e)) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
		const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "message"));

		m->kind = DT_RPC_ERROR;
		m->code = cJSON_IsNumber(code) ? code->valueint : 0;
		m->message = msg ? msg : "";
		return 0;
	}
	m->result = cJSON_GetObjectItemCaseSensitive(m->root, "result");
	if (!m->result || !id) {
		dt_sb_adds(err, "neither a request, a notification nor an answer");
		goto fail;
	}
	m->kind = DT_RPC_RESULT;
	return 0;
fail:
	cJSON_Delete(m->root);
	m->root = NULL;
	return -1;
}

void dt_rpc_release(struct dt_rpc_msg *m)
{
	cJSON_Delete(m->root);
	m->root = NULL;
}

static void print_line(struct dt_sb *out, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (!s)
		dt_die_oom();
	dt_sb_adds(out, s);
	dt_sb_addc(out, '\n');
	free(s);
	cJSON_Delete(o);
}

static cJSON *envelope(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "jsonrpc", "2.0");
	return o;
}

void dt_rpc_request(struct dt_sb *out, long long id, const char *method, cJSON *params)
{
	cJSON *o = envelope();

	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "method", method);
	if (params)
		cJSON_AddItemToObject(o, "params", params);
	print_line(out, o);
}

void dt_rpc_notify(struct dt_sb *out, const char *method, cJSON *params)
{
	cJSON *o = envelope();

	cJSON_AddStringToObject(o, "method", method);
	if (params)
		cJSON_AddItemToObject(o, "params", params);
	print_line(out, o);
}

void dt_rpc_answer(struct dt_sb *out, const cJSON *id, cJSON *result, int code,
		   const char *message)
{
	cJSON *o = envelope(), *e;

	cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
	if (result) {
		cJSON_AddItemToObject(o, "result", result);
	} else {
		e = cJSON_AddObjectToObject(o, "error");
		cJSON_AddNumberToObject(e, "code", code);
		cJSON_AddStringToObject(e, "message", message ? message : "");
	}
	print_line(out, o);
}

/* ---- initialize ------------------------------------------------------------------- */

cJSON *dt_mcp_initialize_params(void)
{
	cJSON *p = cJSON_CreateObject(), *info;

	cJSON_AddStringToObject(p, "protocolVersion", DT_MCP_PROTOCOL);
	cJSON_AddObjectToObject(p, "capabilities");
	info = cJSON_AddObjectToObject(p, "clientInfo");
	cJSON_AddStringToObject(info, "name", "duoterm");
	cJSON_AddStringToObject(info, "version", DUOTERM_VERSION);
	return p;
}

int dt_mcp_check_initialize(const cJSON *result, struct dt_sb *name, struct dt_sb *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(result, "protocolVersion");
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(result, "serverInfo");
	const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(info, "name"));

	if (!cJSON_IsObject(result) || !cJSON_IsString(v)) {
		dt_sb_adds(err, "the initialize answer has no protocolVersion");
		return -1;
	}
	if (!dt_mcp_version_ok(v->valuestring)) {
		dt_sb_adds(err, "the server speaks MCP version ");
		dt_sb_add(err, v->valuestring, strnlen(v->valuestring, 40));
		dt_sb_adds(err, "; duoterm speaks 2024-11-05 to 2025-11-25");
		return -1;
	}
	if (n)
		dt_sb_add(name, n, strnlen(n, 200));
	return 0;
}

/* ---- tools ------------------------------------------------------------------------- */

int dt_mcp_parse_tools(const cJSON *result, struct dt_mcp_tool **tools, size_t *n,
		       char **cursor, struct dt_sb *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(result, "tools"), *t;
	const char *next = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(result, "nextCursor"));

	*cursor = NULL;
	if (!cJSON_IsArray(arr)) {
		dt_sb_adds(err, "the tools/list answer has no tools array");
		return -1;
	}
	cJSON_ArrayForEach(t, arr) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name"));
		const char *desc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "description"));
		const cJSON *schema = cJSON_GetObjectItemCaseSensitive(t, "inputSchema");
		struct dt_mcp_tool *nt;

		if (!name || !*name)
			continue;
		*tools = dt_xrealloc(*tools, (*n + 1) * sizeof(**tools));
		nt = &(*tools)[(*n)++];
		nt->name = dt_xstrdup(name);
		nt->description = dt_xstrdup(desc ? desc : "");
		if (cJSON_IsObject(schema)) {
			nt->schema = cJSON_Duplicate(schema, 1);
		} else {
			nt->schema = cJSON_CreateObject();
			cJSON_AddStringToObject(nt->schema, "type", "object");
		}
		if (!nt->schema)
			dt_die_oom();
	}
	if (next && *next)
		*cursor = dt_xstrdup(next);
	return 0;
}

void dt_mcp_tools_free(struct dt_mcp_tool *tools, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tools[i].name);
		free(tools[i].description);
		cJSON_Delete(tools[i].schema);
	}
	free(tools);
}

static void summarise(struct dt_sb *out, const char *type, const cJSON *c)
{
	const char *mime = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "mimeType"));
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(c, "resource");
	const char *uri = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "uri"));
	const char *data = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "data"));
	const char *text;

	if (!strcmp(type, "image") || !strcmp(type, "audio")) {
		dt_sb_addf(out, "[%s %s, %zu bytes of base64 not shown]", type,
			   mime ? mime : "of unknown type", data ? strlen(data) : 0);
	} else if (!strcmp(type, "resource") && cJSON_IsObject(res)) {
		uri = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "uri"));
		text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "text"));
		dt_sb_addf(out, "[resource %s]", uri ? uri : "(no uri)");
		if (text) {
			dt_sb_addc(out, '\n');
			dt_sb_adds(out, text);
		}
	} else if (!strcmp(type, "resource_link")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));

		dt_sb_addf(out, "[resource link %s%s%s]", uri ? uri : "(no uri)",
			   name ? " " : "", name ? name : "");
	} else {
		dt_sb_addf(out, "[%s content not shown]", type);
	}
}

int dt_mcp_result_text(const cJSON *result, struct dt_sb *out)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(result, "content"), *c;
	const cJSON *structured = cJSON_GetObjectItemCaseSensitive(result, "structuredContent");
	int is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "isError"));
	size_t start = out->len;

	if (!cJSON_IsObject(result) || (content && !cJSON_IsArray(content))) {
		dt_sb_adds(out, "the server's answer is not a tool result");
		return -1;
	}
	cJSON_ArrayForEach(c, content) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "type"));
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "text"));

		if (!type)
			continue;
		if (!strcmp(type, "text") && text) {
			if (out->len > start)
				dt_sb_addc(out, '\n');
			dt_sb_adds(out, text);
		} else {
			struct dt_sb part = DT_SB_INIT;

			summarise(&part, type, c);
			if (out->len > start)
				dt_sb_addc(out, '\n');
			dt_sb_add(out, part.buf, part.len);
			dt_sb_release(&part);
		}
	}
	if (out->len == start && structured) {
		char *s = cJSON_PrintUnformatted(structured);

		dt_sb_adds(out, s ? s : "");
		free(s);
	}
	if (out->len == start)
		dt_sb_adds(out, is_error ? "(the tool failed without a message)" : "(no content)");
	return is_error;
}

/* ---- configuration ------------------------------------------------------------------ */

static void free_list(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

static void conf_release(struct dt_mcp_server_conf *s)
{
	free(s->name);
	free_list(s->argv);
	free_list(s->env);
	free(s->cwd);
	free(s->url);
	free_list(s->headers);
	free(s->origin);
	memset(s, 0, sizeof(*s));
}

void dt_mcp_config_release(struct dt_mcp_config *c)
{
	for (size_t i = 0; i < c->n; i++)
		conf_release(&c->servers[i]);
	free(c->servers);
	c->servers = NULL;
	c->n = 0;
}

static int string_array(const cJSON *a, char ***out, size_t first)
{
	const cJSON *w;
	size_t n = first;

	if (a && !cJSON_IsArray(a))
		return -1;
	*out = dt_xrealloc(*out, (first + (size_t)cJSON_GetArraySize(a) + 1) * sizeof(char *));
	cJSON_ArrayForEach(w, a) {
		if (!cJSON_IsString(w)) {
			(*out)[n] = NULL;
			return -1;
		}
		(*out)[n++] = dt_xstrdup(w->valuestring);
	}
	(*out)[n] = NULL;
	return 0;
}

/* {"K": "v"} as "K<joiner>v" strings. */
static int pairs(const cJSON *o, char ***out, const char *joiner)
{
	const cJSON *kv;
	size_t n = 0;

	if (!o)
		return 0;
	if (!cJSON_IsObject(o))
		return -1;
	*out = dt_xcalloc((size_t)cJSON_GetArraySize(o) + 1, sizeof(char *));
	cJSON_ArrayForEach(kv, o) {
		struct dt_sb sb = DT_SB_INIT;

		if (!cJSON_IsString(kv) || !*kv->string || strchr(kv->string, '=') ||
		    strpbrk(kv->string, "\r\n:") != NULL)
			return -1;
		dt_sb_addf(&sb, "%s%s%s", kv->string, joiner, kv->valuestring);
		(*out)[n++] = dt_sb_detach(&sb, NULL);
	}
	return 0;
}

static int server_conf(const cJSON *o, struct dt_mcp_server_conf *s, struct dt_sb *why)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "type"));
	const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "command"));
	const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "url"));
	const char *cwd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "cwd"));

	if (!cJSON_IsObject(o)) {
		dt_sb_adds(why, "not an object");
		return -1;
	}
	s->disabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "disabled"));
	/* GitLab's format names the type; without it, command means stdio */
	if (!type)
		type = cmd ? "stdio" : url ? "http" : "";
	if (!strcmp(type, "stdio")) {
		s->type = DT_MCP_STDIO;
		if (!cmd || !*cmd) {
			dt_sb_adds(why, "a stdio server needs \"command\"");
			return -1;
		}
		s->argv = dt_xcalloc(2, sizeof(char *));
		s->argv[0] = dt_xstrdup(cmd);
		if (string_array(cJSON_GetObjectItemCaseSensitive(o, "args"), &s->argv, 1)) {
			dt_sb_adds(why, "\"args\" must be an array of strings");
			return -1;
		}
		if (pairs(cJSON_GetObjectItemCaseSensitive(o, "env"), &s->env, "=")) {
			dt_sb_adds(why, "\"env\" must map names to strings");
			return -1;
		}
		s->cwd = cwd ? dt_xstrdup(cwd) : NULL;
		return 0;
	}
	if (!strcmp(type, "http") || !strcmp(type, "streamable-http") || !strcmp(type, "sse")) {
		s->type = !strcmp(type, "sse") ? DT_MCP_SSE : DT_MCP_HTTP;
		if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))) {
			dt_sb_adds(why, "an HTTP server needs an http:// or https:// \"url\"");
			return -1;
		}
		s->url = dt_xstrdup(url);
		if (pairs(cJSON_GetObjectItemCaseSensitive(o, "headers"), &s->headers, ": ")) {
			dt_sb_adds(why, "\"headers\" must map names to strings");
			return -1;
		}
		return 0;
	}
	dt_sb_adds(why, "unknown \"type\" (stdio, http or sse)");
	return -1;
}

int dt_mcp_config_parse(struct dt_mcp_config *c, const char *text, const char *origin,
			struct dt_sb *err)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *servers = cJSON_GetObjectItemCaseSensitive(root, "mcpServers"), *o;

	if (!cJSON_IsObject(root)) {
		dt_sb_addf(err, "%s: not a JSON object", origin);
		cJSON_Delete(root);
		return -1;
	}
	if (servers && !cJSON_IsObject(servers)) {
		dt_sb_addf(err, "%s: \"mcpServers\" must be an object", origin);
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(o, servers) {
		struct dt_mcp_server_conf s = {0};
		struct dt_sb why = DT_SB_INIT;
		size_t i;

		if (!*o->string || strlen(o->string) > 40) {
			dt_sb_addf(err, "%s%s: a server name must have 1 to 40 characters",
				   err->len ? "; " : "", origin);
			continue;
		}
		if (server_conf(o, &s, &why)) {
			dt_sb_addf(err, "%s%s: server %s: %s", err->len ? "; " : "", origin,
				   o->string, why.buf);
			dt_sb_release(&why);
			conf_release(&s);
			continue;
		}
		dt_sb_release(&why);
		s.name = dt_xstrdup(o->string);
		s.origin = dt_xstrdup(origin);
		for (i = 0; i < c->n && strcmp(c->servers[i].name, s.name); i++)
			;
		if (i < c->n) {
			conf_release(&c->servers[i]);
		} else {
			c->servers = dt_xrealloc(c->servers, (c->n + 1) * sizeof(*c->servers));
			c->n++;
		}
		c->servers[i] = s;
	}
	cJSON_Delete(root);
	return 0;
}

static int load_file(struct dt_mcp_config *c, const char *path, struct dt_sb *err)
{
	struct dt_sb text = DT_SB_INIT;
	FILE *f = fopen(path, "re");
	char buf[4096];
	size_t n;
	int rc;

	if (!f)
		return 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && text.len < 1 << 20)
		dt_sb_add(&text, buf, n);
	fclose(f);
	rc = dt_mcp_config_parse(c, text.len ? text.buf : "", path, err);
	dt_sb_release(&text);
	return rc;
}

int dt_mcp_config_load(struct dt_mcp_config *c, const char *workdir, struct dt_sb *err)
{
	const char *home = getenv("HOME");
	struct dt_sb user = DT_SB_INIT, work = DT_SB_INIT;
	char a[PATH_MAX], b[PATH_MAX];
	int rc = 0;

	if (home && *home) {
		dt_sb_addf(&user, "%s/.gitlab/duo/mcp.json", home);
		rc |= load_file(c, user.buf, err);
	}
	if (workdir) {
		size_t n = strlen(workdir);

		while (n > 1 && workdir[n - 1] == '/')
			n--;
		dt_sb_addf(&work, "%.*s/.gitlab/duo/mcp.json", (int)n, workdir);
		/* the work tree may be $HOME: one file, read once */
		if (!user.len || !realpath(user.buf, a) || !realpath(work.buf, b) || strcmp(a, b))
			rc |= load_file(c, work.buf, err);
	}
	dt_sb_release(&user);
	dt_sb_release(&work);
	return rc;
}

void dt_mcp_qualified_name(struct dt_sb *out, const char *server, const char *tool)
{
	size_t start = out->len;

	dt_sb_addf(out, "%s__%s", server, tool);
	for (size_t i = start; i < out->len; i++) {
		char ch = out->buf[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-'))
			out->buf[i] = '_';
	}
	if (out->len - start > 64)
		dt_sb_truncate(out, start + 64);
}
