/*
 * The built-in demo sandbox: a throwaway copy of a small sample repository
 * and the local simulator (tests/sim) playing GitLab and a model.  The
 * simulator reads its stdin from a pipe that only duoterm holds, so it also
 * goes away if duoterm is killed.
 */
#ifndef DUOTERM_CORE_DEMO_H
#define DUOTERM_CORE_DEMO_H

#include "duoterm/core/config.h"
#include "duoterm/core/proc.h"
#include "duoterm/core/strbuf.h"

#define DT_DEMO_TOKEN "glpat-demo-0000000000000000"
#define DT_DEMO_MODEL_KEY "sk-demo-0000000000000000"
#define DT_DEMO_PROJECT "duoterm-demo/tools/sandbox"

struct dt_demo {
	struct dt_proc sim;
	char *dir;      /* the temporary directory (removed by dt_demo_stop) */
	char *repo;     /* the sample repository inside it */
	char *base_url; /* http://127.0.0.1:PORT */
};

/* Finds the simulator: $DUOTERM_SIM, beside the binary's source tree, or
 * the installed copy.  NULL when none is found. */
char *dt_demo_find_sim(void);
/* Starts the simulator, makes the sample repository, chdirs into it and
 * points cfg at the simulator.  0, or -1 with the reason in err. */
int dt_demo_start(struct dt_demo *d, struct dt_config *cfg, struct dt_sb *err);
/* Stops the simulator and removes the sandbox. */
void dt_demo_stop(struct dt_demo *d);

#endif
