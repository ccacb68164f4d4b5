/*
 * The provider request side, without a network: request bodies checked as
 * JSON, URLs (Azure, /v1 handling, gateway proxy paths), the gateway's
 * model names and direct-access answer, error messages, Retry-After and
 * backoff.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "duoterm/core/config.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/providers/anthropic.h"
#include "duoterm/providers/gateway.h"
#include "duoterm/providers/openai.h"
#include "duoterm/providers/provider.h"
#include "duoterm/providers/stream.h"

/* A conversation with every kind of message. */
static const struct dt_prov_tool_call calls[] = {
	{"call_1", "read_file", "{\"path\":\"a.c\"}"},
	{"call_2", "grep", "{bad json"},
};

static const struct dt_prov_message msgs[] = {
	{.role = DT_PROV_USER, .text = "fix the bug"},
	{.role = DT_PROV_ASSISTANT, .text = "Looking.", .calls = calls, .n_calls = 2},
	{.role = DT_PROV_TOOL, .text = "int main;", .tool_call_id = "call_1"},
	{.role = DT_PROV_TOOL, .text = "bad args", .tool_call_id = "call_2", .is_error = 1},
	{.role = DT_PROV_USER, .text = "and hurry"},
};

static cJSON *schema(void)
{
	return cJSON_Parse("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
			   "\"required\":[\"path\"]}");
}

static void request(struct dt_prov_request *req, struct dt_prov_tool *tools, cJSON *sch)
{
	tools[0] = (struct dt_prov_tool){"read_file", "Read a file", sch};
	tools[1] = (struct dt_prov_tool){"list_dir", NULL, NULL};
	*req = (struct dt_prov_request){
		.model = "m-1",
		.system = "You are duoterm.",
		.messages = msgs,
		.n_messages = 5,
		.tools = tools,
		.n_tools = 2,
		.max_tokens = 1000,
	};
}

static const char *jstr(const cJSON *o, const char *path)
{
	char buf[128], *tok, *save;
	const cJSON *it = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && it; tok = strtok_r(NULL, ".", &save)) {
		if (*tok >= '0' && *tok <= '9')
			it = cJSON_GetArrayItem(it, atoi(tok));
		else
			it = cJSON_GetObjectItemCaseSensitive(it, tok);
	}
	if (cJSON_IsString(it))
		return it->valuestring;
	if (cJSON_IsTrue(it))
		return "true";
	if (cJSON_IsNull(it))
		return "null";
	if (cJSON_IsNumber(it)) {
		static char num[32];

		snprintf(num, sizeof(num), "%g", it->valuedouble);
		return num;
	}
	return it ? "(other)" : "(missing)";
}

static void test_openai_body(void **state)
{
	struct dt_sb out = DT_SB_INIT, err = DT_SB_INIT;
	struct dt_prov_request req;
	struct dt_prov_tool tools[2];
	cJSON *sch = schema(), *root;

	(void)state;
	request(&req, tools, sch);
	assert_int_equal(dt_openai_build_body(&req, "gpt-x", "Be compliant.", 0, &out, &err), 0);
	root = cJSON_Parse(out.buf);
	assert_non_null(root);
	assert_string_equal(jstr(root, "model"), "gpt-x");
	assert_string_equal(jstr(root, "stream"), "true");
	assert_string_equal(jstr(root, "stream_options.include_usage"), "true");
	assert_string_equal(jstr(root, "max_tokens"), "1000");
	assert_string_equal(jstr(root, "messages.0.role"), "system");
	assert_string_equal(jstr(root, "messages.0.content"), "Be compliant.\n\nYou are duoterm.");
	assert_string_equal(jstr(root, "messages.1.content"), "fix the bug");
	assert_string_equal(jstr(root, "messages.2.role"), "assistant");
	assert_string_equal(jstr(root, "messages.2.tool_calls.0.id"), "call_1");
	assert_string_equal(jstr(root, "messages.2.tool_calls.0.type"), "function");
	assert_string_equal(jstr(root, "messages.2.tool_calls.0.function.arguments"),
			    "{\"path\":\"a.c\"}");
	/* sent back exactly as the model wrote it */
	assert_string_equal(jstr(root, "messages.2.tool_calls.1.function.arguments"), "{bad json");
	assert_string_equal(jstr(root, "messages.3.role"), "tool");
	assert_string_equal(jstr(root, "messages.3.tool_call_id"), "call_1");
	assert_string_equal(jstr(root, "messages.4.tool_call_id"), "call_2");
	assert_string_equal(jstr(root, "messages.5.content"), "and hurry");
	assert_string_equal(jstr(root, "tools.0.type"), "function");
	assert_string_equal(jstr(root, "tools.0.function.name"), "read_file");
	assert_string_equal(jstr(root, "tools.0.function.parameters.required.0"), "path");
	assert_string_equal(jstr(root, "tools.1.function.parameters.type"), "object");
	assert_string_equal(jstr(root, "tools.1.function.description"), "(missing)");
	cJSON_Delete(root);

	dt_sb_reset(&out);
	assert_int_equal(dt_openai_build_body(&req, "o3", NULL, DT_OPENAI_MAX_COMPLETION_TOKENS,
					      &out, &err),
			 0);
	root = cJSON_Parse(out.buf);
	assert_string_equal(jstr(root, "max_completion_tokens"), "1000");
	assert_string_equal(jstr(root, "max_tokens"), "(missing)");
	assert_string_equal(jstr(root, "messages.0.content"), "You are duoterm.");
	cJSON_Delete(root);

	req.n_messages = 0;
	assert_int_equal(dt_openai_build_body(&req, "m", NULL, 0, &out, &err), -EINVAL);
	assert_true(err.len > 0);
	cJSON_Delete(sch);
	dt_sb_release(&out);
	dt_sb_release(&err);
}

static void test_anthropic_body(void **state)
{
	struct dt_sb out = DT_SB_INIT, err = DT_SB_INIT;
	struct dt_prov_request req;
	struct dt_prov_tool tools[2];
	cJSON *sch = schema(), *root;

	(void)state;
	request(&req, tools, sch);
	assert_int_equal(dt_anthropic_build_body(&req, "claude-x", "Be compliant.", &out, &err), 0);
	root = cJSON_Parse(out.buf);
	assert_non_null(root);
	assert_string_equal(jstr(root, "model"), "claude-x");
	assert_string_equal(jstr(root, "max_tokens"), "1000");
	assert_string_equal(jstr(root, "stream"), "true");
	assert_string_equal(jstr(root, "system"), "Be compliant.\n\nYou are duoterm.");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "messages")), 3);
	assert_string_equal(jstr(root, "messages.0.role"), "user");
	assert_string_equal(jstr(root, "messages.0.content.0.text"), "fix the bug");
	assert_string_equal(jstr(root, "messages.1.role"), "assistant");
	assert_string_equal(jstr(root, "messages.1.content.0.text"), "Looking.");
	assert_string_equal(jstr(root, "messages.1.content.1.type"), "tool_use");
	assert_string_equal(jstr(root, "messages.1.content.1.input.path"), "a.c");
	/* not an object: sent as {} */
	assert_string_equal(jstr(root, "messages.1.content.2.id"), "call_2");
	{
		const cJSON *m1 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "messages"), 1);
		const cJSON *in = cJSON_GetObjectItem(
			cJSON_GetArrayItem(cJSON_GetObjectItem(m1, "content"), 2), "input");

		assert_true(cJSON_IsObject(in) && !in->child);
	}
	/* the results and the next user text make one user turn */
	assert_string_equal(jstr(root, "messages.2.role"), "user");
	assert_string_equal(jstr(root, "messages.2.content.0.type"), "tool_result");
	assert_string_equal(jstr(root, "messages.2.content.0.tool_use_id"), "call_1");
	assert_string_equal(jstr(root, "messages.2.content.1.is_error"), "true");
	assert_string_equal(jstr(root, "messages.2.content.2.text"), "and hurry");
	assert_string_equal(jstr(root, "tools.0.name"), "read_file");
	assert_string_equal(jstr(root, "tools.0.input_schema.required.0"), "path");
	assert_string_equal(jstr(root, "tools.1.input_schema.type"), "object");
	cJSON_Delete(root);

	/* no system at all: no "system" member */
	req.system = NULL;
	dt_sb_reset(&out);
	assert_int_equal(dt_anthropic_build_body(&req, "c", NULL, &out, &err), 0);
	root = cJSON_Parse(out.buf);
	assert_string_equal(jstr(root, "system"), "(missing)");
	cJSON_Delete(root);
	cJSON_Delete(sch);
	dt_sb_release(&out);
	dt_sb_release(&err);
}

static void check_url(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

static void test_urls(void **state)
{
	(void)state;
	check_url(dt_openai_url(NULL, "chat/completions", NULL),
		  "https://api.openai.com/v1/chat/completions");
	check_url(dt_openai_url("http://127.0.0.1:8080/v1/", "models", NULL),
		  "http://127.0.0.1:8080/v1/models");
	check_url(dt_openai_url("https://r.openai.azure.com/openai/deployments/gpt4o?api-version=2024-10-21",
				"chat/completions", "ignored"),
		  "https://r.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21");
	check_url(dt_openai_url("https://r.openai.azure.com/openai/deployments/d", "chat/completions",
				"2024-10-21"),
		  "https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21");
	assert_true(dt_openai_is_azure("https://r.openai.azure.com/openai/deployments/d"));
	assert_true(dt_openai_is_azure("https://x.example/openai?api-version=1"));
	assert_false(dt_openai_is_azure("http://localhost:11434/v1"));
	assert_true(dt_openai_is_official("https://api.openai.com/v1"));
	assert_false(dt_openai_is_official("http://localhost:11434/v1"));
	check_url(dt_anthropic_url(NULL, "messages"), "https://api.anthropic.com/v1/messages");
	check_url(dt_anthropic_url("http://127.0.0.1:9/", "models"), "http://127.0.0.1:9/v1/models");
	check_url(dt_anthropic_url("http://h/v1", "messages"), "http://h/v1/messages");
}

static void test_gateway(void **state)
{
	struct dt_sb err = DT_SB_INIT;
	struct dt_gw_token t;
	enum dt_prov_kind wire;
	const char *up;
	char *base;
	const char *answer = "{\"headers\":{\"x-gitlab-instance-id\":\"abc\","
			     "\"x-gitlab-unit-primitive\":\"ai_gateway_model_provider_proxy\","
			     "\"x-gitlab-authentication-type\":\"oidc\",\"X-Gitlab-Is-Team-Member\":\"false\","
			     "\"bad\\nname\":\"x\",\"evil\":\"a\\r\\nInjected: 1\"},"
			     "\"token\":\"jwt.token.here\",\"expires_at\":1000600}";

	(void)state;
	assert_int_equal(dt_gw_map_model("duo-chat-sonnet-4-5", &up, &wire), 0);
	assert_string_equal(up, "claude-sonnet-4-5-20250929");
	assert_int_equal(wire, DT_PROV_ANTHROPIC);
	assert_int_equal(dt_gw_map_model("duo-chat-gpt-5-1", &up, &wire), 0);
	assert_string_equal(up, "gpt-5.1-2025-11-13");
	assert_int_equal(wire, DT_PROV_OPENAI);
	assert_int_equal(dt_gw_map_model("duo-chat-gpt-5-codex", &up, &wire), -ENOTSUP);
	assert_int_equal(dt_gw_map_model("duo-chat-nope", &up, &wire), -ENOENT);
	assert_int_equal(dt_gw_map_model("claude-opus-4-6", &up, &wire), 0);
	assert_int_equal(wire, DT_PROV_ANTHROPIC);
	assert_int_equal(dt_gw_map_model(NULL, &up, &wire), 0);
	assert_string_equal(up, "claude-sonnet-4-5-20250929");

	base = dt_gw_base(NULL);
	assert_string_equal(base, "https://cloud.gitlab.com/ai");
	check_url(dt_gw_url(base, DT_PROV_ANTHROPIC, "messages"),
		  "https://cloud.gitlab.com/ai/v1/proxy/anthropic/v1/messages");
	check_url(dt_gw_url(base, DT_PROV_OPENAI, "chat/completions"),
		  "https://cloud.gitlab.com/ai/v1/proxy/openai/v1/chat/completions");
	free(base);
	check_url(dt_gw_base("http://aigw.local:5052/ai/"), "http://aigw.local:5052/ai");
	check_url(dt_gw_direct_access_url("https://gitlab.example.com/"),
		  "https://gitlab.example.com/api/v4/ai/third_party_agents/direct_access");
	check_url(dt_gw_direct_access_body(), "{}");

	assert_int_equal(dt_gw_token_parse(answer, strlen(answer), 1000000, &t, &err), 0);
	assert_string_equal(t.token, "jwt.token.here");
	assert_int_equal(t.n_headers, 4);
	assert_string_equal(t.headers[0], "x-gitlab-instance-id: abc");
	assert_string_equal(t.headers[3], "X-Gitlab-Is-Team-Member: false");
	assert_int_equal(t.expires_at, 1000600);
	assert_true(dt_gw_token_fresh(&t, 1000000));
	assert_false(dt_gw_token_fresh(&t, 1000600 - DT_GW_TOKEN_MARGIN_S));
	dt_gw_token_release(&t);
	/* no expiry, or a far one: 25 minutes */
	assert_int_equal(dt_gw_token_parse("{\"token\":\"t\",\"expires_at\":9999999999}", 37, 100, &t,
					   &err),
			 0);
	assert_int_equal(t.expires_at, 100 + DT_GW_TOKEN_TTL_S);
	dt_gw_token_release(&t);
	assert_int_equal(dt_gw_token_parse("{\"message\":\"403 Forbidden\"}", 27, 0, &t, &err),
			 -EPROTO);
	dt_gw_token_release(&t);
	dt_sb_release(&err);
}

static void check_msg(const char *body, const char *want_msg, const char *want_type)
{
	struct dt_sb m = DT_SB_INIT, t = DT_SB_INIT;

	dt_prov_error_message(body, strlen(body), &m, &t);
	assert_string_equal(dt_sb_str(&m), want_msg);
	assert_string_equal(dt_sb_str(&t), want_type);
	dt_sb_release(&m);
	dt_sb_release(&t);
}

static void test_errors(void **state)
{
	struct dt_sb big = DT_SB_INIT, m = DT_SB_INIT;

	(void)state;
	check_msg("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}",
		  "Rate limit reached", "requests");
	check_msg("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
		  "Overloaded", "overloaded_error");
	check_msg("{\"message\":\"403 Forbidden\"}", "403 Forbidden", "");
	check_msg("{\"detail\":\"Unsupported model\"}", "Unsupported model", "");
	check_msg("{\"error\":\"model not found\",\"code\":404}", "model not found", "404");
	check_msg("  <html>Bad gateway</html>\n", "<html>Bad gateway</html>", "");
	check_msg("", "", "");
	for (int i = 0; i < 300; i++)
		dt_sb_adds(&big, "\xc3\xa9"); /* é: must not be cut in half */
	dt_prov_error_message(big.buf, big.len, &m, NULL);
	assert_int_equal(m.len, 500 + 3);
	dt_sb_release(&big);
	dt_sb_release(&m);

	assert_int_equal(dt_prov_retry_after_ms("2", NULL, 0), 2000);
	assert_int_equal(dt_prov_retry_after_ms("1.5", NULL, 0), 1500);
	assert_int_equal(dt_prov_retry_after_ms("2", "250", 0), 250);
	assert_int_equal(dt_prov_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", NULL, 1445412470), 10000);
	assert_int_equal(dt_prov_retry_after_ms("soon", NULL, 0), -1);
	assert_int_equal(dt_prov_retry_after_ms(NULL, NULL, 0), -1);
	assert_true(dt_prov_status_retryable(429));
	assert_true(dt_prov_status_retryable(529));
	assert_true(dt_prov_status_retryable(408));
	assert_false(dt_prov_status_retryable(400));
	assert_false(dt_prov_status_retryable(401));
	for (unsigned a = 1; a < 10; a++) {
		long d = dt_prov_backoff_ms(a, 500, 8000, -1);
		long full = 500L << (a - 1) > 8000 ? 8000 : 500L << (a - 1);

		assert_true(d <= full && d >= full * 3 / 4);
	}
	assert_int_equal(dt_prov_backoff_ms(1, 500, 8000, 3000), 3000);
}

static void test_system_prompt_and_config(void **state)
{
	struct dt_provider_opts o = DT_PROVIDER_OPTS_INIT;
	struct dt_config cfg = {0};
	struct dt_sb err = DT_SB_INIT;
	char *s;

	(void)state;
	assert_null(dt_prov_system_prompt(NULL, ""));
	s = dt_prov_system_prompt("A", NULL);
	assert_string_equal(s, "A");
	free(s);
	cfg.provider = (char *)"anthropic";
	cfg.anthropic_api_key = (char *)"sk-ant-test-123456";
	cfg.anthropic_base_url = (char *)"http://127.0.0.1:1";
	cfg.instructions = (char *)"Follow policy.";
	setenv("ANTHROPIC_AUTH_TOKEN", "bearer-token-123456", 1);
	assert_int_equal(dt_provider_opts_from_config(&o, &cfg, &err), 0);
	unsetenv("ANTHROPIC_AUTH_TOKEN");
	assert_int_equal(o.kind, DT_PROV_ANTHROPIC);
	assert_string_equal(o.api_key, "sk-ant-test-123456");
	assert_string_equal(o.auth_token, "bearer-token-123456");
	assert_string_equal(o.instructions, "Follow policy.");
	cfg.provider = (char *)"duo-workflow";
	assert_int_equal(dt_provider_opts_from_config(&o, &cfg, &err), -1);
	assert_non_null(strstr(err.buf, "duo-workflow"));
	dt_sb_release(&err);

	/* a provider without its key refuses to start, and says which variable */
	o = (struct dt_provider_opts)DT_PROVIDER_OPTS_INIT;
	assert_null(dt_provider_new(NULL, NULL, &o, &err));
	assert_non_null(strstr(err.buf, "OPENAI_API_KEY"));
	dt_sb_release(&err);
	o.kind = DT_PROV_GITLAB;
	assert_null(dt_provider_new(NULL, NULL, &o, &err));
	assert_non_null(strstr(err.buf, "GITLAB_TOKEN"));
	dt_sb_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openai_body),
		cmocka_unit_test(test_anthropic_body),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_gateway),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_system_prompt_and_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
