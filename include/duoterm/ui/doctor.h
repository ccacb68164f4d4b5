/*
 * `duoterm doctor`: the client-side health check.  Each check is pass, fail
 * or skipped, with the reason and a fix hint: instance reachable (DNS, TCP,
 * TLS with the configured CA, the HTTP version negotiated), the token and
 * its scopes, user and project, Duo available for the project, WebSocket
 * upgrades on /-/cable and on the Duo Agent Platform endpoint (a proxy that
 * strips Upgrade/Connection is named), the AI gateway and a direct-access
 * token, the configured model provider's /models, the proxy settings.
 *
 * Prints a report (json: one JSON object, the "download report") on stdout.
 * Returns 0 when every required check passed, 1 otherwise.
 */
#ifndef DUOTERM_UI_DOCTOR_H
#define DUOTERM_UI_DOCTOR_H

#include "duoterm/core/config.h"
#include "duoterm/ui/context.h"

int dt_doctor_run(const struct dt_config *cfg, const struct dt_context *ctx, int json);

#endif
