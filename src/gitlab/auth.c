#include "duoterm/gitlab/auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "duoterm/core/config.h"
#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/gitlab/model.h"

/* ---- the credentials file ---- */

static char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? dt_xstrdup(v->valuestring) : NULL;
}

static cJSON *read_creds(const char *file, int *err)
{
	char *text = dt_read_file(file, NULL);
	cJSON *root;

	*err = 0;
	if (!text) {
		*err = -ENOENT;
		return NULL;
	}
	root = cJSON_Parse(text);
	explicit_bzero(text, strlen(text));
	free(text);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		*err = -EBADMSG;
		return NULL;
	}
	return root;
}

int dt_gl_creds_load(const char *file, const char *instance, struct dt_gl_creds *out)
{
	int err;
	cJSON *root = read_creds(file, &err);
	const cJSON *e, *x;

	*out = (struct dt_gl_creds){0};
	if (!root)
		return err;
	e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "instances"),
					     instance);
	if (!cJSON_IsObject(e)) {
		cJSON_Delete(root);
		return -ENOENT;
	}
	out->token = jstr(e, "token");
	out->type = jstr(e, "type");
	out->refresh_token = jstr(e, "refresh_token");
	out->client_id = jstr(e, "client_id");
	out->user = jstr(e, "user");
	x = cJSON_GetObjectItemCaseSensitive(e, "expires_at");
	out->expires_at = cJSON_IsNumber(x) ? (long long)x->valuedouble : 0;
	if (out->token)
		dt_secret_register(out->token);
	if (out->refresh_token)
		dt_secret_register(out->refresh_token);
	cJSON_Delete(root);
	return out->token ? 0 : -ENOENT;
}

static int write_creds(const char *file, cJSON *root)
{
	char *dir = dt_xstrdup(file), *slash = strrchr(dir, '/'), *text;
	int rc;

	if (slash) {
		*slash = 0;
		dt_mkdir_p(dir, 0700);
	}
	free(dir);
	text = cJSON_Print(root);
	rc = dt_write_file_atomic(file, text, strlen(text), 0600);
	explicit_bzero(text, strlen(text));
	free(text);
	return rc;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

int dt_gl_creds_save(const char *file, const char *instance, const struct dt_gl_creds *c)
{
	int err, rc;
	cJSON *root = read_creds(file, &err), *inst, *e = cJSON_CreateObject();

	if (!root)
		root = cJSON_CreateObject();
	inst = cJSON_GetObjectItemCaseSensitive(root, "instances");
	if (!cJSON_IsObject(inst)) {
		cJSON_DeleteItemFromObjectCaseSensitive(root, "instances");
		inst = cJSON_AddObjectToObject(root, "instances");
	}
	add_str(e, "token", c->token);
	add_str(e, "type", c->type ? c->type : "pat");
	add_str(e, "refresh_token", c->refresh_token);
	if (c->expires_at)
		cJSON_AddNumberToObject(e, "expires_at", (double)c->expires_at);
	add_str(e, "client_id", c->client_id);
	add_str(e, "user", c->user);
	cJSON_DeleteItemFromObjectCaseSensitive(inst, instance);
	cJSON_AddItemToObject(inst, instance, e);
	rc = write_creds(file, root);
	cJSON_Delete(root);
	return rc;
}

int dt_gl_creds_remove(const char *file, const char *instance)
{
	int err, rc;
	cJSON *root = read_creds(file, &err), *inst;

	if (!root)
		return err;
	inst = cJSON_GetObjectItemCaseSensitive(root, "instances");
	if (!cJSON_GetObjectItemCaseSensitive(inst, instance)) {
		cJSON_Delete(root);
		return -ENOENT;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(inst, instance);
	rc = write_creds(file, root);
	cJSON_Delete(root);
	return rc;
}

static void wipe(char **s)
{
	if (*s)
		explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

void dt_gl_creds_release(struct dt_gl_creds *c)
{
	wipe(&c->token);
	wipe(&c->refresh_token);
	free(c->type);
	free(c->client_id);
	free(c->user);
	*c = (struct dt_gl_creds){0};
}

/* ---- PKCE ---- */

void dt_gl_base64url(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		out[o++] = tab[in[i] >> 2];
		out[o++] = tab[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		out[o++] = tab[in[i] >> 2];
		out[o++] = tab[((in[i] & 3) << 4) | in[i + 1] >> 4];
		out[o++] = tab[(in[i + 1] & 15) << 2];
	}
	out[o] = 0;
}

void dt_gl_pkce_challenge(const char *verifier, char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)verifier, strlen(verifier), md);
	dt_gl_base64url(md, sizeof(md), out);
}

int dt_gl_pkce_new(struct dt_gl_pkce *p)
{
	unsigned char v[32], s[16];

	if (RAND_bytes(v, sizeof(v)) != 1 || RAND_bytes(s, sizeof(s)) != 1)
		return -1;
	dt_gl_base64url(v, sizeof(v), p->verifier);
	dt_gl_base64url(s, sizeof(s), p->state);
	dt_gl_pkce_challenge(p->verifier, p->challenge);
	explicit_bzero(v, sizeof(v));
	return 0;
}

void dt_gl_urlencode(struct dt_sb *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			dt_sb_addc(out, (char)c);
		else
			dt_sb_addf(out, "%%%02X", c);
	}
}

static void param(struct dt_sb *out, const char *name, const char *value)
{
	if (!value)
		return;
	if (out->len && out->buf[out->len - 1] != '?')
		dt_sb_addc(out, '&');
	dt_sb_adds(out, name);
	dt_sb_addc(out, '=');
	dt_gl_urlencode(out, value);
}

void dt_gl_oauth_authorize_url(struct dt_sb *out, const char *instance, const char *client_id,
			       const char *redirect_uri, const struct dt_gl_pkce *p,
			       const char *scope)
{
	dt_sb_addf(out, "%s/oauth/authorize?", instance);
	param(out, "client_id", client_id);
	param(out, "redirect_uri", redirect_uri);
	param(out, "response_type", "code");
	param(out, "state", p->state);
	param(out, "scope", scope ? scope : "api");
	param(out, "code_challenge", p->challenge);
	param(out, "code_challenge_method", "S256");
}

void dt_gl_oauth_code_body(struct dt_sb *out, const char *client_id, const char *secret,
			   const char *code, const char *redirect_uri, const char *verifier)
{
	param(out, "client_id", client_id);
	param(out, "client_secret", secret);
	param(out, "grant_type", "authorization_code");
	param(out, "code", code);
	param(out, "redirect_uri", redirect_uri);
	param(out, "code_verifier", verifier);
}

void dt_gl_oauth_refresh_form(struct dt_sb *out, const char *client_id, const char *secret,
			      const char *refresh_token)
{
	param(out, "client_id", client_id);
	param(out, "client_secret", secret);
	param(out, "grant_type", "refresh_token");
	param(out, "refresh_token", refresh_token);
}

int dt_gl_oauth_parse_token(const char *json, size_t len, long long now_s,
			    struct dt_gl_creds *c, struct dt_sb *err)
{
	cJSON *root = cJSON_ParseWithLength(json ? json : "", len);
	char *access, *refresh, *msg;
	const cJSON *ei, *ca;

	access = cJSON_IsObject(root) ? jstr(root, "access_token") : NULL;
	if (!access) {
		msg = dt_gl_error_message(json, len);
		dt_sb_addf(err, "GitLab did not give a token%s%s", msg ? ": " : "", msg ? msg : "");
		free(msg);
		cJSON_Delete(root);
		return -1;
	}
	dt_secret_register(access);
	wipe(&c->token);
	c->token = access;
	refresh = jstr(root, "refresh_token");
	if (refresh) { /* else keep the old one: rotation-safe */
		dt_secret_register(refresh);
		wipe(&c->refresh_token);
		c->refresh_token = refresh;
	}
	ei = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
	ca = cJSON_GetObjectItemCaseSensitive(root, "created_at");
	if (cJSON_IsNumber(ca) && ca->valuedouble > 1e9 && ca->valuedouble < 1e11)
		now_s = (long long)ca->valuedouble;
	c->expires_at = cJSON_IsNumber(ei) && ei->valuedouble > 0 && ei->valuedouble < 1e9 ?
				now_s + (long long)ei->valuedouble : 0;
	free(c->type);
	c->type = dt_xstrdup("oauth");
	cJSON_Delete(root);
	return 0;
}

static int query_value(const char *q, const char *name, char **out)
{
	size_t n = strlen(name);

	for (const char *p = q; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, n) || p[n] != '=')
			continue;
		struct dt_sb sb = DT_SB_INIT;
		const char *v = p + n + 1;

		for (; *v && *v != '&' && *v != ' '; v++) {
			unsigned h;

			if (*v == '%' && sscanf(v + 1, "%2x", &h) == 1 && v[1] && v[2]) {
				dt_sb_addc(&sb, (char)h);
				v += 2;
			} else {
				dt_sb_addc(&sb, *v == '+' ? ' ' : *v);
			}
		}
		*out = dt_sb_detach(&sb, NULL);
		return 0;
	}
	return -1;
}

int dt_gl_oauth_parse_callback(const char *line, const char *path, char **code, char **state,
			       struct dt_sb *err)
{
	size_t n = strlen(path);
	char *q, *e = NULL, *desc = NULL;
	int rc = -1;

	*code = *state = NULL;
	if (strncmp(line, "GET ", 4) || strncmp(line + 4, path, n) ||
	    (line[4 + n] != '?' && line[4 + n] != ' ')) {
		dt_sb_adds(err, "not the OAuth callback");
		return -1;
	}
	q = dt_xstrndup(line + 4 + n + 1, strcspn(line + 4 + n + 1, " \r\n"));
	if (!query_value(q, "error", &e)) {
		query_value(q, "error_description", &desc);
		dt_sb_addf(err, "GitLab said %s%s%s", e, desc ? ": " : "", desc ? desc : "");
	} else if (query_value(q, "code", code) || query_value(q, "state", state)) {
		dt_sb_adds(err, "the callback has no code or state");
	} else {
		rc = 0;
	}
	if (rc) {
		free(*code);
		free(*state);
		*code = *state = NULL;
	}
	free(q);
	free(e);
	free(desc);
	return rc;
}

/* ---- refresh ---- */

static void schedule(struct dt_gl_oauth *o);

static void refresh_done(struct dt_gl_oauth *o, int ok, const char *why)
{
	o->refreshing = 0;
	o->id = 0;
	if (!ok) {
		dt_warn("gitlab", "OAuth refresh failed: %s", why);
		dt_gl_client_auth_failed(o->client);
		return;
	}
	o->refreshes++;
	dt_info("gitlab", "OAuth token refreshed");
	if (o->file && dt_gl_creds_save(o->file, o->instance, &o->creds))
		dt_warn("gitlab", "cannot save the refreshed token in %s", o->file);
	dt_gl_client_set_token(o->client, o->creds.token, DT_GL_TOKEN_OAUTH);
	schedule(o);
}

static void on_token(const struct dt_http_event *ev, void *ud)
{
	struct dt_gl_oauth *o = ud;
	struct dt_sb err = DT_SB_INIT;

	if (ev->type == DT_HTTP_HEAD) {
		o->status = ev->status;
		return;
	}
	if (ev->type == DT_HTTP_BODY) {
		dt_sb_add(&o->resp, ev->data, ev->len);
		return;
	}
	if (ev->result)
		dt_sb_addf(&err, "cannot reach GitLab: %s", ev->error);
	else if (o->status != 200 ||
		 dt_gl_oauth_parse_token(o->resp.buf, o->resp.len, (long long)time(NULL),
					 &o->creds, &err))
		dt_sb_addf(&err, " (%ld)", o->status);
	refresh_done(o, !err.len, err.buf);
	dt_sb_release(&o->resp);
	dt_sb_release(&err);
}

int dt_gl_oauth_refresh(struct dt_gl_oauth *o)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_sb url = DT_SB_INIT, body = DT_SB_INIT;
	const char *headers[] = {"Accept: application/json",
				 "Content-Type: application/x-www-form-urlencoded", NULL};
	int rc;

	if (o->refreshing)
		return 0;
	if (!o->creds.refresh_token || !o->creds.client_id)
		return -ENOENT;
	dt_sb_addf(&url, "%s/oauth/token", o->instance);
	dt_gl_oauth_refresh_form(&body, o->creds.client_id, o->secret, o->creds.refresh_token);
	req.method = "POST";
	req.url = url.buf;
	req.headers = headers;
	req.body = body.buf;
	req.body_len = body.len;
	o->status = 0;
	rc = dt_http_start(o->client->net, &req, on_token, o, &o->id);
	explicit_bzero(body.buf, body.len);
	dt_sb_release(&body);
	dt_sb_release(&url);
	if (!rc)
		o->refreshing = 1;
	return rc;
}

static int reauth_hook(struct dt_gl_client *c, void *ud)
{
	(void)c;
	return dt_gl_oauth_refresh(ud) == 0;
}

static void on_timer(struct dt_loop *loop, void *ud)
{
	struct dt_gl_oauth *o = ud;

	(void)loop;
	o->timer = 0;
	dt_gl_oauth_refresh(o);
}

static void schedule(struct dt_gl_oauth *o)
{
	long long now = (long long)time(NULL), due;

	if (o->timer)
		dt_loop_cancel_timer(o->loop, o->timer);
	o->timer = 0;
	if (!o->creds.expires_at || !o->loop)
		return;
	due = o->creds.expires_at - 300 - now; /* 5 minutes ahead */
	if (due <= 0) /* a short-lived token: half its life, never a refresh loop */
		due = (o->creds.expires_at - now) / 2;
	if (due < 1)
		due = 1;
	o->timer = dt_loop_add_timer(o->loop, (uint64_t)due * 1000, on_timer, o);
}

int dt_gl_oauth_attach(struct dt_gl_oauth *o, struct dt_gl_client *client, struct dt_loop *loop,
		       const char *file, const char *instance)
{
	const char *secret = getenv("GITLAB_OAUTH_APP_SECRET");

	*o = (struct dt_gl_oauth){.client = client, .loop = loop};
	if (!file || dt_gl_creds_load(file, instance, &o->creds) || !o->creds.type ||
	    strcmp(o->creds.type, "oauth")) {
		dt_gl_creds_release(&o->creds);
		return -ENOENT;
	}
	o->instance = dt_xstrdup(instance);
	o->file = dt_xstrdup(file);
	o->secret = secret && *secret ? dt_xstrdup(secret) : NULL;
	if (o->secret)
		dt_secret_register(o->secret);
	client->reauth = reauth_hook;
	client->reauth_ud = o;
	dt_gl_client_set_token(client, o->creds.token, DT_GL_TOKEN_OAUTH);
	schedule(o);
	return 0;
}

void dt_gl_oauth_release(struct dt_gl_oauth *o)
{
	dt_gl_creds_release(&o->creds);
	free(o->instance);
	free(o->file);
	wipe(&o->secret);
	dt_sb_release(&o->resp);
	*o = (struct dt_gl_oauth){0};
}
