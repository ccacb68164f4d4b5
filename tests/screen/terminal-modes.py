#!/usr/bin/python3
"""Terminal manners, seen from the terminal's side of a pty: bracketed paste
and modifyOtherKeys on and off again, mouse only when ui.mouse is set,
synchronized output (CSI ? 2026 h/l around frames) only after the terminal
answered DECRQM that it knows mode 2026, and y copying the selected line
with OSC 52 (plus tmux's passthrough inside tmux)."""
import base64
import json
import os
import pty
import select
import signal
import struct
import sys
import tempfile
import termios
import fcntl
import time

BIN = os.environ.get("DUOTERM_BIN") or os.path.join(os.path.dirname(__file__), "../../duoterm")
ASK_SYNC = b"\x1b[?2026$p"


class Term:
    def __init__(self, env_extra, config=None):
        self.home = tempfile.mkdtemp(prefix="dt-modes.")
        cfgdir = os.path.join(self.home, "config", "duoterm")
        os.makedirs(cfgdir)
        if config is not None:
            with open(os.path.join(cfgdir, "config.json"), "w") as f:
                json.dump(config, f)
        env = {k: v for k, v in os.environ.items() if k != "TMUX"}
        env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                   XDG_CONFIG_HOME=os.path.join(self.home, "config"),
                   XDG_STATE_HOME=os.path.join(self.home, "state"))
        env.update(env_extra)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(self.home)
            os.execve(BIN, [BIN, "--no-color"], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.out = b""

    def read(self, until=None, timeout=5.0):
        end = time.time() + timeout
        while time.time() < end:
            if until is not None and until in self.out:
                return True
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                self.out += data
        return until is None or until in self.out

    def send(self, b):
        os.write(self.fd, b)

    def finish(self):
        self.send(b"q")
        self.read(timeout=1.0)
        _, status = os.waitpid(self.pid, 0)
        self.read(timeout=0.2)
        return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1


def fail(msg, t=None):
    print("FAIL:", msg)
    if t is not None:
        print(repr(t.out[-2000:]))
    sys.exit(1)


def after(out, marker):
    return out[out.index(marker) + len(marker):]


# a terminal that knows mode 2026: frames are wrapped once it said so
t = Term({"DUOTERM_BENCH_LIST": "3"})
if not t.read(ASK_SYNC):
    fail("duoterm did not ask about mode 2026 (DECRQM)", t)
if b"\x1b[?2004h" not in t.out:
    fail("bracketed paste was not turned on", t)
if b"\x1b[?1000h" in t.out:
    fail("the mouse is on by default", t)
t.read(b"1/3")
t.read(b"without it.")  # the agent's start (after the first frame) has been drawn
if b"\x1b[?2026h" in t.out:
    fail("synchronized output used before the terminal answered", t)
t.send(b"\x1b[?2026;2$y")      # "reset": known and not set
time.sleep(0.1)
mark = len(t.out)
t.send(b"j")
t.read(b"\x1b[?2026l", 2)
frame = t.out[mark:]
if not (b"\x1b[?2026h" in frame and b"\x1b[?2026l" in frame
        and frame.index(b"\x1b[?2026h") < frame.index(b"\x1b[?2026l")):
    fail("the frame after j is not wrapped in CSI ? 2026 h ... l", t)
if b"000002 the fix" not in after(frame, b"\x1b[?2026h"):
    fail("the frame's content is not inside the synchronized update", t)
# y copies the selected row by OSC 52
mark = len(t.out)
t.send(b"y")
t.read(b"\x07", 2)
want = b"\x1b]52;c;" + base64.b64encode(b"000002 the fix fix merge") + b"\x07"
if want not in t.out[mark:]:
    fail("y did not copy the selected line with OSC 52", t)
if b"\x1bPtmux;" in t.out[mark:]:
    fail("tmux passthrough outside tmux", t)
if t.finish() != 0:
    fail("bad exit status", t)
tail = t.out[-400:]
for seq in (b"\x1b[?2004l", b"\x1b[>4m"):
    if seq not in tail:
        fail("%r was not turned off at the end" % seq, t)

# a terminal that does not know it: never wrapped
t = Term({})
t.read(ASK_SYNC)
t.read(b"1 Plan")
t.send(b"\x1b[?2026;0$y")
time.sleep(0.1)
t.send(b"2")
t.read(timeout=0.5)
if b"\x1b[?2026h" in t.out:
    fail("synchronized output used though the terminal said it does not know it", t)
t.finish()

# ui.mouse on: SGR mouse reporting, off again at the end; inside tmux the
# copy goes through tmux's passthrough as well
t = Term({"TMUX": "/tmp/fake,1,0", "DUOTERM_BENCH_LIST": "2"}, {"ui": {"mouse": True}})
t.read(b"1/2")
if b"\x1b[?1000h\x1b[?1006h" not in t.out:
    fail("ui.mouse did not turn the mouse on", t)
t.send(b"\x1b[<0;50;3M\x1b[<0;50;3m")   # click on Review
t.read(b"2 Review", 1)
t.send(b"\x1b[<0;5;3M")                  # click on Plan's second row
t.read(timeout=0.3)
mark = len(t.out)
t.send(b"y")
t.read(b"\x1b\\", 2)
copied = base64.b64encode(b"000002 the fix fix merge")
if b"\x1bPtmux;\x1b\x1b]52;c;" + copied not in t.out[mark:]:
    fail("the click did not select the row, or no tmux passthrough copy", t)
t.finish()
if b"\x1b[?1006l\x1b[?1000l" not in t.out[-400:]:
    fail("the mouse was not turned off at the end", t)
# ui.links: rows with a URL are rewritten as OSC 8 links after the frame,
# inside DECSC/DECRC so the cursor and rendition are as curses left them
t = Term({"DUOTERM_BENCH_LIST": "10"}, {"ui": {"links": True}})
link = b"\x1b]8;;https://gitlab.invalid/row/1\x1b\\000001 fix fix fix fix\x1b]8;;\x1b\\"
if not t.read(link):
    fail("no OSC 8 link for row 1", t)
chunk = t.out[:t.out.index(link)]
if b"\x1b7" not in chunk[chunk.rindex(b"\x1b[?2026$p"):] or b"\x1b8" not in after(t.out, link):
    fail("the links are not wrapped in DECSC/DECRC", t)
t.finish()
t = Term({"DUOTERM_BENCH_LIST": "10"})
t.read(b"1/10")
if b"\x1b]8;;" in t.out:
    fail("OSC 8 links without ui.links", t)
t.finish()
print("ok")
