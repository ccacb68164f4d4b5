/*
 * Signing in to GitLab: the credentials file, OAuth 2 authorization code
 * with PKCE (S256), and keeping an OAuth token fresh.
 *
 * Credentials file ($XDG_CONFIG_HOME/duoterm/credentials.json, 0600,
 * written atomically), one entry per instance URL:
 *   {"instances": {"https://gitlab.com": {"token": "...", "type": "pat"|"oauth",
 *     "refresh_token": "...", "expires_at": <unix s>, "client_id": "...",
 *     "user": "dana"}}}
 * config.c reads "token" for every type, so an OAuth access token works
 * wherever a personal access token does.
 *
 * Tokens are registered with the log's redaction as soon as they are read
 * or received, and never printed.
 */
#ifndef DUOTERM_GITLAB_AUTH_H
#define DUOTERM_GITLAB_AUTH_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/gitlab/client.h"

struct dt_loop;

struct dt_gl_creds {
	char *token, *type, *refresh_token, *client_id, *user;
	long long expires_at; /* unix seconds; 0: does not expire / unknown */
};

/* 0 and *out, -ENOENT when the file or the instance has no entry, or
 * -EBADMSG when the file is not JSON. */
int dt_gl_creds_load(const char *file, const char *instance, struct dt_gl_creds *out);
/* Stores (or replaces) the instance's entry, keeping the others; creates the
 * directory (0700) and writes the file atomically with mode 0600. 0/-errno. */
int dt_gl_creds_save(const char *file, const char *instance, const struct dt_gl_creds *c);
/* Removes the instance's entry: 0, -ENOENT when there was none. */
int dt_gl_creds_remove(const char *file, const char *instance);
void dt_gl_creds_release(struct dt_gl_creds *c);

/* ---- PKCE and the OAuth requests (pure) ---- */

struct dt_gl_pkce {
	char verifier[64];  /* 43 chars: base64url of 32 random bytes */
	char challenge[64]; /* base64url(SHA-256(verifier)), 43 chars */
	char state[32];     /* base64url of 16 random bytes */
};

/* Fresh random values (OpenSSL RAND_bytes).  0 or -1. */
int dt_gl_pkce_new(struct dt_gl_pkce *p);
/* base64url(SHA-256(verifier)) without padding into out (>= 44 bytes). */
void dt_gl_pkce_challenge(const char *verifier, char *out);
/* base64url without padding of n bytes into out (>= 4*n/3 + 2 bytes). */
void dt_gl_base64url(const unsigned char *in, size_t n, char *out);

/* <instance>/oauth/authorize?client_id=..&redirect_uri=..&response_type=code
 * &state=..&scope=api&code_challenge=..&code_challenge_method=S256 */
void dt_gl_oauth_authorize_url(struct dt_sb *out, const char *instance, const char *client_id,
			       const char *redirect_uri, const struct dt_gl_pkce *p,
			       const char *scope);
/* application/x-www-form-urlencoded bodies for POST /oauth/token.  secret
 * may be NULL (a public application). */
void dt_gl_oauth_code_body(struct dt_sb *out, const char *client_id, const char *secret,
			   const char *code, const char *redirect_uri, const char *verifier);
void dt_gl_oauth_refresh_form(struct dt_sb *out, const char *client_id, const char *secret,
			      const char *refresh_token);
/* A token response into c: token (access_token), refresh_token (kept as it
 * was when the answer has none: rotation-safe), expires_at from expires_in
 * and created_at (or now).  0, or -1 with GitLab's error_description in err. */
int dt_gl_oauth_parse_token(const char *json, size_t len, long long now_s,
			    struct dt_gl_creds *c, struct dt_sb *err);
/* Reads code and state (or error) from a callback request line
 * "GET /callback?code=..&state=.. HTTP/1.1".  0, or -1 with a reason. */
int dt_gl_oauth_parse_callback(const char *request_line, const char *path, char **code,
			       char **state, struct dt_sb *err);
/* %-encodes for a query or form value. */
void dt_gl_urlencode(struct dt_sb *out, const char *s);

/* ---- keeping an OAuth token fresh (main thread) ---- */

/*
 * Refreshes before expiry (5 minutes ahead, one one-shot timer) and on a
 * 401 (the client's reauth hook), one refresh at a time: 401s that arrive
 * during a refresh wait for it.  The new tokens go to the client and the
 * credentials file.  When the refresh is refused, the client's parked
 * calls fail with "sign in again".
 */
struct dt_gl_oauth {
	struct dt_gl_client *client;
	struct dt_loop *loop;
	char *instance, *file, *secret;
	struct dt_gl_creds creds;
	int refreshing;
	unsigned long refreshes;
	unsigned long long timer;
	dt_net_id id;
	struct dt_sb resp;
	long status;
};

/* 0; -ENOENT when the instance has no OAuth entry (nothing to do). */
int dt_gl_oauth_attach(struct dt_gl_oauth *o, struct dt_gl_client *client, struct dt_loop *loop,
		       const char *file, const char *instance);
/* Starts a refresh now (no-op while one runs).  0 or -errno. */
int dt_gl_oauth_refresh(struct dt_gl_oauth *o);
/* After dt_net_stop (a refresh in flight is dropped). */
void dt_gl_oauth_release(struct dt_gl_oauth *o);

#endif
