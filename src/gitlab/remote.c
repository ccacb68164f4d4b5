#include "duoterm/gitlab/remote.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duoterm/core/strbuf.h"

void dt_remote_release(struct dt_remote *r)
{
	free(r->host);
	free(r->path);
	r->host = r->path = NULL;
}

/* host part of an http(s) URL and the path after it (not allocated) */
static int split_url(const char *url, const char **host, size_t *host_len, const char **path)
{
	const char *p = strstr(url, "://"), *end, *at, *colon;

	if (!p)
		return -1;
	p += 3;
	end = p + strcspn(p, "/");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1; /* drop user:password@ */
	if (*p == '[') { /* IPv6 literal */
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb)
			return -1;
		*host = p;
		*host_len = (size_t)(rb - p + 1);
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		*host = p;
		*host_len = (size_t)((colon ? colon : end) - p);
	}
	*path = end;
	return *host_len ? 0 : -1;
}

static char *clean_path(const char *s, size_t n)
{
	size_t len;
	char *path;

	while (n && *s == '/')
		s++, n--;
	while (n && s[n - 1] == '/')
		n--;
	path = dt_xstrndup(s, n);
	len = strlen(path);
	if (len > 4 && !strcmp(path + len - 4, ".git"))
		path[len - 4] = '\0';
	while ((len = strlen(path)) && path[len - 1] == '/')
		path[len - 1] = '\0';
	if (!*path || !strchr(path, '/')) {
		free(path);
		return NULL;
	}
	return path;
}

/* the instance's relative root, e.g. "/gitlab", or "" */
static size_t instance_root(const char *instance_url, const char **root)
{
	const char *h, *p;
	size_t hl, n;

	*root = "";
	if (!instance_url || split_url(instance_url, &h, &hl, &p))
		return 0;
	n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	*root = p;
	return n;
}

int dt_remote_parse(struct dt_remote *out, const char *url, const char *instance_url)
{
	const char *host, *path, *root;
	size_t hl, rl;

	*out = (struct dt_remote){0};
	if (!url || !*url)
		return -1;
	if (!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8) ||
	    !strncasecmp(url, "ssh://", 6) || !strncasecmp(url, "git+ssh://", 10)) {
		if (split_url(url, &host, &hl, &path))
			return -1;
		if (!strncasecmp(url, "http", 4)) {
			rl = instance_root(instance_url, &root);
			if (rl && !strncmp(path, root, rl) && path[rl] == '/')
				path += rl;
		}
	} else if (strstr(url, "://")) {
		return -1; /* file://, git:// ... */
	} else {
		/* scp-like: [user@]host:path, but not a local path */
		const char *colon = strchr(url, ':');
		const char *slash = strchr(url, '/');
		const char *at;

		if (!colon || (slash && slash < colon))
			return -1;
		at = memchr(url, '@', (size_t)(colon - url));
		host = at ? at + 1 : url;
		hl = (size_t)(colon - host);
		path = colon + 1;
		if (!hl)
			return -1;
	}
	out->path = clean_path(path, strlen(path));
	if (!out->path)
		return -1;
	out->host = dt_xstrndup(host, hl);
	for (char *c = out->host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return 0;
}

int dt_remote_matches_instance(const struct dt_remote *r, const char *instance_url)
{
	const char *h, *p;
	size_t hl;

	if (!instance_url || split_url(instance_url, &h, &hl, &p))
		return 0;
	return strlen(r->host) == hl && !strncasecmp(r->host, h, hl);
}

char *dt_project_id_escape(const char *path)
{
	struct dt_sb sb = DT_SB_INIT;

	for (const char *c = path; *c; c++) {
		if (isalnum((unsigned char)*c) || strchr("-_.~", *c))
			dt_sb_addc(&sb, *c);
		else
			dt_sb_addf(&sb, "%%%02X", (unsigned char)*c);
	}
	return dt_sb_detach(&sb, NULL);
}
