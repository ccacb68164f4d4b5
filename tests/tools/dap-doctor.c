/* Runs `duoterm doctor` (ui/doctor.h) until main.c wires it: config from the
 * environment, context from the current directory.  dap-doctor [--json] */
#include <string.h>

#include "duoterm/core/config.h"
#include "duoterm/ui/context.h"
#include "duoterm/ui/doctor.h"

int main(int argc, char **argv)
{
	struct dt_config cfg = {0};
	struct dt_context ctx = {0};
	struct dt_sb err = DT_SB_INIT;
	int rc;

	dt_config_load(&cfg, &err);
	dt_context_detect(&ctx, &cfg);
	rc = dt_doctor_run(&cfg, &ctx, argc > 1 && !strcmp(argv[1], "--json"));
	dt_context_release(&ctx);
	dt_config_release(&cfg);
	dt_sb_release(&err);
	return rc;
}
