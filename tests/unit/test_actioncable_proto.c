/*
 * The ActionCable codec: the frames a real ActionCable 6.1 server sent
 * (../shared/real-peers.md section 2), GitLab's GraphqlChannel shapes,
 * malformed input, and identifiers that must come back byte-identical.
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

#include "duoterm/core/strbuf.h"
#include "duoterm/net/actioncable_proto.h"

#define ECHO_ID "{\"channel\":\"EchoChannel\"}"

/* Parses a copy in a buffer of exactly len bytes, so that any read past
 * the end shows under AddressSanitizer. */
static int parse_exact(struct dt_ac_frame *f, const char *text, size_t len)
{
	char *copy = dt_xmalloc(len ? len : 1);
	int ret;

	memcpy(copy, text, len);
	ret = dt_ac_frame_parse(f, copy, len);
	free(copy);
	return ret;
}

static int parse(struct dt_ac_frame *f, const char *text)
{
	return parse_exact(f, text, strlen(text));
}

/* The frame owns its tree: nothing may point into the freed input. */
static void test_welcome(void **state)
{
	struct dt_ac_frame f;

	(void)state;
	assert_int_equal(parse(&f, "{\"type\":\"welcome\"}"), 0);
	assert_int_equal(f.type, DT_AC_WELCOME);
	assert_string_equal(f.type_name, "welcome");
	assert_null(f.identifier);
	assert_null(f.message);
	assert_null(dt_ac_frame_take_message(&f));
	dt_ac_frame_release(&f);
	/* whitespace around the object is fine */
	assert_int_equal(parse(&f, " \r\n\t{ \"type\" : \"welcome\" }\n"), 0);
	assert_int_equal(f.type, DT_AC_WELCOME);
	dt_ac_frame_release(&f);
}

static void test_ping(void **state)
{
	struct dt_ac_frame f;

	(void)state;
	assert_int_equal(parse(&f, "{\"type\":\"ping\",\"message\":1795313157}"), 0);
	assert_int_equal(f.type, DT_AC_PING);
	assert_true(f.ping_time == 1795313157LL);
	assert_null(f.message); /* a ping's "message" is its time, not data */
	dt_ac_frame_release(&f);
	static const char *const odd[] = {
	    "{\"type\":\"ping\"}",
	    "{\"type\":\"ping\",\"message\":\"1795313157\"}",
	    "{\"type\":\"ping\",\"message\":1e300}",
	    "{\"type\":\"ping\",\"message\":-1e300}",
	    "{\"type\":\"ping\",\"message\":null}",
	};
	for (size_t i = 0; i < sizeof(odd) / sizeof(*odd); i++) {
		assert_int_equal(parse(&f, odd[i]), 0);
		assert_int_equal(f.type, DT_AC_PING);
		assert_true(f.ping_time == 0);
		dt_ac_frame_release(&f);
	}
	assert_int_equal(parse(&f, "{\"type\":\"ping\",\"message\":1795313157.9}"), 0);
	assert_true(f.ping_time == 1795313157LL);
	dt_ac_frame_release(&f);
}

static void test_disconnect(void **state)
{
	struct dt_ac_frame f;

	(void)state;
	assert_int_equal(
	    parse(&f, "{\"type\":\"disconnect\",\"reason\":\"unauthorized\",\"reconnect\":false}"),
	    0);
	assert_int_equal(f.type, DT_AC_DISCONNECT);
	assert_string_equal(f.reason, "unauthorized");
	assert_int_equal(f.reconnect, 0);
	dt_ac_frame_release(&f);
	assert_int_equal(
	    parse(&f, "{\"type\":\"disconnect\",\"reason\":\"server_restart\",\"reconnect\":true}"),
	    0);
	assert_string_equal(f.reason, "server_restart");
	assert_int_equal(f.reconnect, 1);
	dt_ac_frame_release(&f);
	/* older servers: no reason, no flag */
	assert_int_equal(parse(&f, "{\"type\":\"disconnect\"}"), 0);
	assert_int_equal(f.type, DT_AC_DISCONNECT);
	assert_null(f.reason);
	assert_int_equal(f.reconnect, 0);
	dt_ac_frame_release(&f);
	assert_int_equal(parse(&f, "{\"type\":\"disconnect\",\"reason\":7,\"reconnect\":1}"), 0);
	assert_null(f.reason);
	assert_int_equal(f.reconnect, 0);
	dt_ac_frame_release(&f);
}

static void test_confirm_reject(void **state)
{
	struct dt_ac_frame f;

	(void)state;
	assert_int_equal(parse(&f, "{\"identifier\":\"{\\\"channel\\\":\\\"EchoChannel\\\"}\","
	                           "\"type\":\"confirm_subscription\"}"),
	                 0);
	assert_int_equal(f.type, DT_AC_CONFIRM);
	assert_string_equal(f.identifier, ECHO_ID);
	assert_string_equal(f.type_name, "confirm_subscription");
	dt_ac_frame_release(&f);
	assert_int_equal(parse(&f, "{\"identifier\":\"{\\\"channel\\\":\\\"EchoChannel\\\","
	                           "\\\"deny\\\":true}\",\"type\":\"reject_subscription\"}"),
	                 0);
	assert_int_equal(f.type, DT_AC_REJECT);
	assert_string_equal(f.identifier, "{\"channel\":\"EchoChannel\",\"deny\":true}");
	dt_ac_frame_release(&f);
	/* a confirm or reject must name its subscription */
	assert_int_equal(parse(&f, "{\"type\":\"confirm_subscription\"}"), -EBADMSG);
	assert_null(f.root);
	assert_int_equal(parse(&f, "{\"type\":\"reject_subscription\",\"identifier\":{}}"),
	                 -EBADMSG);
	dt_ac_frame_release(&f); /* harmless after an error */
}

static void test_message(void **state)
{
	struct dt_ac_frame f;
	cJSON *m;

	(void)state;
	assert_int_equal(parse(&f, "{\"identifier\":\"{\\\"channel\\\":\\\"EchoChannel\\\"}\","
	                           "\"message\":{\"text\":\"hi\",\"from\":\"t0k\"}}"),
	                 0);
	assert_int_equal(f.type, DT_AC_MESSAGE);
	assert_null(f.type_name);
	assert_string_equal(f.identifier, ECHO_ID);
	assert_true(cJSON_IsObject(f.message));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(f.message, "text")->valuestring, "hi");
	/* the payload can outlive the frame */
	m = dt_ac_frame_take_message(&f);
	assert_non_null(m);
	assert_null(f.message);
	assert_null(dt_ac_frame_take_message(&f));
	assert_string_equal(f.identifier, ECHO_ID);
	dt_ac_frame_release(&f);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "from")->valuestring, "t0k");
	cJSON_Delete(m);
	/* any JSON value is a payload */
	assert_int_equal(parse(&f, "{\"identifier\":\"x\",\"message\":null}"), 0);
	assert_int_equal(f.type, DT_AC_MESSAGE);
	assert_true(cJSON_IsNull(f.message));
	dt_ac_frame_release(&f);
	assert_int_equal(parse(&f, "{\"message\":\"s\",\"identifier\":\"x\"}"), 0);
	assert_true(cJSON_IsString(f.message));
	dt_ac_frame_release(&f);
	/* data without a subscription is broken */
	assert_int_equal(parse(&f, "{\"message\":{}}"), -EBADMSG);
	assert_int_equal(parse(&f, "{\"message\":{},\"identifier\":5}"), -EBADMSG);
}

static void test_unknown(void **state)
{
	static const char *const in[] = {
	    "{\"type\":\"future_thing\",\"x\":[1,2]}",
	    "{}",
	    "{\"type\":5}",
	    "{\"type\":null,\"message\":{}}",
	    "{\"type\":\"Welcome\"}",
	    "{\"identifier\":\"x\"}",
	};
	static const char *const names[] = {"future_thing", NULL, NULL, NULL, "Welcome", NULL};
	struct dt_ac_frame f;

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
		assert_int_equal(parse(&f, in[i]), 0);
		assert_int_equal(f.type, DT_AC_UNKNOWN);
		if (names[i])
			assert_string_equal(f.type_name, names[i]);
		else
			assert_null(f.type_name);
		assert_null(f.identifier);
		dt_ac_frame_release(&f);
	}
	assert_string_equal(dt_ac_type_name(DT_AC_UNKNOWN), "unknown");
	assert_string_equal(dt_ac_type_name(DT_AC_CONFIRM), "confirm_subscription");
	assert_string_equal(dt_ac_type_name(DT_AC_MESSAGE), "message");
}

static void test_malformed(void **state)
{
	static const char *const in[] = {
	    "",
	    " ",
	    "{",
	    "}",
	    "nope",
	    "[1,2]",
	    "\"welcome\"",
	    "null",
	    "42",
	    "{\"type\":\"welcome\"",
	    "{\"type\":\"welcome\"}x",
	    "{\"type\":\"welcome\"}{\"type\":\"welcome\"}",
	    "{\"type\":\"welc",
	    "{\"type\":\"welcome\",}",
	    "{'type':'welcome'}",
	    "{\"type\":\"\\u12\"}",
	};
	struct dt_ac_frame f;

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
		assert_int_equal(parse(&f, in[i]), -EBADMSG);
		assert_null(f.root);
	}
	/* a NUL inside the frame, and text after it */
	assert_int_equal(parse_exact(&f, "{\"type\":\"welcome\"}\0junk", 23), -EBADMSG);
	assert_int_equal(parse_exact(&f, "{\"type\":\"wel\0come\"}", 19), -EBADMSG);
	assert_int_equal(parse_exact(&f, "{\"type\":\"welcome\"}", 17), -EBADMSG);
	assert_int_equal(dt_ac_frame_parse(&f, NULL, 0), -EBADMSG);
}

static void test_deep_nesting(void **state)
{
	size_t depth = 100000;
	char *s = dt_xmalloc(2 * depth + 40);
	struct dt_ac_frame f;
	size_t n = 0;

	(void)state;
	n += (size_t)sprintf(s, "{\"identifier\":\"x\",\"message\":");
	for (size_t i = 0; i < depth; i++)
		s[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		s[n++] = ']';
	s[n++] = '}';
	/* cJSON refuses nesting beyond its limit: an error, not a crash */
	assert_int_equal(parse_exact(&f, s, n), -EBADMSG);
	free(s);
}

/* ---- client commands ---- */

static void test_build_commands(void **state)
{
	struct dt_sb sb = DT_SB_INIT;
	cJSON *data;

	(void)state;
	assert_int_equal(dt_ac_build_subscribe(&sb, ECHO_ID), 0);
	assert_string_equal(sb.buf, "{\"command\":\"subscribe\","
	                            "\"identifier\":\"{\\\"channel\\\":\\\"EchoChannel\\\"}\"}");
	dt_sb_reset(&sb);
	assert_int_equal(dt_ac_build_unsubscribe(&sb, ECHO_ID), 0);
	assert_string_equal(sb.buf, "{\"command\":\"unsubscribe\","
	                            "\"identifier\":\"{\\\"channel\\\":\\\"EchoChannel\\\"}\"}");
	dt_sb_reset(&sb);
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "action", "speak");
	cJSON_AddStringToObject(data, "text", "hi \"there\"");
	assert_int_equal(dt_ac_build_message(&sb, ECHO_ID, data), 0);
	assert_string_equal(sb.buf, "{\"command\":\"message\","
	                            "\"identifier\":\"{\\\"channel\\\":\\\"EchoChannel\\\"}\","
	                            "\"data\":\"{\\\"action\\\":\\\"speak\\\",\\\"text\\\":"
	                            "\\\"hi \\\\\\\"there\\\\\\\"\\\"}\"}");
	/* the data string decodes back to the object */
	{
		cJSON *cmd = cJSON_Parse(sb.buf);
		cJSON *back = cJSON_Parse(cJSON_GetObjectItem(cmd, "data")->valuestring);

		assert_true(cJSON_Compare(back, data, 1));
		cJSON_Delete(back);
		cJSON_Delete(cmd);
	}
	/* builders append */
	assert_int_equal(dt_ac_build_subscribe(&sb, "x"), 0);
	assert_non_null(strstr(sb.buf, "}{\"command\":\"subscribe\",\"identifier\":\"x\"}"));
	dt_sb_reset(&sb);
	assert_int_equal(dt_ac_build_subscribe(&sb, NULL), -EINVAL);
	assert_int_equal(dt_ac_build_unsubscribe(&sb, NULL), -EINVAL);
	assert_int_equal(dt_ac_build_message(&sb, NULL, data), -EINVAL);
	assert_int_equal(dt_ac_build_message(&sb, ECHO_ID, NULL), -EINVAL);
	cJSON *arr = cJSON_CreateArray();

	assert_int_equal(dt_ac_build_message(&sb, ECHO_ID, arr), -EINVAL);
	assert_int_equal(sb.len, 0);
	cJSON_Delete(arr);
	cJSON_Delete(data);
	dt_sb_release(&sb);
}

static void test_build_identifier(void **state)
{
	struct dt_sb sb = DT_SB_INIT;
	cJSON *params;

	(void)state;
	assert_int_equal(dt_ac_build_identifier(&sb, "EchoChannel", NULL), 0);
	assert_string_equal(sb.buf, ECHO_ID);
	dt_sb_reset(&sb);
	params = cJSON_Parse("{\"room\":\"a b\",\"n\":3,\"deny\":true}");
	assert_int_equal(dt_ac_build_identifier(&sb, "EchoChannel", params), 0);
	assert_string_equal(sb.buf,
	                    "{\"channel\":\"EchoChannel\",\"room\":\"a b\",\"n\":3,\"deny\":true}");
	cJSON_Delete(params);
	dt_sb_reset(&sb);
	params = cJSON_Parse("{\"channel\":\"Other\"}");
	assert_int_equal(dt_ac_build_identifier(&sb, "EchoChannel", params), -EINVAL);
	cJSON_Delete(params);
	params = cJSON_Parse("[1]");
	assert_int_equal(dt_ac_build_identifier(&sb, "EchoChannel", params), -EINVAL);
	cJSON_Delete(params);
	assert_int_equal(dt_ac_build_identifier(&sb, NULL, NULL), -EINVAL);
	assert_int_equal(sb.len, 0);
	dt_sb_release(&sb);
}

#define WF_QUERY                                                                                   \
	"subscription workflowEvents($workflowId: AiDuoWorkflowsWorkflowID!) {\n"                  \
	"  workflowEventsUpdated(workflowId: $workflowId) { checkpoint workflowStatus errors }\n}"

static void test_graphql_identifier(void **state)
{
	struct dt_sb sb = DT_SB_INIT;
	cJSON *vars = cJSON_Parse("{\"workflowId\":\"gid://gitlab/Ai::DuoWorkflows::Workflow/1\"}");
	struct dt_ac_graphql_sub sub = {
	    .query = WF_QUERY,
	    .variables = vars,
	    .operation_name = "workflowEvents",
	    .nonce = "8d0c5b3e-4a0e-4a5b-9a53-2f1f1d7f6c1a",
	};
	cJSON *back;

	(void)state;
	assert_int_equal(dt_ac_graphql_identifier(&sb, &sub), 0);
	assert_string_equal(
	    sb.buf, "{\"channel\":\"GraphqlChannel\",\"query\":\"subscription "
	            "workflowEvents($workflowId: AiDuoWorkflowsWorkflowID!) {\\n  "
	            "workflowEventsUpdated(workflowId: $workflowId) { checkpoint workflowStatus "
	            "errors }\\n}\",\"variables\":{\"workflowId\":\"gid://gitlab/Ai::DuoWorkflows::"
	            "Workflow/1\"},\"operationName\":\"workflowEvents\","
	            "\"nonce\":\"8d0c5b3e-4a0e-4a5b-9a53-2f1f1d7f6c1a\"}");
	back = cJSON_Parse(sb.buf);
	assert_string_equal(cJSON_GetObjectItem(back, "query")->valuestring, WF_QUERY);
	assert_true(cJSON_Compare(cJSON_GetObjectItem(back, "variables"), vars, 1));
	cJSON_Delete(back);
	/* the optional members are left out */
	dt_sb_reset(&sb);
	sub = (struct dt_ac_graphql_sub){.query = "subscription { x }"};
	assert_int_equal(dt_ac_graphql_identifier(&sb, &sub), 0);
	assert_string_equal(sb.buf,
	                    "{\"channel\":\"GraphqlChannel\",\"query\":\"subscription { x }\"}");
	dt_sb_reset(&sb);
	sub.query = NULL;
	assert_int_equal(dt_ac_graphql_identifier(&sb, &sub), -EINVAL);
	sub.query = "q";
	sub.variables = cJSON_GetObjectItem(vars, "workflowId");
	assert_int_equal(dt_ac_graphql_identifier(&sb, &sub), -EINVAL);
	assert_int_equal(sb.len, 0);
	cJSON_Delete(vars);
	dt_sb_release(&sb);
}

/* Encodes s as a JSON string the way Rails' encoder does: <, >, &, U+2028,
 * U+2029 and (here) every non-ASCII character as \u escapes, astral ones as
 * surrogate pairs.  Test-only: a server that escapes differently from cJSON. */
static void rails_string(struct dt_sb *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	dt_sb_addc(out, '"');
	while (*u) {
		unsigned cp = *u, n = 0;

		if (cp >= 0xF0) {
			cp &= 0x07;
			n = 3;
		} else if (cp >= 0xE0) {
			cp &= 0x0F;
			n = 2;
		} else if (cp >= 0xC0) {
			cp &= 0x1F;
			n = 1;
		}
		u++;
		for (unsigned i = 0; i < n; i++)
			cp = cp << 6 | (*u++ & 0x3F);
		if (cp >= 0x10000)
			dt_sb_addf(out, "\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10),
			           0xDC00 + ((cp - 0x10000) & 0x3FF));
		else if (cp >= 0x80 || cp < 0x20 || strchr("<>&", (int)cp))
			dt_sb_addf(out, "\\u%04x", cp);
		else if (cp == '"' || cp == '\\')
			dt_sb_addf(out, "\\%c", (char)cp);
		else
			dt_sb_addc(out, (char)cp);
	}
	dt_sb_addc(out, '"');
}

/* Subscribe, then hear back from a server that re-encodes the identifier
 * its own way: the decoded string must equal ours to the byte. */
static void test_identifier_echo(void **state)
{
	static const char *const queries[] = {
	    "subscription { x }",
	    "subscription { a(b: \"q\\\"uote\") }\n\t<tag> & 'x'",
	    "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE2\x80\xA8 \xEF\xBB\xBF end",
	    "ctl \x01\x1f\x7f / \\/ \\u0041",
	};
	struct dt_sb id = DT_SB_INIT, cmd = DT_SB_INIT, frame = DT_SB_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(queries) / sizeof(*queries); i++) {
		struct dt_ac_graphql_sub sub = {.query = queries[i], .nonce = "n-1"};
		struct dt_ac_frame f;
		cJSON *sent;

		dt_sb_reset(&id);
		dt_sb_reset(&cmd);
		dt_sb_reset(&frame);
		assert_int_equal(dt_ac_graphql_identifier(&id, &sub), 0);
		assert_int_equal(dt_ac_build_subscribe(&cmd, id.buf), 0);
		/* the server's view of what we sent */
		sent = cJSON_Parse(cmd.buf);
		assert_string_equal(cJSON_GetObjectItem(sent, "identifier")->valuestring, id.buf);
		/* and its reply, encoded Rails-style */
		dt_sb_adds(&frame, "{\"identifier\":");
		rails_string(&frame, cJSON_GetObjectItem(sent, "identifier")->valuestring);
		dt_sb_adds(&frame, ",\"type\":\"confirm_subscription\"}");
		cJSON_Delete(sent);
		assert_int_equal(parse(&f, frame.buf), 0);
		assert_int_equal(f.type, DT_AC_CONFIRM);
		assert_int_equal(strlen(f.identifier), id.len);
		assert_memory_equal(f.identifier, id.buf, id.len);
		dt_ac_frame_release(&f);
	}
	dt_sb_release(&id);
	dt_sb_release(&cmd);
	dt_sb_release(&frame);
}

/* ---- GraphqlChannel payloads ---- */

static void gql(const char *frame_text, struct dt_ac_frame *f, struct dt_ac_graphql_result *r,
                int want)
{
	assert_int_equal(parse(f, frame_text), 0);
	assert_int_equal(f->type, DT_AC_MESSAGE);
	assert_int_equal(dt_ac_graphql_result(f->message, r), want);
}

static void test_graphql_result(void **state)
{
	struct dt_ac_frame f;
	struct dt_ac_graphql_result r;
	const cJSON *ev;

	(void)state;
	/* an event, as the Rails server in real-peers.md sent it */
	gql("{\"identifier\":\"{\\\"channel\\\":\\\"GraphqlChannel\\\",\\\"query\\\":\\\"s\\\"}\","
	    "\"message\":{\"result\":{\"data\":{\"workflowEventsUpdated\":{\"checkpoint\":"
	    "\"step 0\"}}},\"more\":true}}",
	    &f, &r, 0);
	assert_string_equal(f.identifier, "{\"channel\":\"GraphqlChannel\",\"query\":\"s\"}");
	assert_int_equal(r.more, 1);
	assert_null(r.errors);
	ev = cJSON_GetObjectItem(r.data, "workflowEventsUpdated");
	assert_string_equal(cJSON_GetObjectItem(ev, "checkpoint")->valuestring, "step 0");
	dt_ac_frame_release(&f);
	/* the first message after subscribing carries a null payload */
	gql("{\"identifier\":\"i\",\"message\":{\"result\":{\"data\":{\"workflowEventsUpdated\":"
	    "null}},\"more\":true}}",
	    &f, &r, 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(r.data, "workflowEventsUpdated")));
	assert_int_equal(r.more, 1);
	dt_ac_frame_release(&f);
	gql("{\"identifier\":\"i\",\"message\":{\"result\":{\"data\":null},\"more\":true}}", &f, &r,
	    0);
	assert_true(cJSON_IsNull(r.data));
	dt_ac_frame_release(&f);
	/* the end */
	gql("{\"identifier\":\"i\",\"message\":{\"result\":{\"data\":{}},\"more\":false}}", &f, &r,
	    0);
	assert_int_equal(r.more, 0);
	dt_ac_frame_release(&f);
	/* errors at the top, as for bad variables */
	gql("{\"identifier\":\"i\",\"message\":{\"errors\":[{\"message\":\"Variable $workflowId "
	    "of type AiDuoWorkflowsWorkflowID! was provided invalid value\"}]}}",
	    &f, &r, 0);
	assert_null(r.data);
	assert_int_equal(r.more, 0);
	assert_int_equal(cJSON_GetArraySize(r.errors), 1);
	assert_non_null(
	    strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(r.errors, 0), "message")->valuestring,
	           "invalid value"));
	dt_ac_frame_release(&f);
	/* errors inside the result, next to null data */
	gql("{\"identifier\":\"i\",\"message\":{\"result\":{\"data\":null,\"errors\":[{\"message\":"
	    "\"denied\"}]},\"more\":false}}",
	    &f, &r, 0);
	assert_true(cJSON_IsNull(r.data));
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(r.errors, 0), "message")->valuestring, "denied");
	dt_ac_frame_release(&f);
	/* an empty errors list is no error */
	gql("{\"identifier\":\"i\",\"message\":{\"result\":{\"data\":{},\"errors\":[]},"
	    "\"more\":true}}",
	    &f, &r, 0);
	assert_null(r.errors);
	dt_ac_frame_release(&f);
	/* not GraphQL shapes */
	gql("{\"identifier\":\"i\",\"message\":{\"text\":\"hi\"}}", &f, &r, -EBADMSG);
	dt_ac_frame_release(&f);
	gql("{\"identifier\":\"i\",\"message\":[1]}", &f, &r, -EBADMSG);
	dt_ac_frame_release(&f);
	gql("{\"identifier\":\"i\",\"message\":{\"result\":5}}", &f, &r, -EBADMSG);
	dt_ac_frame_release(&f);
	gql("{\"identifier\":\"i\",\"message\":{\"errors\":\"bad\"}}", &f, &r, -EBADMSG);
	dt_ac_frame_release(&f);
	assert_int_equal(dt_ac_graphql_result(NULL, &r), -EBADMSG);
}

/* The whole exchange from real-peers.md section 2, in order. */
static void test_recorded_session(void **state)
{
	static const char gql_id[] =
	    "{\"channel\":\"GraphqlChannel\",\"query\":\"subscription { workflowEventsUpdated "
	    "{ checkpoint } }\",\"variables\":{\"workflowId\":\"gid://gitlab/Ai::DuoWorkflows::"
	    "Workflow/1\"}}";
	static const char *const frames[] = {
	    "{\"type\":\"welcome\"}",
	    "{\"identifier\":\"{\\\"channel\\\":\\\"EchoChannel\\\"}\",\"type\":"
	    "\"confirm_subscription\"}",
	    "{\"identifier\":\"{\\\"channel\\\":\\\"GraphqlChannel\\\",\\\"query\\\":"
	    "\\\"subscription { workflowEventsUpdated { checkpoint } }\\\",\\\"variables\\\":"
	    "{\\\"workflowId\\\":\\\"gid://gitlab/Ai::DuoWorkflows::Workflow/1\\\"}}\","
	    "\"type\":\"confirm_subscription\"}",
	    "{\"type\":\"ping\",\"message\":1795313157}",
	    "{\"identifier\":\"{\\\"channel\\\":\\\"EchoChannel\\\"}\",\"message\":{\"text\":"
	    "\"hi\",\"from\":\"t0k\"}}",
	    "{\"identifier\":\"{\\\"channel\\\":\\\"GraphqlChannel\\\",\\\"query\\\":"
	    "\\\"subscription { workflowEventsUpdated { checkpoint } }\\\",\\\"variables\\\":"
	    "{\\\"workflowId\\\":\\\"gid://gitlab/Ai::DuoWorkflows::Workflow/1\\\"}}\","
	    "\"message\":{\"result\":{\"data\":{\"workflowEventsUpdated\":{\"checkpoint\":"
	    "\"step 0\"}}},\"more\":true}}",
	    "{\"type\":\"disconnect\",\"reason\":\"unauthorized\",\"reconnect\":false}",
	};
	static const enum dt_ac_type want[] = {
	    DT_AC_WELCOME, DT_AC_CONFIRM, DT_AC_CONFIRM,    DT_AC_PING,
	    DT_AC_MESSAGE, DT_AC_MESSAGE, DT_AC_DISCONNECT,
	};
	struct dt_sb id = DT_SB_INIT;
	cJSON *vars = cJSON_Parse("{\"workflowId\":\"gid://gitlab/Ai::DuoWorkflows::Workflow/1\"}");
	struct dt_ac_graphql_sub sub = {
	    .query = "subscription { workflowEventsUpdated { checkpoint } }",
	    .variables = vars,
	};

	(void)state;
	/* what the client sent is what we build */
	assert_int_equal(dt_ac_graphql_identifier(&id, &sub), 0);
	assert_string_equal(id.buf, gql_id);
	for (size_t i = 0; i < sizeof(frames) / sizeof(*frames); i++) {
		struct dt_ac_frame f;

		assert_int_equal(parse(&f, frames[i]), 0);
		assert_int_equal(f.type, want[i]);
		if (i == 2 || i == 5)
			assert_string_equal(f.identifier, id.buf);
		dt_ac_frame_release(&f);
	}
	cJSON_Delete(vars);
	dt_sb_release(&id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_welcome),
	    cmocka_unit_test(test_ping),
	    cmocka_unit_test(test_disconnect),
	    cmocka_unit_test(test_confirm_reject),
	    cmocka_unit_test(test_message),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_build_commands),
	    cmocka_unit_test(test_build_identifier),
	    cmocka_unit_test(test_graphql_identifier),
	    cmocka_unit_test(test_identifier_echo),
	    cmocka_unit_test(test_graphql_result),
	    cmocka_unit_test(test_recorded_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
