/*
 * `duoterm status`: the headless check of what the workbench would load —
 * instance, user, project and the counts behind the side panels — through
 * the same net thread and loop as the workbench.
 */
#ifndef DUOTERM_UI_STATUS_H
#define DUOTERM_UI_STATUS_H

#include "duoterm/ui/context.h"

/* Prints the report (text or JSON) and returns the exit status: 0 all
 * answered, 1 something failed (said why). */
int dt_status_run(const struct dt_config *cfg, const struct dt_context *ctx, int json);

#endif
