#include "duoterm/core/demo.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/core/log.h"

#ifndef DUOTERM_PREFIX
#define DUOTERM_PREFIX "/usr/local"
#endif

static char *exists(struct dt_sb *sb)
{
	if (!access(sb->buf, X_OK))
		return dt_sb_detach(sb, NULL);
	dt_sb_reset(sb);
	return NULL;
}

char *dt_demo_find_sim(void)
{
	struct dt_sb sb = DT_SB_INIT;
	char exe[PATH_MAX], *dir, *found;
	ssize_t n;

	if (getenv("DUOTERM_SIM") && *getenv("DUOTERM_SIM")) {
		dt_sb_adds(&sb, getenv("DUOTERM_SIM"));
		return dt_sb_detach(&sb, NULL);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		dir = dirname(exe); /* .../build or .../bin */
		dt_sb_addf(&sb, "%s/../tests/sim/duoterm-sim", dir);
		if ((found = exists(&sb)))
			return found;
		dt_sb_addf(&sb, "%s/../share/duoterm/sim/duoterm-sim", dir);
		if ((found = exists(&sb)))
			return found;
	}
	dt_sb_adds(&sb, "tests/sim/duoterm-sim");
	if ((found = exists(&sb)))
		return found;
	dt_sb_adds(&sb, DUOTERM_PREFIX "/share/duoterm/sim/duoterm-sim");
	found = exists(&sb);
	dt_sb_release(&sb);
	return found;
}

static int start_sim(struct dt_demo *d, const char *sim, struct dt_sb *err)
{
	const char *scenario = getenv("DUOTERM_DEMO_SCENARIO");
	char *argv[] = {(char *)sim, (char *)"--port", (char *)"0",
			(char *)"--exit-on-stdin-eof", (char *)"--quiet", NULL, NULL, NULL};
	char line[256];
	const char *prefix = "duoterm-sim listening on ";
	int rc;

	if (scenario && *scenario) {
		argv[5] = (char *)"--scenario";
		argv[6] = (char *)scenario;
	}
	rc = dt_proc_spawn(&d->sim, argv, DT_PROC_PIPE_IN | DT_PROC_PIPE_OUT | DT_PROC_NULL_ERR);
	if (rc) {
		dt_sb_addf(err, "cannot start the simulator %s: %s", sim, strerror(-rc));
		return -1;
	}
	rc = dt_read_line_timeout(d->sim.out_fd, line, sizeof(line), 15000);
	if (rc || strncmp(line, prefix, strlen(prefix))) {
		dt_sb_addf(err, "the simulator %s did not start (%s); try running it alone to see why",
			   sim, rc == -ETIMEDOUT ? "no answer in 15 s" : rc ? strerror(-rc) : line);
		dt_proc_stop(&d->sim, 1000);
		return -1;
	}
	d->base_url = dt_xstrdup(line + strlen(prefix));
	return 0;
}

static int make_repo(struct dt_demo *d, const char *sim, struct dt_sb *err)
{
	struct dt_sb script = DT_SB_INIT, repo = DT_SB_INIT;
	char *tmp = dt_xstrdup(sim);
	char *argv[4];
	int rc;

	dt_sb_addf(&script, "%s/make-demo-repo", dirname(tmp));
	free(tmp);
	dt_sb_addf(&repo, "%s/sandbox", d->dir);
	argv[0] = script.buf;
	argv[1] = repo.buf;
	argv[2] = d->base_url;
	argv[3] = NULL;
	rc = dt_proc_run(argv, 1);
	if (rc) {
		dt_sb_addf(err, "could not create the demo repository with %s (exit %d)", script.buf,
			   rc);
		dt_sb_release(&repo);
	} else {
		d->repo = dt_sb_detach(&repo, NULL);
	}
	dt_sb_release(&script);
	return rc ? -1 : 0;
}

int dt_demo_start(struct dt_demo *d, struct dt_config *cfg, struct dt_sb *err)
{
	char *sim = dt_demo_find_sim();
	char tmpl[] = "/tmp/duoterm-demo.XXXXXX";
	struct dt_sb url = DT_SB_INIT;

	*d = (struct dt_demo){.sim = {.pid = -1, .in_fd = -1, .out_fd = -1}};
	if (!sim) {
		dt_sb_adds(err, "cannot find the simulator (tests/sim/duoterm-sim); set DUOTERM_SIM "
				"or run from the source tree");
		return -1;
	}
	if (!mkdtemp(tmpl)) {
		dt_sb_addf(err, "cannot create a temporary directory: %s", strerror(errno));
		free(sim);
		return -1;
	}
	d->dir = dt_xstrdup(tmpl);
	if (start_sim(d, sim, err) || make_repo(d, sim, err)) {
		free(sim);
		dt_demo_stop(d);
		return -1;
	}
	free(sim);
	if (chdir(d->repo)) {
		dt_sb_addf(err, "cannot enter %s: %s", d->repo, strerror(errno));
		dt_demo_stop(d);
		return -1;
	}
	dt_config_set(cfg, &cfg->instance_url, d->base_url);
	dt_config_set(cfg, &cfg->token, DT_DEMO_TOKEN);
	cfg->token_source = "the demo";
	dt_config_set(cfg, &cfg->project, DT_DEMO_PROJECT);
	dt_sb_addf(&url, "%s/v1", d->base_url);
	dt_config_set(cfg, &cfg->openai_base_url, url.buf);
	dt_config_set(cfg, &cfg->openai_api_key, DT_DEMO_MODEL_KEY);
	dt_config_set(cfg, &cfg->anthropic_base_url, d->base_url);
	dt_config_set(cfg, &cfg->anthropic_api_key, DT_DEMO_MODEL_KEY);
	/* the provider stays the user's choice (openai by default); every
	 * back-end the simulator plays is pointed at it */
	if (!cfg->model || !strncmp(cfg->provider ? cfg->provider : "", "openai", 6) ||
	    !strncmp(cfg->provider ? cfg->provider : "", "anthropic", 9))
		dt_config_set(cfg, &cfg->model, "demo-model");
	dt_sb_release(&url);
	dt_info("demo", "sandbox %s, simulator %s", d->repo, d->base_url);
	return 0;
}

void dt_demo_stop(struct dt_demo *d)
{
	if (d->sim.pid > 0 || d->sim.in_fd >= 0)
		dt_proc_stop(&d->sim, 2000);
	if (d->dir) {
		if (chdir("/tmp")) {
			/* removing the tree below works from anywhere */
		}
		dt_remove_tree(d->dir);
	}
	free(d->dir);
	free(d->repo);
	free(d->base_url);
	d->dir = d->repo = d->base_url = NULL;
}
