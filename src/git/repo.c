#include "duoterm/git/repo.h"

#include <git2.h>
#include <malloc.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dt_repo {
	git_repository *repo;
};

static int libgit2_users;

/*
 * libgit2 (built with mbedTLS, as Debian's is) parses the whole system CA
 * bundle in git_libgit2_init(), for fetches duoterm never makes: some
 * 0.4 MB of heap that stays.  Pointing it at an empty directory frees that
 * chain; malloc_trim() hands the pages back.  libcurl and libwebsockets,
 * which do talk TLS, have CA stores of their own.
 */
static void forget_ca_bundle(void)
{
	struct dt_sb dir = DT_SB_INIT;

	dt_sb_add_tmppath(&dir, "duoterm-noca.XXXXXX");
	if (mkdtemp(dir.buf)) {
		git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, NULL, dir.buf);
		git_error_clear(); /* without mbedTLS or OpenSSL it is an error; harmless */
		rmdir(dir.buf);
		malloc_trim(0);
	}
	dt_sb_release(&dir);
}

int dt_repo_open(struct dt_repo **out, const char *path, struct dt_sb *err)
{
	git_repository *r = NULL;

	*out = NULL;
	if (libgit2_users++ == 0) {
		git_libgit2_init();
		/*
		 * libgit2 maps pack files in 1 GiB windows up to 8 GiB by
		 * default, and every page a blob lookup touches stays in our
		 * RSS: on git.git (a 500 MB pack) reviewing every file took
		 * RSS from 33 to 70 MB.  Small windows under a low limit are
		 * unmapped as we go, for no measurable time (bench/review.sh).
		 */
		git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)2 << 20);
		git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)16 << 20);
		forget_ca_bundle();
	}
	if (git_repository_open_ext(&r, path, 0, NULL) < 0) {
		const git_error *e = git_error_last();

		dt_sb_addf(err, "%s is not in a git repository%s%s", path, e ? ": " : "",
			   e ? e->message : "");
		if (--libgit2_users == 0)
			git_libgit2_shutdown();
		return -1;
	}
	*out = dt_xcalloc(1, sizeof(**out));
	(*out)->repo = r;
	return 0;
}

void dt_repo_free(struct dt_repo *repo)
{
	if (!repo)
		return;
	git_repository_free(repo->repo);
	free(repo);
	if (--libgit2_users == 0)
		git_libgit2_shutdown();
}

char *dt_repo_branch(struct dt_repo *repo)
{
	git_reference *head = NULL;
	char *name;
	int rc = git_repository_head(&head, repo->repo);

	if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND) {
		/* unborn: HEAD names a branch with no commits */
		git_reference *sym = NULL;

		if (!git_reference_lookup(&sym, repo->repo, "HEAD") &&
		    git_reference_type(sym) == GIT_REFERENCE_SYMBOLIC) {
			const char *t = git_reference_symbolic_target(sym);

			name = dt_xstrdup(!strncmp(t, "refs/heads/", 11) ? t + 11 : t);
			git_reference_free(sym);
			return name;
		}
		git_reference_free(sym);
		return dt_xstrdup("(no commits)");
	}
	if (rc < 0)
		return dt_xstrdup("(unknown)");
	if (git_repository_head_detached(repo->repo)) {
		char hex[8];

		git_oid_tostr(hex, sizeof(hex), git_reference_target(head));
		git_reference_free(head);
		name = dt_xmalloc(32);
		snprintf(name, 32, "(detached at %s)", hex);
		return name;
	}
	name = dt_xstrdup(git_reference_shorthand(head));
	git_reference_free(head);
	return name;
}

char *dt_repo_remote_url(struct dt_repo *repo, const char *name)
{
	git_remote *remote = NULL;
	char *url = NULL;

	if (git_remote_lookup(&remote, repo->repo, name) < 0)
		return NULL;
	if (git_remote_url(remote))
		url = dt_xstrdup(git_remote_url(remote));
	git_remote_free(remote);
	return url;
}

const char *dt_repo_workdir(const struct dt_repo *repo)
{
	const char *w = git_repository_workdir(repo->repo);

	return w ? w : git_repository_path(repo->repo);
}

git_repository *dt_repo_git(struct dt_repo *repo)
{
	return repo->repo;
}

int dt_repo_ignored(struct dt_repo *repo, const char *path, int is_dir)
{
	struct dt_sb sb = DT_SB_INIT;
	int ign = 0;

	dt_sb_addf(&sb, "%s%s", path, is_dir ? "/" : "");
	if (git_ignore_path_is_ignored(&ign, repo->repo, sb.buf) < 0)
		ign = 0;
	dt_sb_release(&sb);
	return ign;
}
