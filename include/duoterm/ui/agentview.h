/*
 * The agent in the workbench: chat input goes to the agent; its transcript
 * streams into the Chat pane, its plan into the Plan pane, its state and
 * token use into the status bar; a tool call that needs approval opens a
 * dialog (once / always for the pattern / no), with a bell or OSC 9 so a
 * user in another tmux window hears about it.  Main thread only.
 *
 * Without a usable provider (no API key, say) the workbench still runs: the
 * Chat pane says why and how to fix it.
 */
#ifndef DUOTERM_UI_AGENTVIEW_H
#define DUOTERM_UI_AGENTVIEW_H

#include "duoterm/core/config.h"
#include "duoterm/ui/app.h"
#include "duoterm/ui/context.h"
#include "duoterm/ui/runtime.h"

struct dt_gl_client;
struct dt_panels;
struct dt_agentview;

/* Never fails: on error the view explains itself in the Chat pane.
 * gl may be NULL (no GitLab tools).  resume: a session id to continue
 * ("" = the latest), or NULL for a new one; its transcript, plan and
 * proposals are shown again, and a turn it was in the middle of waits for
 * /resume. */
struct dt_agentview *dt_agentview_new(struct dt_app *app, struct dt_runtime *rt,
				      const struct dt_config *cfg, const struct dt_context *ctx,
				      struct dt_gl_client *gl, const char *resume);
/* /mr, /issue and /pipeline in the chat go to the GitLab panels. */
void dt_agentview_set_panels(struct dt_agentview *v, struct dt_panels *panels);
/* Before the net thread stops. */
void dt_agentview_free(struct dt_agentview *v);
int dt_agentview_busy(const struct dt_agentview *v);

#endif
