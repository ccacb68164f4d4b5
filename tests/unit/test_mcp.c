/*
 * The MCP client: the JSON-RPC codec (mcp/jsonrpc.h) on the frames real
 * servers send (../shared/real-peers.md §1), the mcp.json format, and the
 * stdio client (mcp/client.h) against scripted /bin/sh servers: a
 * notification before the answer, tools/list pages, a negotiated older
 * version, a refused version, a server that never answers, one that exits
 * (its status and stderr in the error) and is started again, a changed
 * tool list listed again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "duoterm/core/loop.h"
#include "duoterm/mcp/client.h"
#include "duoterm/mcp/set.h"

static int parse(const char *s, struct dt_rpc_msg *m)
{
	struct dt_sb err = DT_SB_INIT;
	int rc = dt_rpc_parse(s, strlen(s), m, &err);

	assert_true(rc ? err.len > 0 : err.len == 0);
	dt_sb_release(&err);
	return rc;
}

static void test_messages(void **state)
{
	struct dt_rpc_msg m;
	struct dt_sb sb = DT_SB_INIT;

	(void)state;
	assert_int_equal(parse("{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":2}", &m), 0);
	assert_int_equal(m.kind, DT_RPC_RESULT);
	assert_int_equal(m.id, 2);
	dt_rpc_release(&m);
	assert_int_equal(parse("{\"method\":\"notifications/tools/list_changed\",\"jsonrpc\":\"2.0\"}", &m), 0);
	assert_int_equal(m.kind, DT_RPC_NOTIFICATION);
	assert_string_equal(m.method, "notifications/tools/list_changed");
	dt_rpc_release(&m);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}", &m), 0);
	assert_int_equal(m.kind, DT_RPC_ERROR);
	assert_int_equal(m.code, -32601);
	assert_string_equal(m.message, "Method not found");
	dt_rpc_release(&m);
	/* a request from the server, with a string id we answer as sent */
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":\"x7\",\"method\":\"ping\"}", &m), 0);
	assert_int_equal(m.kind, DT_RPC_REQUEST);
	assert_int_equal(m.id, -1);
	dt_rpc_answer(&sb, m.id_json, cJSON_CreateObject(), 0, NULL);
	assert_string_equal(sb.buf, "{\"jsonrpc\":\"2.0\",\"id\":\"x7\",\"result\":{}}\n");
	dt_rpc_release(&m);
	/* ids we never send are -1, so they match nothing */
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"result\":{}}", &m), 0);
	assert_int_equal(m.id, -1);
	dt_rpc_release(&m);
	assert_int_equal(parse("not json", &m), -1);
	assert_int_equal(parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]", &m), -1);
	assert_int_equal(parse("{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}", &m), -1);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"result\":{}}", &m), -1);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\"}", &m), -1);
	/* what we send */
	dt_sb_reset(&sb);
	dt_rpc_request(&sb, 3, "tools/list", NULL);
	assert_string_equal(sb.buf, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}\n");
	dt_sb_reset(&sb);
	dt_rpc_notify(&sb, "notifications/initialized", NULL);
	assert_string_equal(sb.buf, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
	dt_sb_release(&sb);
}

static void test_initialize(void **state)
{
	struct dt_sb name = DT_SB_INIT, err = DT_SB_INIT;
	cJSON *r, *p = dt_mcp_initialize_params();

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(p, "protocolVersion")->valuestring, "2025-06-18");
	cJSON_Delete(p);
	r = cJSON_Parse("{\"protocolVersion\":\"2024-11-05\",\"serverInfo\":{\"name\":\"old\"}}");
	assert_int_equal(dt_mcp_check_initialize(r, &name, &err), 0);
	assert_string_equal(name.buf, "old");
	cJSON_Delete(r);
	/* the SDK answers an unknown version with its latest, which we know */
	assert_true(dt_mcp_version_ok("2025-11-25"));
	r = cJSON_Parse("{\"protocolVersion\":\"1999-01-01\"}");
	assert_int_equal(dt_mcp_check_initialize(r, &name, &err), -1);
	assert_non_null(strstr(err.buf, "MCP version 1999-01-01"));
	cJSON_Delete(r);
	dt_sb_reset(&err);
	r = cJSON_Parse("{}");
	assert_int_equal(dt_mcp_check_initialize(r, &name, &err), -1);
	cJSON_Delete(r);
	dt_sb_release(&name);
	dt_sb_release(&err);
}

static void test_tools_and_results(void **state)
{
	cJSON *r = cJSON_Parse("{\"tools\":[{\"name\":\"echo\",\"description\":\"Echoes\","
			       "\"inputSchema\":{\"type\":\"object\"}},{\"description\":\"no name\"},"
			       "{\"name\":\"bare\"}],\"nextCursor\":\"c2\"}");
	struct dt_mcp_tool *tools = NULL;
	struct dt_sb sb = DT_SB_INIT;
	size_t n = 0;
	char *cursor;

	(void)state;
	assert_int_equal(dt_mcp_parse_tools(r, &tools, &n, &cursor, &sb), 0);
	assert_int_equal(n, 2);
	assert_string_equal(tools[0].name, "echo");
	assert_string_equal(tools[1].description, "");
	assert_string_equal(cJSON_GetObjectItem(tools[1].schema, "type")->valuestring, "object");
	assert_string_equal(cursor, "c2");
	free(cursor);
	dt_mcp_tools_free(tools, n);
	cJSON_Delete(r);

	r = cJSON_Parse("{\"content\":[{\"type\":\"text\",\"text\":\"MCP error -32602: Tool nope not found\"}],\"isError\":true}");
	assert_int_equal(dt_mcp_result_text(r, &sb), 1);
	assert_string_equal(sb.buf, "MCP error -32602: Tool nope not found");
	cJSON_Delete(r);
	dt_sb_reset(&sb);
	r = cJSON_Parse("{\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image\",\"data\":\"QUJD\","
			"\"mimeType\":\"image/png\"},{\"type\":\"resource\",\"resource\":{\"uri\":\"test://r\","
			"\"text\":\"body\"}},{\"type\":\"text\",\"text\":\"b\"}]}");
	assert_int_equal(dt_mcp_result_text(r, &sb), 0);
	assert_string_equal(sb.buf, "a\n[image image/png, 4 bytes of base64 not shown]\n"
				    "[resource test://r]\nbody\nb");
	cJSON_Delete(r);
	dt_sb_reset(&sb);
	r = cJSON_Parse("{\"content\":[],\"structuredContent\":{\"sum\":42}}");
	assert_int_equal(dt_mcp_result_text(r, &sb), 0);
	assert_string_equal(sb.buf, "{\"sum\":42}");
	cJSON_Delete(r);
	dt_sb_reset(&sb);
	r = cJSON_Parse("{\"content\":\"x\"}");
	assert_int_equal(dt_mcp_result_text(r, &sb), -1);
	cJSON_Delete(r);
	dt_sb_reset(&sb);
	dt_mcp_qualified_name(&sb, "my server", "read.file");
	assert_string_equal(sb.buf, "my_server__read_file");
	dt_sb_reset(&sb);
	dt_mcp_qualified_name(&sb, "s", "0123456789012345678901234567890123456789012345678901234567890123456789");
	assert_int_equal(sb.len, 64);
	dt_sb_release(&sb);
}

static void test_config(void **state)
{
	struct dt_mcp_config c = {0};
	struct dt_sb err = DT_SB_INIT;

	(void)state;
	assert_int_equal(dt_mcp_config_parse(&c, "{\"mcpServers\":{"
		"\"fs\":{\"type\":\"stdio\",\"command\":\"node\",\"args\":[\"a.js\",\"/tmp\"],\"env\":{\"K\":\"v\"}},"
		"\"web\":{\"type\":\"http\",\"url\":\"http://127.0.0.1:3000/mcp\",\"headers\":{\"X-Key\":\"k\"}},"
		"\"old\":{\"command\":\"x\"},"
		"\"nourl\":{\"type\":\"http\"},\"weird\":{\"type\":\"ftp\"},\"badargs\":{\"command\":\"x\",\"args\":[1]}}}",
		"user", &err), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.servers[0].argv[0], "node");
	assert_string_equal(c.servers[0].argv[2], "/tmp");
	assert_null(c.servers[0].argv[3]);
	assert_string_equal(c.servers[0].env[0], "K=v");
	assert_int_equal(c.servers[1].type, DT_MCP_HTTP);
	assert_string_equal(c.servers[1].headers[0], "X-Key: k");
	assert_int_equal(c.servers[2].type, DT_MCP_STDIO); /* no type: command means stdio */
	assert_non_null(strstr(err.buf, "server nourl: an HTTP server needs"));
	assert_non_null(strstr(err.buf, "server weird: unknown \"type\""));
	assert_non_null(strstr(err.buf, "server badargs: \"args\""));
	/* the workspace file replaces the user's server of the same name */
	dt_sb_reset(&err);
	assert_int_equal(dt_mcp_config_parse(&c, "{\"mcpServers\":{\"fs\":{\"command\":\"other\"}}}",
					     "workspace", &err), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.servers[0].argv[0], "other");
	assert_string_equal(c.servers[0].origin, "workspace");
	assert_int_equal(dt_mcp_config_parse(&c, "[]", "x", &err), -1);
	assert_int_equal(dt_mcp_config_parse(&c, "{\"mcpServers\":[]}", "x", &err), -1);
	dt_mcp_config_release(&c);
	dt_sb_release(&err);
}

/* ---- the stdio client against /bin/sh servers ---- */

#define INIT_OK "echo '{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}'; " \
	"echo '{\"result\":{\"protocolVersion\":\"2025-03-26\",\"serverInfo\":{\"name\":\"fake\"}},\"jsonrpc\":\"2.0\",\"id\":1}'; "

/* initialize (a notification first), initialized, two tools/list pages,
 * one tools/call answered after a ping, then exit 3 with a word on stderr */
static const char fake[] =
	"read l; " INIT_OK "read l; "
	"read l; echo '{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"a\"}],\"nextCursor\":\"p2\"}}'; "
	"read l; case \"$l\" in *p2*) ;; *) exit 9;; esac; "
	"echo '{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":[{\"name\":\"b\"}]}}'; "
	"read l; echo '{\"jsonrpc\":\"2.0\",\"id\":\"q\",\"method\":\"ping\"}'; read pong; "
	"case \"$pong\" in *'\"id\":\"q\"'*) ;; *) exit 8;; esac; "
	"echo '{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"got it\"}]}}'; "
	"read l; echo boom >&2; exit 3";

struct answer {
	int n, is_error;
	char text[512];
};

static void on_answer(const char *text, int is_error, void *ud)
{
	struct answer *a = ud;

	a->n++;
	a->is_error = is_error;
	snprintf(a->text, sizeof(a->text), "%s", text);
}

static struct dt_mcp_server *sh_server(struct dt_loop *loop, const char *script)
{
	char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)script, NULL};
	struct dt_mcp_server_conf c = {.name = (char *)"fake", .type = DT_MCP_STDIO, .argv = argv};

	return dt_mcp_server_new(&c, loop, NULL, "/");
}

static void wait_answer(struct dt_loop *loop, struct answer *a)
{
	uint64_t until = dt_now_ms() + 5000;

	while (!a->n && dt_now_ms() < until)
		dt_loop_run_once(loop, 100);
	assert_int_equal(a->n, 1);
}

static void test_client(void **state)
{
	struct dt_loop loop;
	struct dt_mcp_server *s;
	struct dt_sb err = DT_SB_INIT;
	struct answer a = {0}, b = {0};
	const struct dt_mcp_tool *t;
	size_t n;

	(void)state;
	assert_int_equal(dt_loop_init(&loop), 0);
	s = sh_server(&loop, fake);
	assert_int_equal(dt_mcp_server_connect(s, 5000, &err), 0);
	assert_string_equal(dt_mcp_server_version(s), "2025-03-26");
	assert_string_equal(dt_mcp_server_info(s), "fake");
	t = dt_mcp_server_tools(s, &n);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].name, "a");
	assert_string_equal(t[1].name, "b");
	dt_mcp_server_call(s, "a", NULL, 5000, on_answer, &a);
	wait_answer(&loop, &a);
	assert_int_equal(a.is_error, 0);
	assert_string_equal(a.text, "got it");
	/* the next call makes it exit: the error says how, with its stderr */
	dt_mcp_server_call(s, "a", NULL, 5000, on_answer, &b);
	wait_answer(&loop, &b);
	assert_int_equal(b.is_error, 1);
	assert_string_equal(b.text, "MCP server fake exited with status 3; its stderr: boom");
	assert_false(dt_mcp_server_ready(s));
	/* and the call after that starts it again */
	memset(&a, 0, sizeof(a));
	dt_mcp_server_call(s, "a", NULL, 5000, on_answer, &a);
	wait_answer(&loop, &a);
	assert_string_equal(a.text, "got it");
	dt_mcp_server_free(s);
	dt_loop_release(&loop);
	dt_sb_release(&err);
}

static void test_client_failures(void **state)
{
	struct dt_loop loop;
	struct dt_mcp_server *s;
	struct dt_sb err = DT_SB_INIT;
	struct answer a = {0};
	uint64_t t0;

	(void)state;
	assert_int_equal(dt_loop_init(&loop), 0);
	/* a version we do not speak */
	s = sh_server(&loop, "read l; echo '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
			     "{\"protocolVersion\":\"1999-01-01\"}}'; read l");
	assert_int_equal(dt_mcp_server_connect(s, 5000, &err), -1);
	assert_string_equal(err.buf, "MCP server fake: the server speaks MCP version 1999-01-01; "
				     "duoterm speaks 2024-11-05 to 2025-11-25");
	dt_mcp_server_free(s);
	/* exits at start */
	dt_sb_reset(&err);
	s = sh_server(&loop, "echo 'no config' >&2; exit 1");
	assert_int_equal(dt_mcp_server_connect(s, 5000, &err), -1);
	assert_string_equal(err.buf, "MCP server fake exited with status 1; its stderr: no config");
	assert_string_equal(dt_mcp_server_error(s), err.buf);
	/* a call on it tries again and fails at once */
	dt_mcp_server_call(s, "x", NULL, 1000, on_answer, &a);
	assert_int_equal(a.n, 1);
	assert_true(a.is_error);
	dt_mcp_server_free(s);
	/* a command that does not exist */
	dt_sb_reset(&err);
	{
		char *argv[] = {(char *)"/nonexistent/mcp-server", NULL};
		struct dt_mcp_server_conf c = {.name = (char *)"gone", .argv = argv};

		s = dt_mcp_server_new(&c, &loop, NULL, "/");
		assert_int_equal(dt_mcp_server_connect(s, 5000, &err), -1);
		assert_non_null(strstr(err.buf, "exited with status 127; its stderr: cannot run "
					       "/nonexistent/mcp-server"));
		dt_mcp_server_free(s);
	}
	/* never answers: the deadline holds */
	dt_sb_reset(&err);
	s = sh_server(&loop, "exec sleep 30");
	t0 = dt_now_ms();
	assert_int_equal(dt_mcp_server_connect(s, 300, &err), -1);
	assert_true(dt_now_ms() - t0 < 2000);
	assert_non_null(strstr(err.buf, "did not answer initialize in time"));
	dt_mcp_server_free(s);
	/* a call that times out is a tool error and the server is told */
	s = sh_server(&loop, "read l; " INIT_OK "read l; read l; "
			     "echo '{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[]}}'; "
			     "read l; read l; case \"$l\" in *cancelled*) exit 0;; esac; sleep 30");
	assert_int_equal(dt_mcp_server_connect(s, 5000, &err), 0);
	memset(&a, 0, sizeof(a));
	dt_mcp_server_call(s, "slow", NULL, 200, on_answer, &a);
	wait_answer(&loop, &a);
	assert_true(a.is_error);
	assert_non_null(strstr(a.text, "did not answer within"));
	dt_mcp_server_free(s);
	dt_loop_release(&loop);
	dt_sb_release(&err);
}

/* tools/list_changed after the handshake: the tools are listed again */
static void test_list_changed(void **state)
{
	struct dt_loop loop;
	struct dt_mcp_server *s;
	struct dt_sb err = DT_SB_INIT;
	struct answer a = {0};
	uint64_t until;
	unsigned gen;
	size_t n;

	(void)state;
	assert_int_equal(dt_loop_init(&loop), 0);
	s = sh_server(&loop, "read l; " INIT_OK "read l; read l; "
			     "echo '{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"a\"}]}}'; "
			     "read l; echo '{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}'; "
			     "echo '{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[]}}'; "
			     "read l; case \"$l\" in *tools/list*) ;; *) exit 5;; esac; "
			     "echo '{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"tools\":[{\"name\":\"a\"},{\"name\":\"c\"}]}}'; "
			     "read l");
	assert_int_equal(dt_mcp_server_connect(s, 5000, &err), 0);
	gen = dt_mcp_server_generation(s);
	dt_mcp_server_tools(s, &n);
	assert_int_equal(n, 1);
	dt_mcp_server_call(s, "a", NULL, 5000, on_answer, &a);
	wait_answer(&loop, &a);
	assert_string_equal(a.text, "(no content)");
	until = dt_now_ms() + 5000;
	while (dt_mcp_server_generation(s) == gen && dt_now_ms() < until)
		dt_loop_run_once(&loop, 100);
	assert_int_not_equal(dt_mcp_server_generation(s), gen);
	assert_string_equal(dt_mcp_server_tools(s, &n)[1].name, "c");
	assert_int_equal(n, 2);
	assert_true(dt_mcp_server_ready(s));
	dt_mcp_server_free(s);
	dt_loop_release(&loop);
	dt_sb_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_initialize),
		cmocka_unit_test(test_tools_and_results),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_client_failures),
		cmocka_unit_test(test_list_changed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
