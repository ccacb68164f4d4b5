/*
 * Fuzz target for the MCP codec (mcp/jsonrpc.h): what a server writes on
 * its stdout (one JSON-RPC message), the results read from it
 * (initialize, tools/list, tools/call), and an mcp.json configuration.
 * Whatever the bytes, nothing crashes or leaks, a parsed message has the
 * fields its kind promises, a tool result always gives some text, and a
 * parsed server configuration is usable (stdio: a command; http: a URL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/mcp/jsonrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void results(const cJSON *result)
{
	struct dt_sb sb = DT_SB_INIT, name = DT_SB_INIT;
	struct dt_mcp_tool *tools = NULL;
	size_t n = 0;
	char *cursor = NULL;
	int rc;

	rc = dt_mcp_result_text(result, &sb);
	if (rc < -1 || rc > 1 || !sb.len)
		abort();
	dt_sb_reset(&sb);
	if (dt_mcp_check_initialize(result, &name, &sb) && !sb.len)
		abort();
	dt_sb_reset(&sb);
	if (!dt_mcp_parse_tools(result, &tools, &n, &cursor, &sb)) {
		for (size_t i = 0; i < n; i++) {
			if (!tools[i].name || !*tools[i].name || !tools[i].description ||
			    !cJSON_IsObject(tools[i].schema))
				abort();
			dt_sb_reset(&name);
			dt_mcp_qualified_name(&name, "srv", tools[i].name);
			if (name.len > 64)
				abort();
		}
	} else if (!sb.len) {
		abort();
	}
	dt_mcp_tools_free(tools, n);
	free(cursor);
	dt_sb_release(&sb);
	dt_sb_release(&name);
}

static void config(const char *text)
{
	struct dt_mcp_config c = {0};
	struct dt_sb err = DT_SB_INIT;

	if (!dt_mcp_config_parse(&c, text, "fuzz", &err)) {
		for (size_t i = 0; i < c.n; i++) {
			const struct dt_mcp_server_conf *s = &c.servers[i];

			if (!s->name || (s->type == DT_MCP_STDIO && (!s->argv || !s->argv[0])) ||
			    (s->type != DT_MCP_STDIO && !s->url))
				abort();
		}
	} else if (!err.len) {
		abort();
	}
	dt_mcp_config_release(&c);
	dt_sb_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_rpc_msg m;
	struct dt_sb err = DT_SB_INIT, out = DT_SB_INIT;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!dt_rpc_parse((const char *)data, size, &m, &err)) {
		switch (m.kind) {
		case DT_RPC_NOTIFICATION:
			if (!m.method)
				abort();
			break;
		case DT_RPC_REQUEST:
			if (!m.method || !m.id_json)
				abort();
			dt_rpc_answer(&out, m.id_json, NULL, -32601, "Method not found");
			break;
		case DT_RPC_RESULT:
			if (!m.result)
				abort();
			results(m.result);
			break;
		case DT_RPC_ERROR:
			if (!m.message)
				abort();
			break;
		}
		dt_rpc_release(&m);
	} else if (!err.len) {
		abort();
	}
	config(text);
	free(text);
	dt_sb_release(&err);
	dt_sb_release(&out);
	return 0;
}
