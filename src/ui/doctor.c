/* `duoterm doctor` (doctor.h): one check after another over the net thread. */
#include "duoterm/ui/doctor.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duoterm/agent/remote.h"
#include "duoterm/core/log.h"
#include "duoterm/git/repo.h"
#include "duoterm/mcp/set.h"
#include "duoterm/net/http.h"
#include "duoterm/net/ws.h"
#include "duoterm/providers/provider.h"
#include "duoterm/ui/runtime.h"

enum verdict { PASS, FAIL, SKIP, WARN };

struct doc {
	struct dt_runtime rt;
	const struct dt_config *cfg;
	const struct dt_context *ctx;
	cJSON *checks;
	int failed, json, insecure;
	char *api, *token_hdr, *bearer, *project_id, *namespace_id;
	int reachable, token_ok;
};

/* one HTTP exchange, run to completion on the loop */
struct xfer {
	int done;
	long status;
	int version, result;
	struct dt_sb body, error;
	int64_t t_dns, t_connect, t_tls;
};

static void report(struct doc *d, const char *name, enum verdict v, int required, const char *detail,
		   const char *fix)
{
	static const char *const names[] = {"pass", "fail", "skipped", "warn"};
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "status", names[v]);
	cJSON_AddBoolToObject(o, "required", required);
	cJSON_AddStringToObject(o, "detail", detail ? detail : "");
	if (fix && (v == FAIL || v == WARN))
		cJSON_AddStringToObject(o, "fix", fix);
	cJSON_AddItemToArray(d->checks, o);
	if (v == FAIL && required)
		d->failed = 1;
	if (d->json)
		return;
	printf("%-5s %-22s %s\n", v == PASS ? "PASS" : v == FAIL ? "FAIL" : v == WARN ? "WARN" : "SKIP",
	       name, detail ? detail : "");
	if (fix && (v == FAIL || v == WARN))
		printf("      %-22s fix: %s\n", "", fix);
	fflush(stdout);
}

static void on_http(const struct dt_http_event *ev, void *ud)
{
	struct xfer *x = ud;

	if (ev->type == DT_HTTP_HEAD) {
		x->status = ev->status;
		x->version = ev->http_version;
	} else if (ev->type == DT_HTTP_BODY) {
		if (x->body.len < (1u << 20))
			dt_sb_add(&x->body, ev->data, ev->len);
	} else {
		x->result = ev->result;
		x->status = ev->status;
		dt_sb_adds(&x->error, ev->error ? ev->error : "");
		x->t_dns = ev->t_dns_us;
		x->t_connect = ev->t_connect_us;
		x->t_tls = ev->t_tls_us;
		x->done = 1;
	}
}

static void http(struct doc *d, struct xfer *x, const char *method, const char *url,
		 const char *const *headers, const char *body)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;

	memset(x, 0, sizeof(*x));
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.total_timeout_ms = 20000;
	req.connect_timeout_ms = 10000;
	req.flags = d->insecure ? DT_HTTP_INSECURE : 0;
	if (dt_http_start(d->rt.net, &req, on_http, x, NULL)) {
		x->result = -1;
		dt_sb_adds(&x->error, "the request could not be queued");
		return;
	}
	while (!x->done)
		dt_loop_run_once(&d->rt.loop, -1);
}

static void api(struct doc *d, struct xfer *x, const char *method, const char *path, const char *body)
{
	struct dt_sb url = DT_SB_INIT;
	const char *h[] = {d->token_hdr, "Content-Type: application/json", "Accept: application/json",
			   NULL};

	dt_sb_addf(&url, "%s%s", d->api, path);
	http(d, x, method, url.buf, d->token_hdr ? h : h + 1, body);
	dt_sb_release(&url);
}

static void xfer_release(struct xfer *x)
{
	dt_sb_release(&x->body);
	dt_sb_release(&x->error);
}

static cJSON *json_of(const struct xfer *x)
{
	return cJSON_Parse(x->body.buf ? x->body.buf : "");
}

/* ---- checks ------------------------------------------------------------------ */

static void check_proxy(struct doc *d)
{
	static const char *const vars[] = {"https_proxy", "HTTPS_PROXY", "http_proxy", "all_proxy",
					   "ALL_PROXY", "no_proxy", "NO_PROXY", NULL};
	struct dt_sb sb = DT_SB_INIT;

	for (size_t i = 0; vars[i]; i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			dt_sb_addf(&sb, "%s%s=%s", sb.len ? ", " : "", vars[i], v);
	}
	report(d, "proxy", PASS, 0, sb.len ? sb.buf : "no proxy variables set (direct connections)",
	       NULL);
	dt_sb_release(&sb);
}

static char *host_of(const char *url, char **port)
{
	const char *p = strstr(url, "://"), *end;
	char *h, *c;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	h = dt_xstrndup(p, (size_t)(end - p));
	c = strrchr(h, ':');
	*port = NULL;
	if (c && !strchr(c, ']')) {
		*port = dt_xstrdup(c + 1);
		*c = '\0';
	}
	return h;
}

static void check_dns(struct doc *d)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char *port, *host = host_of(d->cfg->instance_url, &port);
	char addr[NI_MAXHOST] = "";
	struct dt_sb sb = DT_SB_INIT;
	int rc = getaddrinfo(host, port ? port : "443", &hints, &res);

	if (!rc && res)
		getnameinfo(res->ai_addr, res->ai_addrlen, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	dt_sb_addf(&sb, rc ? "%s does not resolve: %s" : "%s resolves to %s", host,
		   rc ? gai_strerror(rc) : addr);
	report(d, "dns", rc ? FAIL : PASS, 1, sb.buf,
	       "check gitlab.instance_url / GITLAB_INSTANCE_URL and your DNS or VPN");
	if (res)
		freeaddrinfo(res);
	free(host);
	free(port);
	dt_sb_release(&sb);
}


static void check_reach(struct doc *d)
{
	struct xfer x;
	struct dt_sb sb = DT_SB_INIT, why = DT_SB_INIT;
	int tls = !strncmp(d->cfg->instance_url, "https://", 8), tls_err;

	api(d, &x, "GET", "/version", NULL);
	d->reachable = !x.result && x.status > 0;
	if (!d->reachable) {
		/* curl reports no connect time when the handshake fails */
		tls_err = tls && dt_http_result_is_tls(x.result);
		dt_sb_addf(&sb, "no answer from %s: %s", d->cfg->instance_url, x.error.buf);
		report(d, "tcp", x.t_connect || tls_err ? PASS : FAIL, 1,
		       x.t_connect || tls_err ? "connected" : sb.buf,
		       "check the URL, the port, a firewall or the proxy settings");
		if (tls_err) {
			dt_sb_addf(&why, "%s with %s: %s", dt_http_result_is_tls(x.result) == 2 ?
				   "certificate verification failed" : "the TLS handshake failed",
				   d->cfg->ca_file ? d->cfg->ca_file : "the system CAs", x.error.buf);
			report(d, "tls", FAIL, 1, why.buf, d->cfg->ca_file ?
			       "the server's certificate does not verify against tls.ca_file / SSL_CERT_FILE: "
			       "point it at the CA bundle that signs it" :
			       "set tls.ca_file (or SSL_CERT_FILE) to your company's CA bundle");
		} else if (tls) {
			report(d, "tls", SKIP, 1, "no TLS handshake (no connection)", NULL);
		}
		report(d, "http", FAIL, 1, sb.buf, "see the checks above");
		goto out;
	}
	dt_sb_addf(&sb, "connected in %.1f ms", x.t_connect / 1000.0);
	report(d, "tcp", PASS, 1, sb.buf, NULL);
	dt_sb_reset(&sb);
	if (tls) {
		dt_sb_addf(&sb, "verified%s%s", d->cfg->ca_file ? " with " : " with the system CAs",
			   d->cfg->ca_file ? d->cfg->ca_file : "");
		report(d, "tls", d->insecure ? WARN : PASS, 1,
		       d->insecure ? "verification is off (tls.insecure): the server's certificate is "
		       "not checked" : sb.buf, d->insecure ? "remove tls.insecure and set tls.ca_file "
		       "(or SSL_CERT_FILE) to the CA bundle that signs the server's certificate" : NULL);
	} else {
		report(d, "tls", SKIP, 0, "the instance URL is plain http://", NULL);
	}
	dt_sb_reset(&sb);
	dt_sb_addf(&sb, "HTTP/%d.%d, GET /api/v4/version -> %ld", x.version / 10, x.version % 10,
		   x.status);
	if (tls && x.version < 20)
		report(d, "http2", FAIL, 0, sb.buf,
		       "HTTP/2 was not negotiated: a proxy or load balancer downgrades it");
	else
		report(d, "http2", tls ? PASS : SKIP, 0, tls ? sb.buf :
		       "HTTP/2 needs TLS (plain http:// speaks HTTP/1.1)", NULL);
out:
	xfer_release(&x);
	dt_sb_release(&sb);
	dt_sb_release(&why);
}

static void check_token(struct doc *d)
{
	static const char *const wanted[] = {"api", "read_api", "ai_features", "ai_workflows", NULL};
	struct xfer x;
	struct dt_sb sb = DT_SB_INIT, missing = DT_SB_INIT;
	cJSON *o, *scopes, *s;
	int has_api = 0;

	if (!d->token_hdr) {
		report(d, "token", FAIL, 1, "no GitLab token",
		       "set GITLAB_TOKEN or gitlab.token (a personal access token with scope api)");
		return;
	}
	api(d, &x, "GET", "/personal_access_tokens/self", NULL);
	if (x.status == 401) {
		dt_sb_addf(&sb, "the token from %s was refused (401)",
			   d->cfg->token_source ? d->cfg->token_source : "the configuration");
		report(d, "token", FAIL, 1, sb.buf, "create a new personal access token (scope api)");
		goto out;
	}
	o = json_of(&x);
	scopes = cJSON_GetObjectItem(o, "scopes");
	d->token_ok = 1;
	for (size_t i = 0; wanted[i]; i++) {
		int found = 0;

		cJSON_ArrayForEach(s, scopes)
			if (cJSON_IsString(s) && !strcmp(s->valuestring, wanted[i]))
				found = 1;
		if (!found)
			dt_sb_addf(&missing, "%s%s", missing.len ? ", " : "", wanted[i]);
		if (found && !strcmp(wanted[i], "api"))
			has_api = 1;
	}
	if (!cJSON_IsArray(scopes)) {
		report(d, "token", PASS, 1, "accepted (its scopes could not be read: not a personal "
		       "access token?)", NULL);
	} else {
		dt_sb_addf(&sb, "valid; scopes: ");
		cJSON_ArrayForEach(s, scopes)
			if (cJSON_IsString(s))
				dt_sb_addf(&sb, "%s ", s->valuestring);
		if (missing.len)
			dt_sb_addf(&sb, "(missing: %s)", missing.buf);
		report(d, "token", has_api ? PASS : FAIL, 1, sb.buf,
		       "the Duo Agent Platform needs the api scope: create a token with api");
	}
	cJSON_Delete(o);
out:
	xfer_release(&x);
	dt_sb_release(&sb);
	dt_sb_release(&missing);
}

static void check_user_project(struct doc *d)
{
	struct xfer x;
	struct dt_sb sb = DT_SB_INIT;
	cJSON *o;
	const char *proj = d->cfg->project ? d->cfg->project : d->ctx->project;
	const char *name;

	api(d, &x, "GET", "/user", NULL);
	o = json_of(&x);
	name = cJSON_GetStringValue(cJSON_GetObjectItem(o, "username"));
	if (name)
		dt_sb_addf(&sb, "signed in as %s", name);
	else
		dt_sb_addf(&sb, "GET /user -> %ld", x.status);
	report(d, "user", name ? PASS : FAIL, 1, sb.buf, "the token must belong to a user (scope api or read_user)");
	cJSON_Delete(o);
	xfer_release(&x);
	dt_sb_reset(&sb);
	if (!proj) {
		report(d, "project", FAIL, 1, d->ctx->no_project ? d->ctx->no_project : "no project",
		       "run inside a clone of a GitLab project, or set gitlab.project");
		goto out;
	}
	dt_sb_addf(&sb, "/projects/");
	for (const char *p = proj; *p; p++) {
		if (*p == '/')
			dt_sb_adds(&sb, "%2F");
		else
			dt_sb_addc(&sb, *p);
	}
	api(d, &x, "GET", sb.buf, NULL);
	o = json_of(&x);
	dt_sb_reset(&sb);
	if (x.status == 200 && cJSON_GetObjectItem(o, "id")) {
		d->project_id = dt_xstrdup(proj);
		dt_sb_addf(&sb, "%s (id %.0f)", proj, cJSON_GetObjectItem(o, "id")->valuedouble);
		report(d, "project", PASS, 1, sb.buf, NULL);
	} else {
		dt_sb_addf(&sb, "%s: GET -> %ld", proj, x.status);
		report(d, "project", FAIL, 1, sb.buf, "check the project path and that the token's user can see it");
	}
	cJSON_Delete(o);
	xfer_release(&x);
out:
	dt_sb_release(&sb);
}

static void check_duo(struct doc *d)
{
	struct xfer x;
	struct dt_sb sb = DT_SB_INIT, body = DT_SB_INIT;
	cJSON *o;
	const char *msg;

	if (!d->project_id) {
		report(d, "duo", SKIP, 1, "no project", NULL);
		return;
	}
	dt_sb_addf(&body, "{\"project_id\":\"%s\",\"workflow_definition\":\"chat\"}", d->project_id);
	api(d, &x, "POST", "/ai/duo_workflows/direct_access", body.buf);
	o = json_of(&x);
	msg = cJSON_GetStringValue(cJSON_GetObjectItem(o, "message"));
	if (x.status == 200 || x.status == 201) {
		report(d, "duo", PASS, 1, "the Duo Agent Platform is available for the project", NULL);
	} else {
		dt_sb_addf(&sb, "POST /ai/duo_workflows/direct_access -> %ld%s%s", x.status,
			   msg ? ": " : "", msg ? msg : "");
		report(d, "duo", FAIL, 1, sb.buf, x.status == 403 ?
		       "GitLab Duo needs a Duo Pro/Enterprise licence and seat, and Duo turned on for the project's group" :
		       x.status == 404 ? "this GitLab has no Duo Agent Platform (GitLab 18 EE)" :
		       "see the message; try again later");
	}
	cJSON_Delete(o);
	xfer_release(&x);
	dt_sb_release(&sb);
	dt_sb_release(&body);
}

struct wsx {
	int done, opened, status;
	struct dt_sb error;
	struct doc *d;
};

static void on_ws(const struct dt_ws_event *ev, void *ud)
{
	struct wsx *w = ud;

	if (ev->type == DT_WS_OPEN) {
		w->opened = 1;
		dt_ws_close(w->d->rt.net, ev->id, 1000, "duoterm doctor");
	} else if (ev->type == DT_WS_ERROR && !w->opened) {
		w->status = ev->http_status;
		dt_sb_reset(&w->error);
		dt_sb_adds(&w->error, ev->error ? ev->error : "");
	}
	if (ev->final)
		w->done = 1;
}

static void check_ws(struct doc *d, const char *name, const char *url, const char *proto)
{
	struct dt_ws_opts o = DT_WS_OPTS_INIT;
	struct wsx w = {.d = d};
	struct dt_sb sb = DT_SB_INIT;
	const char *protos[] = {proto, NULL};
	const char *h[] = {d->bearer, NULL};

	o.url = url;
	o.subprotocols = proto ? protos : NULL;
	o.headers = h;
	o.connect_timeout_ms = 10000;
	o.flags = d->insecure ? DT_WS_INSECURE : 0;
	if (dt_ws_open(d->rt.net, &o, on_ws, &w, NULL)) {
		report(d, name, FAIL, 1, "cannot start the connection", NULL);
		return;
	}
	while (!w.done)
		dt_loop_run_once(&d->rt.loop, -1);
	if (w.opened) {
		report(d, name, PASS, 1, "WebSocket upgrade OK", NULL);
	} else {
		dt_sb_addf(&sb, "upgrade failed%s%d: %s", w.status ? " with HTTP " : "", w.status,
			   w.error.buf ? w.error.buf : "");
		report(d, name, FAIL, 1, sb.buf, w.status == 200 || w.status == 400 ?
		       "a proxy between you and GitLab strips the Upgrade/Connection headers (or "
		       "forces HTTP/2): allow WebSocket upgrades for this host" :
		       w.status == 401 ? "the token was refused on the upgrade" :
		       w.status == 403 ? "forbidden: scope api, Duo licence and seat" :
		       "check the proxy and the instance URL");
	}
	dt_sb_release(&sb);
	dt_sb_release(&w.error);
}

static char *ws_base(const char *instance)
{
	struct dt_sb sb = DT_SB_INIT;

	if (!strncmp(instance, "https://", 8))
		dt_sb_addf(&sb, "wss://%s", instance + 8);
	else if (!strncmp(instance, "http://", 7))
		dt_sb_addf(&sb, "ws://%s", instance + 7);
	else
		dt_sb_adds(&sb, instance);
	while (sb.len && sb.buf[sb.len - 1] == '/')
		dt_sb_truncate(&sb, sb.len - 1);
	return dt_sb_detach(&sb, NULL);
}

static void check_sockets(struct doc *d)
{
	char *base = ws_base(d->cfg->instance_url), *dap;
	struct dt_sb url = DT_SB_INIT;

	dt_sb_addf(&url, "%s/-/cable", base);
	check_ws(d, "websocket_cable", url.buf, "actioncable-v1-json");
	dap = dt_remote_ws_url(d->cfg->instance_url, d->project_id, NULL, "chat", NULL);
	check_ws(d, "websocket_dap", dap, NULL);
	free(dap);
	free(base);
	dt_sb_release(&url);
}

static void check_gateway(struct doc *d)
{
	const char *gw = d->cfg->ai_gateway_url ? d->cfg->ai_gateway_url : "https://cloud.gitlab.com";
	struct xfer x;
	struct dt_sb sb = DT_SB_INIT;

	api(d, &x, "POST", "/ai/third_party_agents/direct_access", "{}");
	if (x.status == 200 || x.status == 201)
		report(d, "direct_access", PASS, 0, "a direct-access token was issued", NULL);
	else {
		dt_sb_addf(&sb, "POST /ai/third_party_agents/direct_access -> %ld", x.status);
		report(d, "direct_access", FAIL, 0, sb.buf, x.status == 403 ?
		       "needs Duo (Pro/Enterprise) and the ai_features or api scope" :
		       "the instance cannot mint AI gateway tokens now (503: gateway down)");
	}
	xfer_release(&x);
	dt_sb_reset(&sb);
	http(d, &x, "GET", gw, NULL, NULL);
	if (!x.result && x.status > 0)
		dt_sb_addf(&sb, "%s answers (HTTP/%d.%d %ld)", gw, x.version / 10, x.version % 10,
			   x.status);
	else
		dt_sb_addf(&sb, "%s: %s", gw, x.error.buf);
	report(d, "ai_gateway", !x.result && x.status > 0 ? PASS : FAIL, 0, sb.buf,
	       "set GITLAB_AI_GATEWAY_URL for a self-hosted gateway, or allow cloud.gitlab.com in the proxy");
	xfer_release(&x);
	dt_sb_release(&sb);
}

struct models {
	int done, ok;
	size_t n;
	struct dt_sb error;
};

static void on_models(const char *const *ids, size_t n, const struct dt_prov_error *err, void *ud)
{
	struct models *m = ud;

	(void)ids;
	m->done = 1;
	m->ok = !err;
	m->n = n;
	if (err)
		dt_sb_adds(&m->error, err->message ? err->message : "error");
}

static void check_models(struct doc *d)
{
	struct dt_provider_opts po = DT_PROVIDER_OPTS_INIT;
	struct dt_provider *p;
	struct dt_sb err = DT_SB_INIT, sb = DT_SB_INIT;
	struct models m = {0};

	if (dt_remote_provider_name(d->cfg->provider, NULL)) {
		report(d, "models", SKIP, 0, "duo-workflow: the model runs in GitLab", NULL);
		return;
	}
	if (dt_provider_opts_from_config(&po, d->cfg, &err) ||
	    !(p = dt_provider_new(d->rt.net, NULL, &po, &err))) {
		report(d, "models", FAIL, 0, err.buf, "see agent.provider and its settings");
		dt_sb_release(&err);
		return;
	}
	if (dt_provider_list_models(p, on_models, &m) == 0)
		while (!m.done)
			dt_loop_run_once(&d->rt.loop, -1);
	else
		dt_sb_adds(&m.error, "cannot ask");
	dt_sb_addf(&sb, "%s: ", d->cfg->provider);
	if (m.ok)
		dt_sb_addf(&sb, "%zu models", m.n);
	else
		dt_sb_adds(&sb, m.error.buf ? m.error.buf : "");
	report(d, "models", m.ok ? PASS : FAIL, 0, sb.buf, "check the provider's URL and key");
	dt_provider_free(p);
	dt_sb_release(&m.error);
	dt_sb_release(&sb);
	dt_sb_release(&err);
}

static void skip_rest(struct doc *d, const char *why, int from)
{
	static const char *const names[] = {"token", "user", "project", "duo", "websocket_cable",
					    "websocket_dap", "direct_access", "ai_gateway"};

	for (size_t i = (size_t)from; i < sizeof(names) / sizeof(names[0]); i++)
		report(d, names[i], SKIP, i < 6, why, NULL);
}

static void run_checks(struct doc *d)
{
	check_proxy(d);
	check_dns(d);
	check_reach(d);
	if (!d->reachable) {
		skip_rest(d, "the instance is not reachable", 0);
		check_models(d);
		return;
	}
	check_token(d);
	if (!d->token_ok) {
		skip_rest(d, "no valid token", 1);
		check_models(d);
		return;
	}
	check_user_project(d);
	check_duo(d);
	check_sockets(d);
	check_gateway(d);
	check_models(d);
}

/* The MCP servers of .gitlab/duo/mcp.json: does each start, how many
 * tools.  Not required: the agent works without them. */
static void check_mcp(struct doc *d)
{
	char cwd[4096], name[80];
	const char *wd = d->ctx->repo ? dt_repo_workdir(d->ctx->repo) : getcwd(cwd, sizeof(cwd));
	struct dt_sb problems = DT_SB_INIT, detail = DT_SB_INIT;
	struct dt_mcp_set *set = dt_mcp_set_open(&d->rt.loop, d->rt.net, wd, 0, &problems);

	if (problems.len)
		report(d, "mcp", WARN, 0, problems.buf, "fix .gitlab/duo/mcp.json (see doc/mcp.md)");
	for (size_t i = 0; i < dt_mcp_set_count(set); i++) {
		struct dt_mcp_server *s = dt_mcp_set_server(set, i);
		size_t n;

		snprintf(name, sizeof(name), "mcp %s", dt_mcp_server_name(s));
		dt_sb_reset(&detail);
		if (dt_mcp_server_conf(s)->disabled) {
			report(d, name, SKIP, 0, "disabled", NULL);
			continue;
		}
		if (!dt_mcp_server_ready(s)) {
			report(d, name, WARN, 0, dt_mcp_server_error(s),
			       "check its command in .gitlab/duo/mcp.json or ~/.gitlab/duo/mcp.json");
			continue;
		}
		dt_mcp_server_tools(s, &n);
		dt_sb_addf(&detail, "%s, MCP %s, %zu tool%s", *dt_mcp_server_info(s) ?
			   dt_mcp_server_info(s) : "started", dt_mcp_server_version(s), n,
			   n == 1 ? "" : "s");
		report(d, name, PASS, 0, detail.buf, NULL);
	}
	dt_mcp_set_free(set);
	dt_sb_release(&problems);
	dt_sb_release(&detail);
}

int dt_doctor_run(const struct dt_config *cfg, const struct dt_context *ctx, int json)
{
	struct doc d = {.cfg = cfg, .ctx = ctx, .json = json};
	struct dt_sb sb = DT_SB_INIT, err = DT_SB_INIT;
	size_t n = strlen(cfg->instance_url);
	cJSON *out;
	char *text;

	while (n && cfg->instance_url[n - 1] == '/')
		n--;
	dt_sb_addf(&sb, "%.*s/api/v4", (int)n, cfg->instance_url);
	d.api = dt_sb_detach(&sb, NULL);
	if (cfg->token && *cfg->token) {
		dt_secret_register(cfg->token);
		dt_sb_addf(&sb, "PRIVATE-TOKEN: %s", cfg->token);
		d.token_hdr = dt_sb_detach(&sb, NULL);
		dt_sb_addf(&sb, "Authorization: Bearer %s", cfg->token);
		d.bearer = dt_sb_detach(&sb, NULL);
	}
	d.insecure = dt_config_bool(cfg->tls_insecure);
	d.checks = cJSON_CreateArray();
	if (dt_runtime_init(&d.rt, cfg, &err)) {
		report(&d, "runtime", FAIL, 1, err.buf, NULL);
	} else {
		if (!json)
			printf("duoterm doctor: %s\n", cfg->instance_url);
		run_checks(&d);
		check_mcp(&d);
		dt_runtime_release(&d.rt);
	}
	if (json) {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "instance_url", cfg->instance_url);
		cJSON_AddStringToObject(out, "version", DUOTERM_VERSION);
		cJSON_AddBoolToObject(out, "ok", !d.failed);
		cJSON_AddItemToObject(out, "checks", d.checks);
		text = cJSON_PrintUnformatted(out);
		printf("%s\n", text);
		free(text);
		cJSON_Delete(out);
	} else {
		printf("%s\n", d.failed ? "some required checks failed" : "all required checks passed");
		cJSON_Delete(d.checks);
	}
	free(d.api);
	free(d.token_hdr);
	free(d.bearer);
	free(d.project_id);
	dt_sb_release(&err);
	return d.failed ? 1 : 0;
}
