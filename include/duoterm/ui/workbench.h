/*
 * The interactive session: the loop, the net thread, the screen and the
 * model, wired together.  dt_workbench_run() returns when the user quits or
 * a SIGTERM/SIGHUP arrives, with the terminal restored and the net thread
 * joined.
 */
#ifndef DUOTERM_UI_WORKBENCH_H
#define DUOTERM_UI_WORKBENCH_H

#include "duoterm/core/config.h"

struct dt_workbench_opts {
	struct dt_config *cfg;
	int demo;
	int no_colour;
	const char *theme; /* --theme NAME|FILE, or NULL */
	const char *resume; /* --resume[=ID]: "" = the latest session; NULL: a new one */
	/* benchmarks: exit after this many ms of running (0 = never) */
	int exit_after_ms;
};

/* Exit status for main: 0, or 1 with a message already printed. */
int dt_workbench_run(const struct dt_workbench_opts *opts);

#endif
