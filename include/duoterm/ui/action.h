/*
 * Every user action in one table (tig's REQ_INFO).  The table generates the
 * enum, the names used in the "keys" section of config.json, the help
 * overlay (?) and the KEYS section of the man page; adding an action is one
 * line here plus its handler.
 *
 * A keymap binds keys to actions.  Each action belongs to one or more
 * contexts; a key is looked up in the contexts that apply where it was
 * pressed, most specific first (neomutt's focused window -> family ->
 * global).  The same key may mean different things in different contexts
 * (Enter sends in Chat, opens in a list), never two things in one.
 */
#ifndef DUOTERM_UI_ACTION_H
#define DUOTERM_UI_ACTION_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/ui/keys.h"

enum dt_ctx {
	DT_CTX_GLOBAL = 1 << 0, /* anywhere (in Chat: only keys that do not type) */
	DT_CTX_LIST = 1 << 1,   /* list panes, the help, pick dialogs */
	DT_CTX_CHAT = 1 << 2,   /* the Chat pane */
	DT_CTX_INPUT = 1 << 3,  /* editing text: Chat's input and prompts */
	DT_CTX_PROMPT = 1 << 4, /* the one-line prompts: / f : */
	DT_CTX_DIALOG = 1 << 5, /* confirm and pick dialogs */
	DT_CTX_REVIEW = 1 << 6, /* the Review pane */
	DT_CTX_PLAN = 1 << 7,   /* the Plan pane */
	DT_CTX_PANEL = 1 << 8,  /* the side panels: Merge requests, Issues, Pipelines */
};
#define DT_NR_CTX 9

/* X(ID, config name, contexts, default keys, help).  Contexts are written
 * G L C I P D R A S (global, list, chat, input, prompt, dialog, review, plan,
 * side panels); action.c defines those letters where it expands the table. */
#define DT_ACTIONS(X) \
	X(QUIT, "quit", G, "q", "Quit (asks first while the agent is working)") \
	X(FOCUS_NEXT, "focus-next", G, "Tab", "Focus the next pane") \
	X(FOCUS_PREV, "focus-prev", G, "S-Tab", "Focus the previous pane") \
	X(FOCUS_PLAN, "focus-plan", G, "1 M-1", "Focus Plan") \
	X(FOCUS_REVIEW, "focus-review", G, "2 M-2", "Focus Review") \
	X(FOCUS_CHAT, "focus-chat", G, "3 M-3", "Focus Chat") \
	X(FOCUS_MRS, "focus-merge-requests", G, "4 M-4", "Focus Merge requests") \
	X(FOCUS_ISSUES, "focus-issues", G, "5 M-5", "Focus Issues") \
	X(FOCUS_PIPELINES, "focus-pipelines", G, "6 M-6", "Focus Pipelines") \
	X(ZOOM, "zoom", G, "z M-z", "Zoom the focused pane to the whole screen, and back") \
	X(HELP, "help", G, "? F1", "Show the keys") \
	X(PALETTE, "command-palette", G, ": M-x", "Run any action by name (Tab completes)") \
	X(REDRAW, "redraw", G, "C-l", "Redraw the whole screen") \
	X(WIDER, "split-wider", G, "]", "Make the focused pane wider (remembered)") \
	X(NARROWER, "split-narrower", G, "[", "Make the focused pane narrower") \
	X(TALLER, "split-taller", G, "}", "Make the focused pane taller") \
	X(SHORTER, "split-shorter", G, "{", "Make the focused pane shorter") \
	X(SPLIT_RESET, "split-reset", G, "=", "Put the split sizes back to the defaults") \
	X(CANCEL, "cancel", G | P | D, "Esc C-c", \
	  "Cancel: close the prompt or dialog, or stop the agent's reply") \
	X(COPY, "copy", G, "y", \
	  "Copy the selected line (in Chat the last reply) to the clipboard, by OSC 52") \
	X(TOGGLE_MOUSE, "toggle-mouse", G, "", "Turn mouse support on or off") \
	X(CHOOSE_THEME, "choose-theme", G, "", "Pick a colour theme") \
	X(DOWN, "move-down", L | R, "j Down C-n", "Move down") \
	X(UP, "move-up", L | R, "k Up C-p", "Move up") \
	X(PAGE_DOWN, "page-down", L | R, "PgDn Space C-f", "Move down a page") \
	X(PAGE_UP, "page-up", L | R, "PgUp - C-b", "Move up a page") \
	X(FIRST, "move-first", L | R, "g Home", "Go to the first line") \
	X(LAST, "move-last", L | R, "G End", "Go to the last line") \
	X(SEARCH, "search", L, "/", \
	  "Search (smart case: case matters only if you type a capital)") \
	X(SEARCH_NEXT, "search-next", L, "n", "Next match") \
	X(SEARCH_PREV, "search-prev", L, "N", "Previous match") \
	X(FILTER, "filter", L, "f", "Show only the lines that contain some text (smart case)") \
	X(OPEN, "open", L, "Enter", "Open the selected item") \
	X(REVIEW_ACCEPT, "review-accept", R, "y", "Accept the hunk (or the selected lines)") \
	X(REVIEW_REJECT, "review-reject", R, "n", "Reject the hunk (or the selected lines)") \
	X(REVIEW_ACCEPT_FILE, "review-accept-file", R, "Y", "Accept the file's undecided hunks") \
	X(REVIEW_REJECT_FILE, "review-reject-file", R, "N", "Reject the file's undecided hunks") \
	X(REVIEW_SPLIT, "review-split", R, "s", "Split the hunk into smaller hunks (as git add -p)") \
	X(REVIEW_EDIT, "review-edit", R, "e", "Edit the hunk in $VISUAL or $EDITOR") \
	X(REVIEW_UNDO, "review-undo", R, "u", "Undo the last decision or discard") \
	X(REVIEW_LINES, "review-lines", R, "v", "Line mode: select lines of the hunk with j/k") \
	X(REVIEW_DISCARD, "review-discard", R, "d", "Discard the hunk from the working tree (asks first)") \
	X(REVIEW_NEXT_HUNK, "review-next-hunk", R, "J", "Go to the next hunk") \
	X(REVIEW_PREV_HUNK, "review-prev-hunk", R, "K", "Go to the previous hunk") \
	X(REVIEW_SOURCE_NEXT, "review-source-next", R, ">", "Next source: Proposed, Unstaged, Staged") \
	X(REVIEW_SOURCE_PREV, "review-source-prev", R, "<", "Previous source") \
	X(REVIEW_RELOAD, "review-reload", R, "r", "List the changes again") \
	X(PLAN_EDIT, "plan-edit", A, "e", "Edit the step's title (the agent is told)") \
	X(PLAN_ADD, "plan-add", A, "a o", "Add a step after the selected one") \
	X(PLAN_REMOVE, "plan-remove", A, "d x", "Remove the step") \
	X(PLAN_MOVE_DOWN, "plan-move-down", A, "J M-Down", "Move the step down") \
	X(PLAN_MOVE_UP, "plan-move-up", A, "K M-Up", "Move the step up") \
	X(PLAN_CANCEL_STEP, "plan-cancel-step", A, "c", \
	  "Mark the step cancelled, or not started again") \
	X(PLAN_PAUSE, "plan-pause", A, "p", \
	  "Pause the agent after the running tool, or resume it (/pause, /resume)") \
	X(PLAN_STOP, "plan-stop", A, "S", "Stop the agent's turn (/stop; Esc does it too)") \
	X(PANEL_BACK, "panel-back", S, "Backspace h Left Esc", \
	  "Back from a detail to its list (Esc only while a detail is open)") \
	X(PANEL_COMMENT, "panel-comment", S, "c", \
	  "Comment on the merge request or issue (@name mentions pass as typed)") \
	X(PANEL_ASSIGN, "panel-assign", S, "a", "Assign the issue to a project member") \
	X(PANEL_DIFF, "panel-diff", S, "d", "Open the merge request's diff in Review (read-only)") \
	X(JOB_RETRY, "job-retry", S, "r", "Retry the selected job (asks first)") \
	X(JOB_CANCEL, "job-cancel", S, "x", "Cancel the selected job (asks first)") \
	X(SUBMIT, "submit", C, "Enter", "Send the message to the agent") \
	X(NEWLINE, "newline", C, "M-Enter S-Enter C-j", "New line in the message") \
	X(SCROLL_UP, "scroll-up", C, "PgUp", "Scroll the transcript up") \
	X(SCROLL_DOWN, "scroll-down", C, "PgDn", "Scroll the transcript down (to the end: follow)") \
	X(CHAR_LEFT, "cursor-left", I, "Left C-b", "Cursor left") \
	X(CHAR_RIGHT, "cursor-right", I, "Right C-f", "Cursor right") \
	X(WORD_LEFT, "word-left", I, "M-b C-Left M-Left", "Back a word") \
	X(WORD_RIGHT, "word-right", I, "M-f C-Right M-Right", "Forward a word") \
	X(LINE_START, "line-start", I, "Home C-a", "Start of the line") \
	X(LINE_END, "line-end", I, "End C-e", "End of the line") \
	X(DELETE_BACK, "delete-back", I, "Backspace C-h", "Delete the character before the cursor") \
	X(DELETE_CHAR, "delete-char", I, "Delete C-d", "Delete the character under the cursor") \
	X(KILL_TO_END, "kill-to-end", I, "C-k", "Cut to the end of the line") \
	X(KILL_TO_START, "kill-to-start", I, "C-u", "Cut to the start of the line") \
	X(KILL_WORD_BACK, "kill-word-back", I, "C-w M-Backspace", "Cut the word before the cursor") \
	X(KILL_WORD, "kill-word", I, "M-d", "Cut the word after the cursor") \
	X(YANK, "yank", I, "C-y", "Paste what was cut last") \
	X(HISTORY_PREV, "history-prev", I, "Up", \
	  "Line up; on the first line, the previous message from history") \
	X(HISTORY_NEXT, "history-next", I, "Down", \
	  "Line down; on the last line, the next message from history") \
	X(ACCEPT, "accept", P | D, "Enter", "Accept the prompt or the dialog") \
	X(COMPLETE, "complete", P, "Tab", "Complete the command name") \
	X(YES, "dialog-yes", D, "y Y", "Answer yes") \
	X(NO, "dialog-no", D, "n N", "Answer no")

enum dt_action {
	DT_ACT_NONE,
#define DT_ACTION_ENUM(id, name, ctx, keys, help) DT_ACT_##id,
	DT_ACTIONS(DT_ACTION_ENUM)
#undef DT_ACTION_ENUM
	DT_ACT_COUNT
};

const char *dt_action_name(enum dt_action a);
const char *dt_action_help(enum dt_action a);
unsigned dt_action_ctx(enum dt_action a);
const char *dt_action_default_keys(enum dt_action a);
/* DT_ACT_NONE for a name that is not an action. */
enum dt_action dt_action_by_name(const char *name);

struct dt_binding {
	dt_key key;
	enum dt_action action;
};

struct dt_keymap {
	struct dt_binding *b;
	size_t n, alloc;
};

#define DT_KEYMAP_INIT {0}

/* The defaults from the table. */
void dt_keymap_init(struct dt_keymap *km);
void dt_keymap_release(struct dt_keymap *km);
/* The action bound to key in any of the contexts in ctx, or DT_ACT_NONE. */
enum dt_action dt_keymap_lookup(const struct dt_keymap *km, unsigned ctx, dt_key key);
/* Gives the action exactly these keys (n == 0 unbinds it); each key is
 * taken away from other actions that share a context with it. */
void dt_keymap_bind(struct dt_keymap *km, enum dt_action a, const dt_key *keys, size_t n);
/* Applies the "keys" object of a config file's JSON text, e.g.
 * {"keys": {"quit": "Q", "move-down": ["j", "Down"], "zoom": ""}} — a value
 * is one key, several separated by spaces, a list, or "" / null / [] to
 * unbind.  Bad entries are skipped, each with a line in err naming the file
 * and line ("config.json:4: unknown action \"quitt\" ...").  Returns the
 * number of errors; a file without "keys" is fine. */
int dt_keymap_load_json(struct dt_keymap *km, const char *file, const char *text,
			struct dt_sb *err);
/* "j, Down, C-n" (empty when unbound). */
void dt_keymap_keys(const struct dt_keymap *km, enum dt_action a, struct dt_sb *out);

/* The help overlay's text, from the table and the current bindings: a
 * "# Section" line per context, then "keys\thelp" lines. */
void dt_keymap_help(const struct dt_keymap *km, struct dt_sb *out);
/* The man page's KEYS section (roff) from the defaults. */
void dt_keymap_man(struct dt_sb *out);
/* Replaces what lies between the lines '.\" NAME: begin' and '.\" NAME: end'
 * of a man page with text (generated sections kept in doc/duoterm.1);
 * 0, or -1 when the markers are missing. */
int dt_doc_splice(struct dt_sb *doc, const char *name, const char *text);
/* Titles of the help/man sections, by context bit. */
const char *dt_ctx_title(unsigned ctx_bit);

#endif
