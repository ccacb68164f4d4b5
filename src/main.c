/*
 * duoterm — a terminal workbench for GitLab Duo agent work.
 * The command line: options, subcommands, and the hand-off to the
 * workbench or a headless command.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/core/config.h"
#include "duoterm/core/demo.h"
#include "duoterm/core/log.h"
#include "duoterm/ui/context.h"
#include "duoterm/ui/doctor.h"
#include "duoterm/ui/login.h"
#include "duoterm/ui/run.h"
#include "duoterm/ui/status.h"
#include "duoterm/ui/workbench.h"

#ifndef DUOTERM_VERSION
#define DUOTERM_VERSION "0.0.0"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: duoterm [OPTION]...                 start the workbench here\n"
		"       duoterm --demo                      start it on the built-in demo sandbox\n"
		"       duoterm status [--json] [OPTION]... headless: instance, user, project, counts\n"
		"       duoterm run [--json] [--approve PATTERN]... [--accept-proposals] GOAL\n"
		"                                           headless agent run: one JSON event per line\n"
		"       duoterm login [--instance URL] [--token-stdin | --oauth [--port N]]\n"
		"                                           sign in: a token (asked for, hidden) or OAuth\n"
		"       duoterm logout [--instance URL]     forget the stored credentials\n"
		"       duoterm doctor [--json]             check, from here, everything duoterm needs\n"
		"\n"
		"Options:\n"
		"  --demo               run against the local simulator in a throwaway sample repository\n"
		"  --project PATH       GitLab project (group/sub/project); default: the origin remote\n"
		"  --instance URL       GitLab instance URL (default https://gitlab.com)\n"
		"  --log FILE           write a debug log to FILE (tokens are always redacted)\n"
		"  --log-level LEVEL    error, warn, info (default), debug or trace\n"
		"  --no-color           no colours (also when NO_COLOR is set)\n"
		"  --theme NAME|FILE    dark (default), light, mono, cb-safe, or a theme file\n"
		"  -C DIR               run as if started in DIR\n"
		"  --json               (status, run, doctor) print JSON instead of text\n"
		"  --provider NAME      openai, anthropic, gitlab, duo-workflow or duo-workflow-MODEL\n"
		"  --model NAME         the model to use\n"
		"  --approve PATTERN    (run) approve commands matching PATTERN (repeatable; '*' all)\n"
		"  --accept-proposals   (run) accept the agent's proposed changes into the working tree\n"
		"  --resume[=ID]        continue an agent session (default: the latest), in the\n"
		"                       workbench or with run (a Duo flow: the same workflow)\n"
		"  --context ITEM       (run) attach #ISSUE, !MR or a file path (repeatable)\n"
		"  -h, --help           this text\n"
		"  -V, --version        the version\n"
		"\n"
		"Keys (workbench; '?' lists them all, ':' runs any action by name):\n"
		"  Tab/Shift-Tab cycle focus, 1-6 (Alt-1..6 while typing) jump to a pane (1 Plan,\n"
		"  2 Review, 3 Chat, 4 Merge requests, 5 Issues, 6 Pipelines), j/k/arrows, g/G,\n"
		"  PgUp/PgDn, / search and n/N, f filter, z zoom, [ ] { } resize (= resets),\n"
		"  Esc cancel or stop the agent, Ctrl-L redraw, q quit.  Review: y/n hunk, Y/N file,\n"
		"  s split, e edit, v lines, u undo, d discard, < > source.  Rebind in config.json.\n"
		"\n"
		"Environment:\n");
	for (size_t i = 0; i < dt_config_nr_keys; i++) {
		const struct dt_config_key *k = &dt_config_keys[i];

		if (k->env)
			fprintf(f, "  %-22s %s (config: %s)\n", k->env, k->help, k->path);
	}
	fprintf(f,
		"  %-22s %s\n"
		"  %-22s %s\n"
		"  %-22s %s\n"
		"  %-22s %s\n"
		"  %-22s %s\n"
		"  %-22s %s\n"
		"  %-22s %s\n"
		"  %-22s %s\n"
		"  %-22s %s\n",
		"NO_COLOR", "set to anything: no colours",
		"HTTPS_PROXY, NO_PROXY", "proxy for HTTPS, hosts that bypass it",
		"XDG_CONFIG_HOME", "config dir (default ~/.config): duoterm/config.json",
		"XDG_STATE_HOME", "state dir (default ~/.local/state): duoterm/",
		"DUOTERM_SIM", "the simulator --demo starts (default: found beside the binary)",
		"DUOTERM_DEMO_SCENARIO", "the scenario file --demo plays (default: the demo story)",
		"GITLAB_OAUTH_APP_ID", "(login --oauth) the OAuth application id",
		"GITLAB_OAUTH_APP_SECRET", "(login --oauth) its secret, for confidential apps",
		"GITLAB_OAUTH_CALLBACK_URL", "(login --oauth) the redirect URI registered with it");
	fprintf(f, "\nConfig file keys (JSON, grouped by the part before the dot):\n");
	for (size_t i = 0; i < dt_config_nr_keys; i++)
		fprintf(f, "  %-22s %s%s%s\n", dt_config_keys[i].path, dt_config_keys[i].help,
			dt_config_keys[i].def ? "; default " : "",
			dt_config_keys[i].def ? dt_config_keys[i].def : "");
	fprintf(f, "\nSee duoterm(1) and https://docs.gitlab.com/user/gitlab_duo/ .\n");
}

enum { OPT_DEMO = 256, OPT_PROJECT, OPT_INSTANCE, OPT_LOG, OPT_LOG_LEVEL, OPT_NO_COLOR, OPT_JSON,
       OPT_EXIT_AFTER, OPT_APPROVE, OPT_ACCEPT, OPT_RESUME, OPT_MODEL, OPT_PROVIDER, OPT_CONTEXT, OPT_THEME };

static const struct option long_opts[] = {
	{"demo", no_argument, NULL, OPT_DEMO},
	{"project", required_argument, NULL, OPT_PROJECT},
	{"instance", required_argument, NULL, OPT_INSTANCE},
	{"log", required_argument, NULL, OPT_LOG},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"no-colour", no_argument, NULL, OPT_NO_COLOR},
	{"json", no_argument, NULL, OPT_JSON},
	{"exit-after-ms", required_argument, NULL, OPT_EXIT_AFTER}, /* benchmarks */
	{"approve", required_argument, NULL, OPT_APPROVE},
	{"accept-proposals", no_argument, NULL, OPT_ACCEPT},
	{"resume", optional_argument, NULL, OPT_RESUME},
	{"model", required_argument, NULL, OPT_MODEL},
	{"provider", required_argument, NULL, OPT_PROVIDER},
	{"context", required_argument, NULL, OPT_CONTEXT},
	{"theme", required_argument, NULL, OPT_THEME},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{0},
};

#define MAX_APPROVE 64

struct cli {
	int demo, json, no_colour, exit_after_ms, accept_proposals;
	const char *project, *instance, *log_file, *log_level, *dir, *command;
	const char *resume, *model, *provider, *theme;
	const char *approve[MAX_APPROVE + 1];
	int nr_approve;
	const char *context[MAX_APPROVE + 1];
	int nr_context;
	struct dt_sb goal; /* the words after the command */
};

static int parse_args(struct cli *cli, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "hVC:", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DEMO: cli->demo = 1; break;
		case OPT_PROJECT: cli->project = optarg; break;
		case OPT_INSTANCE: cli->instance = optarg; break;
		case OPT_LOG: cli->log_file = optarg; break;
		case OPT_LOG_LEVEL: cli->log_level = optarg; break;
		case OPT_NO_COLOR: cli->no_colour = 1; break;
		case OPT_JSON: cli->json = 1; break;
		case OPT_EXIT_AFTER: cli->exit_after_ms = atoi(optarg); break;
		case OPT_ACCEPT: cli->accept_proposals = 1; break;
		case OPT_RESUME: cli->resume = optarg ? optarg : ""; break;
		case OPT_MODEL: cli->model = optarg; break;
		case OPT_PROVIDER: cli->provider = optarg; break;
		case OPT_THEME: cli->theme = optarg; break;
		case OPT_APPROVE:
			if (cli->nr_approve == MAX_APPROVE) {
				fprintf(stderr, "duoterm: at most %d --approve patterns\n", MAX_APPROVE);
				return -1;
			}
			cli->approve[cli->nr_approve++] = optarg;
			break;
		case OPT_CONTEXT:
			if (cli->nr_context == MAX_APPROVE) {
				fprintf(stderr, "duoterm: at most %d --context items\n", MAX_APPROVE);
				return -1;
			}
			cli->context[cli->nr_context++] = optarg;
			break;
		case 'C': cli->dir = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("duoterm %s\n", DUOTERM_VERSION); exit(0);
		default:
			fprintf(stderr, "Try 'duoterm --help'.\n");
			return -1;
		}
	}
	if (optind < argc)
		cli->command = argv[optind++];
	for (; optind < argc; optind++) {
		if (cli->goal.len)
			dt_sb_addc(&cli->goal, ' ');
		dt_sb_adds(&cli->goal, argv[optind]);
	}
	return 0;
}

static int setup_log(const struct cli *cli, struct dt_config *cfg)
{
	enum dt_log_level level = DT_LOG_INFO;
	const char *file = cli->log_file ? cli->log_file : cfg->log_file;
	const char *lv = cli->log_level ? cli->log_level : cfg->log_level;
	int rc;

	if (lv && dt_log_level_parse(lv, &level)) {
		fprintf(stderr, "duoterm: unknown log level '%s' (error, warn, info, debug, trace)\n",
			lv);
		return -1;
	}
	if (!file)
		return 0;
	rc = dt_log_open(file, level);
	if (rc) {
		fprintf(stderr, "duoterm: cannot open the log %s: %s\n", file, strerror(-rc));
		return -1;
	}
	return 0;
}

/* duoterm login|logout [OPTION]...: their own options, handled by login.c */
static int sign_in(int argc, char **argv)
{
	struct dt_config cfg;
	struct dt_sb err = DT_SB_INIT;
	int rc;

	if (dt_config_load(&cfg, &err) || err.len)
		fprintf(stderr, "duoterm: %s", err.buf);
	rc = !strcmp(argv[0], "login") ? dt_login_run(&cfg, argc, argv) : dt_logout_run(&cfg, argc, argv);
	dt_config_release(&cfg);
	dt_secret_clear_all();
	dt_sb_release(&err);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	struct dt_config cfg;
	struct dt_demo demo = {0};
	struct dt_sb err = DT_SB_INIT;
	int rc = 0;

	if (argc > 1 && (!strcmp(argv[1], "login") || !strcmp(argv[1], "logout")))
		return sign_in(argc - 1, argv + 1);
	if (parse_args(&cli, argc, argv))
		return 2;
	if (cli.dir && chdir(cli.dir)) {
		fprintf(stderr, "duoterm: cannot change to %s: ", cli.dir);
		perror(NULL);
		return 2;
	}
	if (cli.command && strcmp(cli.command, "status") && strcmp(cli.command, "run") &&
	    strcmp(cli.command, "doctor")) {
		fprintf(stderr, "duoterm: unknown command '%s'. Try 'duoterm --help'.\n",
			cli.command);
		return 2;
	}
	if (cli.command && strcmp(cli.command, "run") && cli.goal.len) {
		fprintf(stderr, "duoterm: %s takes no arguments. Try 'duoterm --help'.\n",
			cli.command);
		return 2;
	}
	if (cli.command && !strcmp(cli.command, "run") && !cli.goal.len && !cli.resume) {
		fprintf(stderr, "duoterm: run needs a goal, e.g. duoterm run --json \"fix the "
				"failing test\" (or --resume)\n");
		return 2;
	}
	if (dt_config_load(&cfg, &err))
		fprintf(stderr, "duoterm: %s(using defaults for what could not be read)\n", err.buf);
	else if (err.len)
		fprintf(stderr, "duoterm: %s", err.buf);
	dt_sb_reset(&err);
	if (cli.instance)
		dt_config_set(&cfg, &cfg.instance_url, cli.instance);
	if (cli.project)
		dt_config_set(&cfg, &cfg.project, cli.project);
	if (cli.provider)
		dt_config_set(&cfg, &cfg.provider, cli.provider);
	if (cli.model)
		dt_config_set(&cfg, &cfg.model, cli.model);
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		cli.no_colour = 1;
	if (setup_log(&cli, &cfg)) {
		rc = 2;
		goto done;
	}
	dt_info("main", "duoterm %s starting", DUOTERM_VERSION);
	if (cli.demo && dt_demo_start(&demo, &cfg, &err)) {
		fprintf(stderr, "duoterm: demo: %s\n", err.buf);
		rc = 1;
		goto done;
	}
	if (cli.command) {
		struct dt_context ctx;

		dt_context_detect(&ctx, &cfg);
		if (!strcmp(cli.command, "status")) {
			rc = dt_status_run(&cfg, &ctx, cli.json);
		} else if (!strcmp(cli.command, "doctor")) {
			rc = dt_doctor_run(&cfg, &ctx, cli.json);
		} else {
			struct dt_run_opts ro = {
				.goal = cli.goal.len ? cli.goal.buf : NULL,
				.approve = cli.approve,
				.accept_proposals = cli.accept_proposals,
				.resume = cli.resume,
				.model = cli.model,
				.context = cli.context,
			};
			rc = dt_run_headless(&cfg, &ctx, &ro);
		}
		dt_context_release(&ctx);
	} else {
		struct dt_workbench_opts wo = {
			.cfg = &cfg,
			.demo = cli.demo,
			.no_colour = cli.no_colour,
			.theme = cli.theme,
			.exit_after_ms = cli.exit_after_ms,
			.resume = cli.resume,
		};
		rc = dt_workbench_run(&wo);
	}
done:
	if (cli.demo)
		dt_demo_stop(&demo);
	dt_config_release(&cfg);
	dt_secret_clear_all();
	dt_log_close();
	dt_sb_release(&err);
	dt_sb_release(&cli.goal);
	return rc;
}
