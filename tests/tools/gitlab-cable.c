/*
 * The ActionCable client (net/actioncable.h) against a real ActionCable
 * server (tests/interop/cable.ru under puma), for
 * tests/integration/gitlab-cable-interop.sh.  Prints one JSON line per event.
 *
 *   gitlab-cable URL TOKEN main   subscribe Graphql, Echo (speak), Deny, an
 *                                 unknown channel; wait for a ping; close
 *   gitlab-cable URL TOKEN bad    expect the server's disconnect, no reconnect
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "duoterm/core/config.h"
#include "duoterm/core/loop.h"
#include "duoterm/net/actioncable.h"
#include "duoterm/net/actioncable_proto.h"
#include "duoterm/ui/runtime.h"

static struct dt_runtime rt;
static struct dt_ac_client *ac;
static struct dt_sb gql = DT_SB_INIT;
static const char *echo = "{\"channel\":\"EchoChannel\"}";
static const char *deny = "{\"channel\":\"DenyChannel\"}";
static const char *unknown = "{\"channel\":\"NoSuchChannel\"}";
static int closed, graphql_events, echoed, rejected, timed_out, subscribed;

static const char *name(const char *id)
{
	if (!id)
		return "";
	if (!strcmp(id, gql.buf))
		return "graphql";
	if (!strcmp(id, echo))
		return "echo";
	if (!strcmp(id, deny))
		return "deny";
	if (!strcmp(id, unknown))
		return "unknown";
	return "?";
}

static void on_event(const struct dt_ac_event *ev, void *ud)
{
	static const char *const types[] = {"connected", "down", "confirmed", "rejected",
					    "sub_timeout", "message", "closed"};
	char *msg = ev->message ? cJSON_PrintUnformatted(ev->message) : NULL;

	(void)ud;
	printf("{\"ev\":\"%s\",\"sub\":\"%s\",\"final\":%d,\"reason\":\"%s\",\"message\":%s}\n",
	       types[ev->type], name(ev->identifier), ev->final, ev->reason ? ev->reason : "",
	       msg ? msg : "null");
	fflush(stdout);
	free(msg);
	switch (ev->type) {
	case DT_AC_EV_CONNECTED:
		if (!subscribed++) {
			dt_ac_subscribe(ac, gql.buf);
			dt_ac_subscribe(ac, echo);
			dt_ac_subscribe(ac, deny);
			dt_ac_subscribe(ac, unknown);
		}
		break;
	case DT_AC_EV_CONFIRMED:
		if (!strcmp(ev->identifier, echo)) {
			cJSON *d = cJSON_CreateObject();

			cJSON_AddStringToObject(d, "action", "speak");
			cJSON_AddStringToObject(d, "text", "hello from duoterm");
			dt_ac_perform(ac, echo, d);
			cJSON_Delete(d);
		}
		break;
	case DT_AC_EV_MESSAGE:
		if (!strcmp(name(ev->identifier), "graphql")) {
			struct dt_ac_graphql_result r;

			if (!dt_ac_graphql_result(ev->message, &r))
				graphql_events++;
		} else if (!strcmp(name(ev->identifier), "echo")) {
			echoed++;
		}
		break;
	case DT_AC_EV_REJECTED:
		rejected++;
		break;
	case DT_AC_EV_SUB_TIMEOUT:
		timed_out++;
		break;
	case DT_AC_EV_CLOSED:
		if (ev->final) {
			closed = 1;
			ac = NULL;
		}
		break;
	default:
		break;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_until(long long deadline, int (*done)(void))
{
	while (now_ms() < deadline && !done())
		dt_loop_run_once(&rt.loop, 50);
}

static int main_done(void)
{
	struct dt_ac_stats st;

	if (closed)
		return 1;
	dt_ac_get_stats(ac, &st);
	return graphql_events >= 4 && echoed && rejected && timed_out && st.pings >= 1;
}

static int is_closed(void)
{
	return closed;
}

int main(int argc, char **argv)
{
	struct dt_config cfg = {0};
	struct dt_sb err = DT_SB_INIT;
	struct dt_ac_opts o = DT_AC_OPTS_INIT;
	struct dt_ac_stats st = {0};
	struct dt_ac_graphql_sub sub = {
		.query = "subscription ciPipelineStatusUpdated($pipelineId: CiPipelineID!) "
			 "{ ciPipelineStatusUpdated(pipelineId: $pipelineId) { id status } }",
		.operation_name = "ciPipelineStatusUpdated"};
	cJSON *vars = cJSON_CreateObject();
	int rc = 0;

	if (argc < 4)
		return 2;
	if (dt_runtime_init(&rt, &cfg, &err))
		return 1;
	cJSON_AddStringToObject(vars, "pipelineId", "gid://gitlab/Ci::Pipeline/312");
	sub.variables = vars;
	dt_ac_graphql_identifier(&gql, &sub);
	o.url = argv[1];
	o.token = argv[2];
	o.subscribe_timeout_ms = 1500;
	o.ping_timeout_ms = 8000;
	o.reconnect_base_ms = 200;
	ac = dt_ac_open(rt.net, &rt.loop, &o, on_event, NULL);
	if (!ac)
		return 1;
	if (!strcmp(argv[3], "main")) {
		run_until(now_ms() + 10000, main_done);
		if (ac)
			dt_ac_get_stats(ac, &st);
		printf("{\"ev\":\"summary\",\"graphql\":%d,\"echo\":%d,\"rejected\":%d,\"timeout\":%d,"
		       "\"pings\":%lu,\"connects\":%lu,\"closed\":%d}\n",
		       graphql_events, echoed, rejected, timed_out, st.pings, st.connects, closed);
		if (ac)
			dt_ac_close(ac);
		run_until(now_ms() + 3000, is_closed);
		printf("{\"ev\":\"end\",\"closed\":%d}\n", closed);
	} else {
		run_until(now_ms() + 3000, is_closed);
		/* and nothing more: no reconnect after reconnect:false */
		long long until = now_ms() + 1500;

		while (now_ms() < until)
			dt_loop_run_once(&rt.loop, 50);
		printf("{\"ev\":\"end\",\"closed\":%d}\n", closed);
	}
	fflush(stdout);
	dt_runtime_release(&rt);
	if (ac)
		dt_ac_free(ac);
	cJSON_Delete(vars);
	dt_sb_release(&gql);
	dt_sb_release(&err);
	return rc;
}
