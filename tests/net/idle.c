/*
 * Idle probe: one finished HTTP request (its connection stays cached), one
 * open WebSocket, then nothing for SECONDS while the main thread sleeps in
 * poll() on its wake fd as the real main loop does.  Prints the net
 * thread's wake-ups and the process' CPU time over the quiet period.
 *
 *   cc ... tests/net/idle.c -o idle   (same sources and libraries as the tests)
 *   ./idle http://127.0.0.1:PORT/hello ws://127.0.0.1:PORT/ws 10
 *
 * It prints "READY <pid>" when the quiet period starts, so strace can be
 * attached for exactly that window: strace -f -c -p <pid>.
 */
#include "harness.h"

#include "duoterm/net/http.h"
#include "duoterm/net/ws.h"

static int http_done, ws_open;

static void on_http(const struct dt_http_event *ev, void *ud)
{
	(void)ud;
	if (ev->type == DT_HTTP_DONE)
		http_done = ev->result == 0 ? 1 : -1;
}

static void on_ws(const struct dt_ws_event *ev, void *ud)
{
	(void)ud;
	if (ev->type == DT_WS_OPEN)
		ws_open = 1;
	else if (ev->type == DT_WS_ERROR || ev->type == DT_WS_CLOSED)
		ws_open = -1;
}

static double cpu_seconds(void)
{
	unsigned long ut = 0, st = 0;
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "r");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')');
	/* fields 14 and 15: utime, stime (after "pid (comm) state ...") */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_ws_opts o = DT_WS_OPTS_INIT;
	struct dt_net_stats a, b;
	struct h_main m;
	struct dt_net *net;
	struct pollfd p;
	double cpu0, cpu1;
	int secs;

	if (argc != 4) {
		fprintf(stderr, "usage: %s HTTP-URL WS-URL SECONDS\n", argv[0]);
		return 2;
	}
	secs = atoi(argv[3]);
	h_main_init(&m, 0);
	net = dt_net_start(&m.q, NULL);
	if (!net)
		return 1;
	req.url = argv[1];
	dt_http_start(net, &req, on_http, NULL, NULL);
	o.url = argv[2];
	dt_ws_open(net, &o, on_ws, NULL, NULL);
	if (h_main_until(&m, &http_done, 5000) || http_done < 0 ||
	    h_main_until(&m, &ws_open, 5000) || ws_open < 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	h_main_run(&m, 300);
	dt_net_get_stats(net, &a);
	cpu0 = cpu_seconds();
	printf("READY %d\n", (int)getpid());
	fflush(stdout);

	/* the main loop, idle: blocked in poll() on the wake fd */
	p.fd = m.efd;
	p.events = POLLIN;
	if (poll(&p, 1, secs * 1000) > 0)
		printf("unexpected: the net thread woke the main thread\n");

	dt_net_get_stats(net, &b);
	cpu1 = cpu_seconds();
	printf("idle %d s: net thread wake-ups %llu, CPU %.3f s, ws open %llu\n", secs,
	       (unsigned long long)(b.loop_iterations - a.loop_iterations), cpu1 - cpu0,
	       (unsigned long long)b.ws_open);
	dt_net_stop(net);
	h_main_release(&m);
	return 0;
}
