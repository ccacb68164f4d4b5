/*
 * What every front end (the workbench, headless commands) runs on: the
 * main loop, the queue the net thread answers on, and the net thread.
 * Messages that arrive are dispatched to their layer on the main thread.
 */
#ifndef DUOTERM_UI_RUNTIME_H
#define DUOTERM_UI_RUNTIME_H

#include "duoterm/core/bus.h"
#include "duoterm/core/config.h"
#include "duoterm/core/loop.h"

struct dt_net;

struct dt_runtime {
	struct dt_loop loop;
	struct dt_queue to_main;
	struct dt_net *net;
};

/* 0, or -1 with a reason in err. */
int dt_runtime_init(struct dt_runtime *rt, const struct dt_config *cfg, struct dt_sb *err);
/* Stops the net thread (in-flight callbacks are dropped) and frees. */
void dt_runtime_release(struct dt_runtime *rt);

#endif
