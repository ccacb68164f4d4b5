/* The Duo Agent Platform codec (agent/dap.h): server actions, checkpoints,
 * the action -> tool mapping and the client messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "duoterm/agent/dap.h"
#include "duoterm/agent/remote.h"

static void parse(const char *text, struct dt_dap_action *a)
{
	struct dt_sb err = DT_SB_INIT;

	assert_int_equal(dt_dap_parse_action(text, strlen(text), a, &err), 0);
	dt_sb_release(&err);
}

/* tool name + args as compact JSON, or the error */
static char *map(const char *text, const char **tool)
{
	static char name[64]; /* runMCPTool's tool lives in the action */
	struct dt_dap_action a;
	struct dt_sb err = DT_SB_INIT;
	cJSON *args;
	char *out;

	parse(text, &a);
	if (dt_dap_to_tool(&a, tool, &args, &err)) {
		*tool = NULL;
		out = dt_sb_detach(&err, NULL);
	} else {
		out = cJSON_PrintUnformatted(args);
		snprintf(name, sizeof(name), "%s", *tool);
		*tool = name;
	}
	cJSON_Delete(args);
	dt_dap_action_release(&a);
	dt_sb_release(&err);
	return out;
}

#define MAPS(text, want_tool, want_args) do { \
	const char *t_; char *o_ = map(text, &t_); \
	assert_non_null(t_); assert_string_equal(t_, want_tool); assert_string_equal(o_, want_args); \
	free(o_); } while (0)
#define FAILS(text, want_sub) do { \
	const char *t_; char *o_ = map(text, &t_); \
	assert_null(t_); assert_non_null(strstr(o_, want_sub)); free(o_); } while (0)

static void test_actions_map_to_tools(void **state)
{
	(void)state;
	MAPS("{\"requestID\":\"1\",\"runReadFile\":{\"filepath\":\"a.c\",\"offset\":3,\"limit\":\"2\"}}",
	     "read_file", "{\"file_path\":\"a.c\",\"offset\":3,\"limit\":2}");
	/* defaults emitted by protojson (EmitUnpopulated) are absent values */
	MAPS("{\"requestID\":\"1\",\"runReadFile\":{\"filepath\":\"a.c\",\"offset\":0,\"limit\":0}}",
	     "read_file", "{\"file_path\":\"a.c\"}");
	MAPS("{\"requestID\":\"1\",\"runReadFiles\":{\"filepaths\":[\"a\",\"b\"]}}", "read_files",
	     "{\"file_paths\":[\"a\",\"b\"]}");
	MAPS("{\"requestID\":\"1\",\"runWriteFile\":{\"filepath\":\"n\",\"contents\":\"x\\n\"}}",
	     "write_file", "{\"file_path\":\"n\",\"contents\":\"x\\n\"}");
	MAPS("{\"requestID\":\"1\",\"runEditFile\":{\"filepath\":\"n\",\"oldString\":\"a\",\"newString\":\"\"}}",
	     "edit_file", "{\"file_path\":\"n\",\"old_str\":\"a\",\"new_str\":\"\"}");
	MAPS("{\"requestID\":\"1\",\"listDirectory\":{\"directory\":\"\"}}", "list_dir",
	     "{\"directory\":\".\"}");
	MAPS("{\"requestID\":\"1\",\"findFiles\":{\"name_pattern\":\"*.c\"}}", "find_files",
	     "{\"name_pattern\":\"*.c\"}");
	MAPS("{\"requestID\":\"1\",\"grep\":{\"search_directory\":\"src\",\"pattern\":\"x\",\"case_insensitive\":true}}",
	     "grep", "{\"pattern\":\"x\",\"search_directory\":\"src\",\"case_insensitive\":true}");
	MAPS("{\"requestID\":\"1\",\"mkdir\":{\"directory_path\":\"d/e\"}}", "mkdir",
	     "{\"directory_path\":\"d/e\"}");
	MAPS("{\"requestID\":\"1\",\"runShellCommand\":{\"command\":\"make test\",\"timeout\":30}}",
	     "run_command", "{\"timeout\":30,\"command\":\"make test\"}");
	MAPS("{\"requestID\":\"1\",\"runCommand\":{\"program\":\"ls\",\"arguments\":[\"-l\"],\"flags\":[]}}",
	     "run_command", "{\"program\":\"ls\",\"flags\":[],\"arguments\":[\"-l\"]}");
	MAPS("{\"requestID\":\"1\",\"runCommand\":{\"program\":\"git\",\"flags\":[\"--no-pager\"],\"arguments\":[\"log\",\"-1\"]}}",
	     "git", "{\"command\":\"log\",\"args\":[\"--no-pager\",\"-1\"]}");
	MAPS("{\"requestID\":\"1\",\"runGitCommand\":{\"command\":\"status\",\"arguments\":\"--short\",\"repository_url\":\"\"}}",
	     "git", "{\"command\":\"status\",\"args\":\"--short\"}");
	MAPS("{\"requestID\":\"1\",\"runMCPTool\":{\"name\":\"jira__get\",\"args\":\"{\\\"id\\\":3}\"}}",
	     "jira__get", "{\"id\":3}");
	MAPS("{\"requestID\":\"1\",\"runMCPTool\":{\"name\":\"jira__list\"}}", "jira__list", "{}");
	FAILS("{\"requestID\":\"1\",\"runMCPTool\":{\"name\":\"jira__get\",\"args\":\"[1]\"}}",
	      "not a JSON object");
	FAILS("{\"requestID\":\"1\",\"runMCPTool\":{\"args\":\"{}\"}}", "MCP tool's name");
	FAILS("{\"requestID\":\"1\",\"runHTTPRequest\":{\"method\":\"GET\",\"path\":\"/x\"}}", "Workhorse");
	FAILS("{\"requestID\":\"1\",\"frobnicate\":{}}", "unknown action");
	FAILS("{\"requestID\":\"1\",\"runEditFile\":{\"filepath\":\"n\"}}", "oldString");
}

static void test_action_leniency(void **state)
{
	struct dt_dap_action a;
	struct dt_sb err = DT_SB_INIT;

	(void)state;
	/* null oneof members are skipped; proto names are read */
	parse("{\"requestID\":null,\"request_id\":\"r9\",\"runReadFile\":null,\"run_shell_command\":{\"command\":\"ls\"}}", &a);
	assert_int_equal(a.kind, DT_DAP_SHELL_COMMAND);
	assert_string_equal(a.request_id, "r9");
	dt_dap_action_release(&a);
	parse("{\"unknown\":1}", &a);
	assert_int_equal(a.kind, DT_DAP_UNKNOWN);
	assert_string_equal(a.request_id, "");
	dt_dap_action_release(&a);
	assert_int_equal(dt_dap_parse_action("[1]", 3, &a, &err), -1);
	assert_int_equal(dt_dap_parse_action("{", 1, &a, &err), -1);
	dt_sb_release(&err);
}

static void test_checkpoint(void **state)
{
	static const char msg[] =
		"{\"requestID\":\"x\",\"newCheckpoint\":{\"status\":\"TOOL_CALL_APPROVAL_REQUIRED\","
		"\"errors\":[\"a\",\"\",\"b\"],\"checkpoint\":\"{\\\"channel_values\\\":{\\\"plan\\\":{\\\"steps\\\":"
		"[{\\\"id\\\":\\\"0\\\",\\\"description\\\":\\\"Read\\\",\\\"status\\\":\\\"Completed\\\"},"
		"{\\\"description\\\":\\\"Write\\\",\\\"status\\\":\\\"In Progress\\\"}]},\\\"ui_chat_log\\\":["
		"{\\\"message_type\\\":\\\"agent\\\",\\\"content\\\":\\\"Hi\\\",\\\"message_id\\\":\\\"m1\\\"},"
		"{\\\"message_type\\\":\\\"tool\\\",\\\"status\\\":\\\"failure\\\",\\\"content\\\":\\\"c\\\","
		"\\\"tool_info\\\":{\\\"name\\\":\\\"grep\\\",\\\"args\\\":{\\\"p\\\":1},\\\"tool_response\\\":"
		"{\\\"content\\\":\\\"boom\\\"}}},"
		"{\\\"message_type\\\":\\\"request\\\",\\\"message_id\\\":\\\"call-1\\\",\\\"content\\\":null}]}}\"}}";
	struct dt_dap_action a;
	struct dt_dap_checkpoint c;
	struct dt_sb err = DT_SB_INIT;

	(void)state;
	parse(msg, &a);
	assert_int_equal(a.kind, DT_DAP_CHECKPOINT);
	assert_int_equal(a.status, DT_DAP_ST_TOOL_CALL_APPROVAL_REQUIRED);
	assert_string_equal(a.errors, "a; b");
	assert_int_equal(dt_dap_parse_checkpoint(a.checkpoint, &c, &err), 0);
	assert_true(c.has_plan);
	assert_int_equal(c.plan.nr, 2);
	assert_int_equal(c.plan.step[0].status, DT_STEP_DONE);
	assert_int_equal(c.plan.step[1].status, DT_STEP_IN_PROGRESS);
	assert_int_equal(c.n_chat, 3);
	assert_string_equal(c.chat[0].content, "Hi");
	assert_int_equal(c.chat[1].type, DT_DAP_MSG_TOOL);
	assert_string_equal(c.chat[1].message_id, "#1"); /* synthesised */
	assert_string_equal(c.chat[1].tool_response, "boom");
	assert_string_equal(c.chat[1].tool_args, "{\"p\":1}");
	assert_int_equal(dt_dap_tool_status(c.chat[1].status), DT_TOOL_FAILURE);
	assert_int_equal(c.chat[2].type, DT_DAP_MSG_REQUEST);
	assert_string_equal(c.chat[2].content, "");
	dt_dap_checkpoint_release(&c);
	dt_dap_action_release(&a);
	assert_int_equal(dt_dap_parse_checkpoint("nope", &c, &err), -1);
	dt_sb_release(&err);
}

static void test_status(void **state)
{
	(void)state;
	assert_int_equal(dt_dap_status_parse("INPUT_REQUIRED"), DT_DAP_ST_INPUT_REQUIRED);
	assert_int_equal(dt_dap_status_parse("finished"), DT_DAP_ST_FINISHED);
	assert_int_equal(dt_dap_status_parse("COMPLETED"), DT_DAP_ST_FINISHED);
	assert_int_equal(dt_dap_status_parse("CANCELLED"), DT_DAP_ST_STOPPED);
	assert_int_equal(dt_dap_status_parse("WHATEVER"), DT_DAP_ST_UNKNOWN);
	assert_int_equal(dt_dap_status_parse(NULL), DT_DAP_ST_UNKNOWN);
}

static void test_client_messages(void **state)
{
	static const char *const caps[] = {"shell_command", NULL};
	struct dt_dap_start s = {0};
	cJSON *ctx = cJSON_CreateArray(), *o;
	char *t;

	(void)state;
	dt_dap_add_context(ctx, "file", "a.c", "int x;", NULL);
	s.workflow_id = "42";
	s.goal = "fix";
	s.capabilities = caps;
	s.additional_context = ctx;
	s.approval = 1;
	s.approval_tool = "run_command";
	s.approval_args = "{\"command\":\"ls\"}";
	t = dt_dap_start_request(&s);
	o = cJSON_Parse(t);
	assert_string_equal(cJSON_GetObjectItem(o, "startRequest")->child->string, "clientVersion");
	assert_non_null(strstr(t, "\"workflowID\":\"42\""));
	assert_non_null(strstr(t, "\"workflowDefinition\":\"chat\""));
	assert_non_null(strstr(t, "\"workflowMetadata\":\"{}\""));
	assert_non_null(strstr(t, "\"clientCapabilities\":[\"shell_command\"]"));
	assert_non_null(strstr(t, "\"metadata\":\"{}\""));
	assert_non_null(strstr(t, "\"approval\":{\"approval\":{\"tool_name\":\"run_command\""));
	cJSON_Delete(o);
	free(t);
	s.approval = 2;
	s.rejection_message = "no";
	t = dt_dap_start_request(&s);
	assert_non_null(strstr(t, "\"approval\":{\"rejection\":{\"message\":\"no\"}}"));
	free(t);
	cJSON_Delete(ctx);
	t = dt_dap_action_response("r1", "out", NULL);
	assert_string_equal(t, "{\"actionResponse\":{\"requestID\":\"r1\",\"plainTextResponse\":"
			    "{\"response\":\"out\",\"error\":\"\"}}}");
	free(t);
	t = dt_dap_heartbeat(1700000000123ULL);
	assert_string_equal(t, "{\"heartbeat\":{\"timestamp\":1700000000123}}");
	free(t);
	t = dt_dap_stop(NULL);
	assert_string_equal(t, "{\"stopWorkflow\":{\"reason\":\"USER_ACTION_TRIGGERED_STOP\"}}");
	free(t);
}

static void test_provider_names_and_url(void **state)
{
	const char *m;
	char *u;

	(void)state;
	assert_true(dt_remote_provider_name("duo-workflow", &m));
	assert_null(m);
	assert_true(dt_remote_provider_name("duo-workflow-sonnet-4-6", &m));
	assert_string_equal(m, "claude_sonnet_4_6");
	assert_true(dt_remote_provider_name("duo-workflow-default", &m));
	assert_null(m);
	assert_false(dt_remote_provider_name("duo-workflows", &m));
	assert_false(dt_remote_provider_name("gitlab", &m));
	u = dt_remote_ws_url("https://gl.example.com/root/", "7", NULL, "chat", "a/b");
	assert_string_equal(u, "wss://gl.example.com/root/api/v4/ai/duo_workflows/ws?project_id=7"
			    "&workflow_definition=chat&client_type=duoterm"
			    "&user_selected_model_identifier=a%2Fb");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actions_map_to_tools),
		cmocka_unit_test(test_action_leniency),
		cmocka_unit_test(test_checkpoint),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_client_messages),
		cmocka_unit_test(test_provider_names_and_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
