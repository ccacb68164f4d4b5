"""duoterm-sim: a local server that plays GitLab (REST v4, ActionCable) and a
scripted model (OpenAI chat completions, Anthropic Messages) for duoterm's
tests and demo.  Stdlib + aiohttp only; run under /usr/bin/python3."""

VERSION = "0.1.0"
