/*
 * `duoterm login` and `duoterm logout`: sign in to a GitLab instance and
 * store the token in the credentials file (see gitlab/auth.h).
 *
 *   duoterm login [--instance URL] [--token-stdin]
 *       A personal access token: typed at a hidden prompt (or read from
 *       standard input with --token-stdin / when stdin is not a terminal),
 *       checked with GET /api/v4/user and /personal_access_tokens/self
 *       (the user and the token's scopes are shown, never the token).
 *   duoterm login --oauth [--port N] [--instance URL]
 *       OAuth authorization code + PKCE (S256): prints the authorization
 *       URL (and opens it with $BROWSER when set), waits up to 120 s for
 *       the browser on http://127.0.0.1:N/callback (N: --port, else the
 *       port of GITLAB_OAUTH_CALLBACK_URL, else 8080), exchanges the code.
 *       The application: GITLAB_OAUTH_APP_ID (required),
 *       GITLAB_OAUTH_APP_SECRET (confidential applications only),
 *       GITLAB_OAUTH_CALLBACK_URL (default http://127.0.0.1:N/callback).
 *   duoterm logout [--instance URL]
 *       Removes the instance's entry from the credentials file.
 *
 * argv[0] is the subcommand name ("login"/"logout").  Exit status: 0 done,
 * 1 failed (a message on stderr), 2 bad usage.
 */
#ifndef DUOTERM_UI_LOGIN_H
#define DUOTERM_UI_LOGIN_H

#include "duoterm/core/config.h"

int dt_login_run(struct dt_config *cfg, int argc, char **argv);
int dt_logout_run(struct dt_config *cfg, int argc, char **argv);

#endif
