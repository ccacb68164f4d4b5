#include "duoterm/ui/runtime.h"

#include "duoterm/core/log.h"
#include "duoterm/net/net.h"

static void dispatch(struct dt_msg *msg)
{
	if (DT_NET_IS_EVENT(msg->type)) {
		dt_net_dispatch(msg);
		return;
	}
	dt_warn("main", "dropping a message of unknown type 0x%x", msg->type);
	dt_msg_free(msg);
}

static void on_wake(struct dt_loop *loop, void *ud)
{
	struct dt_runtime *rt = ud;
	struct dt_msg *list = dt_queue_pop_all(&rt->to_main);

	(void)loop;
	while (list) {
		struct dt_msg *next = list->next;

		dispatch(list);
		list = next;
	}
}

int dt_runtime_init(struct dt_runtime *rt, const struct dt_config *cfg, struct dt_sb *err)
{
	struct dt_net_opts opts = DT_NET_OPTS_INIT;

	*rt = (struct dt_runtime){0};
	if (dt_loop_init(&rt->loop)) {
		dt_sb_adds(err, "cannot create the event loop");
		return -1;
	}
	if (dt_queue_init(&rt->to_main, 0, dt_loop_wake_cb, &rt->loop)) {
		dt_loop_release(&rt->loop);
		dt_sb_adds(err, "cannot create the message queue");
		return -1;
	}
	dt_loop_on_wake(&rt->loop, on_wake, rt);
	opts.ca_file = cfg->ca_file;
	opts.insecure = dt_config_bool(cfg->tls_insecure);
	opts.user_agent = "duoterm/" DUOTERM_VERSION;
	rt->net = dt_net_start(&rt->to_main, &opts);
	if (!rt->net) {
		dt_sb_adds(err, "cannot start the network thread (see the log)");
		dt_queue_release(&rt->to_main);
		dt_loop_release(&rt->loop);
		return -1;
	}
	return 0;
}

void dt_runtime_release(struct dt_runtime *rt)
{
	dt_net_stop(rt->net);
	rt->net = NULL;
	dt_queue_close(&rt->to_main);
	dt_queue_release(&rt->to_main); /* frees undelivered events */
	dt_loop_release(&rt->loop);
}
