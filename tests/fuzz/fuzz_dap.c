/*
 * Fuzz target for the Duo Agent Platform codec's parsers of server
 * messages (agent/dap.h): an Action, the checkpoint text it carries, and
 * the mapping of an action to a local tool.  Whatever the bytes, parsing
 * never crashes or leaks, a parsed action is always answerable (it has a
 * requestID string), and a tool mapping either yields an object of
 * arguments or an error message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/agent/dap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void checkpoint(const char *text)
{
	struct dt_dap_checkpoint c;
	struct dt_sb err = DT_SB_INIT;

	if (!dt_dap_parse_checkpoint(text, &c, &err)) {
		for (size_t i = 0; i < c.n_chat; i++) {
			if (!c.chat[i].message_id || !c.chat[i].content || !c.chat[i].status)
				abort();
			(void)dt_dap_tool_status(c.chat[i].status);
		}
		dt_dap_checkpoint_release(&c);
	} else if (!err.len) {
		abort();
	}
	dt_sb_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_dap_action a;
	struct dt_sb err = DT_SB_INIT;
	const char *tool;
	cJSON *args;
	char *copy;

	if (dt_dap_parse_action((const char *)data, size, &a, &err) == 0) {
		if (!a.request_id || !a.name)
			abort();
		if (a.kind == DT_DAP_CHECKPOINT && a.checkpoint)
			checkpoint(a.checkpoint);
		dt_sb_reset(&err);
		if (dt_dap_to_tool(&a, &tool, &args, &err) == 0) {
			if (!tool || !cJSON_IsObject(args))
				abort();
		} else if (args || !err.len) {
			abort();
		}
		cJSON_Delete(args);
		free(dt_dap_action_response(a.request_id, a.status_text, a.errors));
		dt_dap_action_release(&a);
	}
	dt_sb_release(&err);
	/* the bytes as a checkpoint's text too */
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	checkpoint(copy);
	free(copy);
	return 0;
}
