/*
 * The MCP servers' tools as agent tools (tools.h): "<server>__<tool>"
 * calls go to the server (mcp/set.h), the answer becomes the tool result
 * (isError, a JSON-RPC error, a timeout or a dead server are tool errors
 * the model reads).  Approval is the policy's (policy.c: every MCP tool is
 * asked for unless allowed by name).
 */
#include "tools_int.h"

#include <stdlib.h>
#include <string.h>

#include "duoterm/core/loop.h"
#include "duoterm/mcp/set.h"

struct dt_mcp_job {
	struct dt_mcp_job *next;
	struct dt_tools *t;
	struct dt_mcp_server *server;
	char *id;
	uint64_t handle, start_ms;
	int in_call, done;
	dt_tool_done_cb cb;
	void *ud;
};

static void unlink_job(struct dt_mcp_job *j)
{
	for (struct dt_mcp_job **p = &j->t->mcp_jobs; *p; p = &(*p)->next) {
		if (*p == j) {
			*p = j->next;
			return;
		}
	}
}

static void free_job(struct dt_mcp_job *j)
{
	unlink_job(j);
	free(j->id);
	free(j);
}

static void on_answer(const char *text, int is_error, void *ud)
{
	struct dt_mcp_job *j = ud;
	struct dt_tool_result r = {j->id, text, is_error, NULL, (long)(dt_now_ms() - j->start_ms)};

	j->done = 1;
	j->cb(&r, j->ud);
	if (!j->in_call)
		free_job(j);
}

int dt_tools_mcp(const struct dt_tool_call *c, const char *name)
{
	struct dt_sb tool = DT_SB_INIT;
	struct dt_mcp_server *s = dt_mcp_set_find(c->t->o.mcp, name, &tool);
	struct dt_mcp_job *j;

	if (!s) {
		dt_sb_release(&tool);
		return -1;
	}
	j = dt_xcalloc(1, sizeof(*j));
	*j = (struct dt_mcp_job){.next = c->t->mcp_jobs, .t = c->t, .server = s,
				 .id = dt_xstrdup(c->id), .start_ms = dt_now_ms(), .in_call = 1,
				 .cb = c->done, .ud = c->ud};
	c->t->mcp_jobs = j;
	j->handle = dt_mcp_server_call(s, tool.buf, c->args, 0, on_answer, j);
	j->in_call = 0;
	if (j->done)
		free_job(j);
	dt_sb_release(&tool);
	return 0;
}

int dt_tools_mcp_cancel(struct dt_tools *t, const char *call_id)
{
	for (struct dt_mcp_job *j = t->mcp_jobs; j; j = j->next) {
		if (strcmp(j->id, call_id))
			continue;
		dt_mcp_server_cancel(j->server, j->handle);
		free_job(j);
		return 0;
	}
	return -1;
}

void dt_tools_mcp_cancel_all(struct dt_tools *t)
{
	while (t->mcp_jobs)
		dt_tools_mcp_cancel(t, t->mcp_jobs->id);
}

struct dt_prov_tool *dt_tools_schema_mcp(struct dt_mcp_set *set, size_t *n)
{
	size_t nb, nm;
	const struct dt_prov_tool *builtin = dt_tools_schema(&nb);
	const struct dt_mcp_entry *e = dt_mcp_set_entries(set, &nm);
	struct dt_prov_tool *all = dt_xcalloc(nb + nm + 1, sizeof(*all));

	/* copies: a server's tool list may change under the engine's feet */
	for (size_t i = 0; i < nb; i++)
		all[i] = (struct dt_prov_tool){dt_xstrdup(builtin[i].name),
					       dt_xstrdup(builtin[i].description),
					       builtin[i].parameters ?
						       cJSON_Duplicate(builtin[i].parameters, 1) : NULL};
	for (size_t i = 0; i < nm; i++) {
		struct dt_sb d = DT_SB_INIT;

		dt_sb_addf(&d, "%s (MCP server %s)", e[i].tool->description,
			   dt_mcp_server_name(e[i].server));
		all[nb + i] = (struct dt_prov_tool){dt_xstrdup(e[i].name), dt_sb_detach(&d, NULL),
						    cJSON_Duplicate(e[i].tool->schema, 1)};
	}
	*n = nb + nm;
	return all;
}

cJSON *dt_tools_mcp_dap(struct dt_mcp_set *set)
{
	size_t n;
	const struct dt_mcp_entry *e = dt_mcp_set_entries(set, &n);
	cJSON *arr;

	if (!n)
		return NULL;
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		char *schema = cJSON_PrintUnformatted(e[i].tool->schema);

		cJSON_AddStringToObject(o, "name", e[i].name);
		cJSON_AddStringToObject(o, "description", e[i].tool->description);
		cJSON_AddStringToObject(o, "inputSchema", schema ? schema : "{}");
		free(schema);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

void dt_tools_schema_free(struct dt_prov_tool *tools, size_t n)
{
	for (size_t i = 0; tools && i < n; i++) {
		free((char *)tools[i].name);
		free((char *)tools[i].description);
		cJSON_Delete((cJSON *)tools[i].parameters);
	}
	free(tools);
}
