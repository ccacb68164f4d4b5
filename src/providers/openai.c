#include "duoterm/providers/openai.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

/* The host part of a URL, as a pointer and length. */
static const char *url_host(const char *url, size_t *len)
{
	const char *p = strstr(url, "://"), *end;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#:");
	*len = (size_t)(end - p);
	return p;
}

static int host_ends_with(const char *url, const char *suffix)
{
	size_t n, sn = strlen(suffix);
	const char *h = url_host(url, &n);

	return n >= sn && !strncasecmp(h + n - sn, suffix, sn);
}

int dt_openai_is_azure(const char *base)
{
	const char *q;

	if (!base)
		return 0;
	q = strchr(base, '?');
	return host_ends_with(base, ".openai.azure.com") ||
	       host_ends_with(base, ".cognitiveservices.azure.com") ||
	       (q && strstr(q, "api-version="));
}

int dt_openai_is_official(const char *base)
{
	return !base || host_ends_with(base, "api.openai.com") || dt_openai_is_azure(base);
}

char *dt_openai_url(const char *base, const char *path, const char *api_version)
{
	struct dt_sb sb = DT_SB_INIT;
	const char *q;
	size_t n;

	if (!base || !*base)
		base = DT_OPENAI_DEFAULT_BASE;
	q = strchr(base, '?');
	n = q ? (size_t)(q - base) : strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	dt_sb_add(&sb, base, n);
	while (*path == '/')
		path++;
	dt_sb_addf(&sb, "/%s", path);
	if (q && q[1])
		dt_sb_addf(&sb, "?%s", q + 1);
	if (api_version && *api_version && !(q && strstr(q, "api-version=")))
		dt_sb_addf(&sb, "%capi-version=%s", q && q[1] ? '&' : '?', api_version);
	return dt_sb_detach(&sb, NULL);
}

static cJSON *message_json(const struct dt_prov_message *m, struct dt_sb *err)
{
	cJSON *o = cJSON_CreateObject(), *calls;

	switch (m->role) {
	case DT_PROV_USER:
		cJSON_AddStringToObject(o, "role", "user");
		cJSON_AddStringToObject(o, "content", m->text ? m->text : "");
		break;
	case DT_PROV_ASSISTANT:
		cJSON_AddStringToObject(o, "role", "assistant");
		if (m->text && *m->text)
			cJSON_AddStringToObject(o, "content", m->text);
		else
			cJSON_AddNullToObject(o, "content");
		if (!m->n_calls)
			break;
		calls = cJSON_AddArrayToObject(o, "tool_calls");
		for (size_t i = 0; i < m->n_calls; i++) {
			const struct dt_prov_tool_call *c = &m->calls[i];
			cJSON *tc = cJSON_CreateObject(), *fn;

			cJSON_AddStringToObject(tc, "id", c->id ? c->id : "");
			cJSON_AddStringToObject(tc, "type", "function");
			fn = cJSON_AddObjectToObject(tc, "function");
			cJSON_AddStringToObject(fn, "name", c->name ? c->name : "");
			cJSON_AddStringToObject(fn, "arguments",
						c->arguments && *c->arguments ? c->arguments : "{}");
			cJSON_AddItemToArray(calls, tc);
		}
		break;
	case DT_PROV_TOOL:
		if (!m->tool_call_id) {
			dt_sb_adds(err, "a tool result without its call id");
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddStringToObject(o, "role", "tool");
		cJSON_AddStringToObject(o, "tool_call_id", m->tool_call_id);
		cJSON_AddStringToObject(o, "content", m->text ? m->text : "");
		break;
	}
	return o;
}

static int add_tools(cJSON *root, const struct dt_prov_request *req, struct dt_sb *err)
{
	cJSON *tools;

	if (!req->n_tools)
		return 0;
	tools = cJSON_AddArrayToObject(root, "tools");
	for (size_t i = 0; i < req->n_tools; i++) {
		const struct dt_prov_tool *t = &req->tools[i];
		cJSON *o, *fn;

		if (!t->name || !*t->name) {
			dt_sb_adds(err, "a tool without a name");
			return -EINVAL;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "function");
		fn = cJSON_AddObjectToObject(o, "function");
		cJSON_AddStringToObject(fn, "name", t->name);
		if (t->description)
			cJSON_AddStringToObject(fn, "description", t->description);
		cJSON_AddItemToObject(fn, "parameters", dt_prov_tool_schema(t));
		cJSON_AddItemToArray(tools, o);
	}
	return 0;
}

int dt_openai_build_body(const struct dt_prov_request *req, const char *model,
			 const char *instructions, unsigned flags, struct dt_sb *out, struct dt_sb *err)
{
	cJSON *root, *msgs, *so;
	char *system, *text;
	int ret = -EINVAL;

	if (!req->n_messages) {
		dt_sb_adds(err, "a request without messages");
		return -EINVAL;
	}
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "model", model ? model : DT_OPENAI_DEFAULT_MODEL);
	msgs = cJSON_AddArrayToObject(root, "messages");
	system = dt_prov_system_prompt(instructions, req->system);
	if (system) {
		cJSON *m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "role", "system");
		cJSON_AddStringToObject(m, "content", system);
		cJSON_AddItemToArray(msgs, m);
		free(system);
	}
	for (size_t i = 0; i < req->n_messages; i++) {
		cJSON *m = message_json(&req->messages[i], err);

		if (!m)
			goto done;
		cJSON_AddItemToArray(msgs, m);
	}
	if (add_tools(root, req, err))
		goto done;
	cJSON_AddNumberToObject(root,
				flags & DT_OPENAI_MAX_COMPLETION_TOKENS ? "max_completion_tokens"
									 : "max_tokens",
				req->max_tokens ? req->max_tokens : 8192);
	cJSON_AddTrueToObject(root, "stream");
	so = cJSON_AddObjectToObject(root, "stream_options");
	cJSON_AddTrueToObject(so, "include_usage");
	text = cJSON_PrintUnformatted(root);
	if (!text)
		dt_die_oom();
	dt_sb_adds(out, text);
	free(text);
	ret = 0;
done:
	cJSON_Delete(root);
	return ret;
}
