#include "duoterm/providers/anthropic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duoterm/providers/stream.h"

char *dt_anthropic_url(const char *base, const char *path)
{
	struct dt_sb sb = DT_SB_INIT;
	size_t n;

	if (!base || !*base)
		base = DT_ANTHROPIC_DEFAULT_BASE;
	n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	dt_sb_add(&sb, base, n);
	if (!(n >= 3 && !memcmp(base + n - 3, "/v1", 3)))
		dt_sb_adds(&sb, "/v1");
	while (*path == '/')
		path++;
	dt_sb_addf(&sb, "/%s", path);
	return dt_sb_detach(&sb, NULL);
}

static void add_text_block(cJSON *content, const char *text)
{
	cJSON *b;

	if (!text || !*text)
		return; /* the API refuses empty text blocks */
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "text");
	cJSON_AddStringToObject(b, "text", text);
	cJSON_AddItemToArray(content, b);
}

static cJSON *tool_input(const char *arguments)
{
	struct dt_sb err = DT_SB_INIT;
	cJSON *in = arguments ? dt_prov_parse_args(arguments, strlen(arguments), &err) : NULL;

	dt_sb_release(&err);
	return in ? in : cJSON_CreateObject();
}

static void add_tool_use(cJSON *content, const struct dt_prov_tool_call *c)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "type", "tool_use");
	cJSON_AddStringToObject(b, "id", c->id ? c->id : "");
	cJSON_AddStringToObject(b, "name", c->name ? c->name : "");
	cJSON_AddItemToObject(b, "input", tool_input(c->arguments));
	cJSON_AddItemToArray(content, b);
}

static void add_tool_result(cJSON *content, const struct dt_prov_message *m)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "type", "tool_result");
	cJSON_AddStringToObject(b, "tool_use_id", m->tool_call_id);
	cJSON_AddStringToObject(b, "content", m->text ? m->text : "");
	if (m->is_error)
		cJSON_AddTrueToObject(b, "is_error");
	cJSON_AddItemToArray(content, b);
}

/* The message to add blocks of `role` to: the last one when it has that
 * role already (turns must alternate), else a new one. */
static cJSON *turn(cJSON *msgs, const char *role)
{
	cJSON *last = cJSON_GetArrayItem(msgs, cJSON_GetArraySize(msgs) - 1), *m;
	const char *r = dt_prov_json_str(last, "role");

	if (r && !strcmp(r, role))
		return cJSON_GetObjectItemCaseSensitive(last, "content");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", role);
	cJSON_AddItemToArray(msgs, m);
	return cJSON_AddArrayToObject(m, "content");
}

static int add_messages(cJSON *msgs, const struct dt_prov_request *req, struct dt_sb *err)
{
	for (size_t i = 0; i < req->n_messages; i++) {
		const struct dt_prov_message *m = &req->messages[i];
		cJSON *content;

		switch (m->role) {
		case DT_PROV_USER:
			if (!m->text || !*m->text)
				break;
			add_text_block(turn(msgs, "user"), m->text);
			break;
		case DT_PROV_ASSISTANT:
			if ((!m->text || !*m->text) && !m->n_calls)
				break;
			content = turn(msgs, "assistant");
			add_text_block(content, m->text);
			for (size_t k = 0; k < m->n_calls; k++)
				add_tool_use(content, &m->calls[k]);
			break;
		case DT_PROV_TOOL:
			if (!m->tool_call_id) {
				dt_sb_adds(err, "a tool result without its call id");
				return -EINVAL;
			}
			add_tool_result(turn(msgs, "user"), m);
			break;
		}
	}
	if (!cJSON_GetArraySize(msgs)) {
		dt_sb_adds(err, "a request without messages");
		return -EINVAL;
	}
	return 0;
}

static int add_tools(cJSON *root, const struct dt_prov_request *req, struct dt_sb *err)
{
	cJSON *tools;

	if (!req->n_tools)
		return 0;
	tools = cJSON_AddArrayToObject(root, "tools");
	for (size_t i = 0; i < req->n_tools; i++) {
		const struct dt_prov_tool *t = &req->tools[i];
		cJSON *o;

		if (!t->name || !*t->name) {
			dt_sb_adds(err, "a tool without a name");
			return -EINVAL;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", t->name);
		if (t->description)
			cJSON_AddStringToObject(o, "description", t->description);
		cJSON_AddItemToObject(o, "input_schema", dt_prov_tool_schema(t));
		cJSON_AddItemToArray(tools, o);
	}
	return 0;
}

int dt_anthropic_build_body(const struct dt_prov_request *req, const char *model,
			    const char *instructions, struct dt_sb *out, struct dt_sb *err)
{
	cJSON *root = cJSON_CreateObject();
	char *system, *text;
	int ret = -EINVAL;

	cJSON_AddStringToObject(root, "model", model ? model : DT_ANTHROPIC_DEFAULT_MODEL);
	cJSON_AddNumberToObject(root, "max_tokens", req->max_tokens ? req->max_tokens : 8192);
	system = dt_prov_system_prompt(instructions, req->system);
	if (system)
		cJSON_AddStringToObject(root, "system", system);
	free(system);
	if (add_messages(cJSON_AddArrayToObject(root, "messages"), req, err) ||
	    add_tools(root, req, err))
		goto done;
	cJSON_AddTrueToObject(root, "stream");
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
