/*
 * Which GitLab project a git remote URL names.
 *
 * Accepts scp-like ssh (git@host:group/sub/project.git), ssh:// with a port,
 * http(s):// with a port and credentials (dropped), subgroups, a ".git"
 * suffix and trailing slashes.  When the instance URL has a relative root
 * (https://host/gitlab), that root is removed from the http(s) path.
 */
#ifndef DUOTERM_GITLAB_REMOTE_H
#define DUOTERM_GITLAB_REMOTE_H

struct dt_remote {
	char *host; /* host name, no port */
	char *path; /* group/sub/project */
};

/* 0, or -1 when the URL is not a remote we understand (a local path, a
 * file:// URL, no project path).  instance_url may be NULL. */
int dt_remote_parse(struct dt_remote *out, const char *url, const char *instance_url);
/* 1 when the remote's host is the instance's host. */
int dt_remote_matches_instance(const struct dt_remote *r, const char *instance_url);
void dt_remote_release(struct dt_remote *r);
/* group/sub/project -> group%2Fsub%2Fproject (newly allocated). */
char *dt_project_id_escape(const char *path);

#endif
