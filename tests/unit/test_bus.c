/*
 * The message bus (src/core/bus.c): bounded owned-message queues.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "duoterm/core/bus.h"

struct tmsg {
	struct dt_msg msg;
	int n;
};

static atomic_int destroyed;

static void tmsg_destroy(struct dt_msg *m)
{
	atomic_fetch_add(&destroyed, 1);
	free(m);
}

static struct dt_msg *tmsg(int n)
{
	struct tmsg *t = calloc(1, sizeof(*t));

	t->msg.type = DT_MSG_CORE + 1;
	t->msg.destroy = tmsg_destroy;
	t->n = n;
	return &t->msg;
}

static int num(struct dt_msg *m)
{
	return ((struct tmsg *)m)->n;
}

struct waker {
	atomic_int wakes;
	struct dt_queue *q;
	size_t len_seen; /* dt_queue_len() from inside the wake: no lock held */
};

static void on_wake(void *ud)
{
	struct waker *w = ud;

	atomic_fetch_add(&w->wakes, 1);
	if (w->q)
		w->len_seen = dt_queue_len(w->q);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {0, (long)ms * 1000000};

	nanosleep(&ts, NULL);
}

static void test_fifo_cap_and_eagain(void **state)
{
	struct dt_queue q;
	struct dt_msg *m, *list;
	int i;
	(void)state;

	atomic_store(&destroyed, 0);
	assert_int_equal(dt_queue_init(&q, 3, NULL, NULL), 0);
	assert_null(dt_queue_pop_all(&q));
	for (i = 1; i <= 3; i++)
		assert_int_equal(dt_queue_push(&q, tmsg(i)), 0);
	assert_int_equal(dt_queue_len(&q), 3);

	m = tmsg(4);
	assert_int_equal(dt_queue_push(&q, m), -EAGAIN);
	dt_msg_free(m); /* refused: still ours */
	assert_int_equal(atomic_load(&destroyed), 1);

	list = dt_queue_pop_all(&q);
	assert_int_equal(dt_queue_len(&q), 0);
	for (i = 1, m = list; m; m = m->next, i++)
		assert_int_equal(num(m), i);
	assert_int_equal(i, 4);
	dt_msg_free_list(list);
	assert_int_equal(atomic_load(&destroyed), 4);

	/* room again after the pop */
	assert_int_equal(dt_queue_push(&q, tmsg(5)), 0);
	assert_int_equal(q.pushes, 4);
	dt_queue_release(&q); /* frees what is left */
	assert_int_equal(atomic_load(&destroyed), 5);
}

static void test_default_cap(void **state)
{
	struct dt_queue q;
	int i;
	(void)state;

	assert_int_equal(dt_queue_init(&q, 0, NULL, NULL), 0);
	assert_int_equal(q.cap, 4096);
	for (i = 0; i < 4096; i++)
		assert_int_equal(dt_queue_push(&q, tmsg(i)), 0);
	{
		struct dt_msg *m = tmsg(-1);

		assert_int_equal(dt_queue_push(&q, m), -EAGAIN);
		dt_msg_free(m);
	}
	dt_queue_release(&q);
	dt_msg_free(NULL);
	dt_msg_free_list(NULL);
}

static void test_one_wake_per_batch(void **state)
{
	struct waker w = {0};
	struct dt_queue q;
	int i;
	(void)state;

	assert_int_equal(dt_queue_init(&q, 100, on_wake, &w), 0);
	w.q = &q;
	for (i = 0; i < 10; i++)
		assert_int_equal(dt_queue_push(&q, tmsg(i)), 0);
	assert_int_equal(atomic_load(&w.wakes), 1); /* empty -> non-empty only */
	assert_int_equal(w.len_seen, 1);            /* the wake ran outside the lock */
	dt_msg_free_list(dt_queue_pop_all(&q));
	for (i = 0; i < 5; i++)
		assert_int_equal(dt_queue_push(&q, tmsg(i)), 0);
	assert_int_equal(atomic_load(&w.wakes), 2);
	assert_int_equal(q.wakes, 2);
	dt_queue_release(&q);
}

struct pusher {
	struct dt_queue *q;
	int n, result;
	atomic_int done;
};

static void *push_waiting(void *arg)
{
	struct pusher *p = arg;
	int i;

	p->result = 0;
	for (i = 0; i < p->n && !p->result; i++) {
		struct dt_msg *m = tmsg(1000 + i);

		p->result = dt_queue_push_wait(p->q, m);
		if (p->result)
			dt_msg_free(m); /* refused: still ours */
	}
	atomic_store(&p->done, 1);
	return NULL;
}

static int wait_done(atomic_int *flag, int ms)
{
	while (ms > 0 && !atomic_load(flag)) {
		sleep_ms(5);
		ms -= 5;
	}
	return atomic_load(flag);
}

static void test_push_wait_blocks_until_room(void **state)
{
	struct pusher p = {0};
	struct waker w = {0};
	struct dt_queue q;
	pthread_t t;
	struct dt_msg *list, *m;
	int got = 0;
	(void)state;

	assert_int_equal(dt_queue_init(&q, 2, on_wake, &w), 0);
	assert_int_equal(dt_queue_push(&q, tmsg(1)), 0);
	assert_int_equal(dt_queue_push(&q, tmsg(2)), 0);
	p.q = &q;
	p.n = 2;
	assert_int_equal(pthread_create(&t, NULL, push_waiting, &p), 0);
	sleep_ms(100);
	assert_int_equal(atomic_load(&p.done), 0); /* blocked: the queue is full */

	/* a pop makes room for both of its messages */
	list = dt_queue_pop_all(&q);
	assert_true(wait_done(&p.done, 3000));
	pthread_join(t, NULL);
	assert_int_equal(p.result, 0);
	assert_true(q.waits >= 1);
	for (m = list; m; m = m->next)
		got++;
	assert_int_equal(got, 2);
	dt_msg_free_list(list);

	list = dt_queue_pop_all(&q);
	assert_int_equal(num(list), 1000);
	assert_int_equal(num(list->next), 1001);
	dt_msg_free_list(list);
	/* one wake for the first batch, one when the waiting pusher refilled
	 * the emptied queue */
	assert_int_equal(atomic_load(&w.wakes), 2);
	dt_queue_release(&q);
}

static void test_close(void **state)
{
	struct pusher p = {0};
	struct dt_queue q;
	struct dt_msg *m;
	pthread_t t;
	(void)state;

	atomic_store(&destroyed, 0);
	assert_int_equal(dt_queue_init(&q, 1, NULL, NULL), 0);
	assert_int_equal(dt_queue_push(&q, tmsg(1)), 0);
	p.q = &q;
	p.n = 1;
	assert_int_equal(pthread_create(&t, NULL, push_waiting, &p), 0);
	sleep_ms(50);
	assert_int_equal(atomic_load(&p.done), 0);

	dt_queue_close(&q); /* wakes the waiter, which gets -EPIPE */
	assert_true(wait_done(&p.done, 3000));
	pthread_join(t, NULL);
	assert_int_equal(p.result, -EPIPE);

	m = tmsg(2);
	assert_int_equal(dt_queue_push(&q, m), -EPIPE);
	assert_int_equal(dt_queue_push_wait(&q, m), -EPIPE);
	dt_msg_free(m);
	/* what was queued before the close can still be taken */
	m = dt_queue_pop_all(&q);
	assert_int_equal(num(m), 1);
	dt_msg_free_list(m);
	dt_queue_release(&q);
	/* the pusher's refused one, ours, and the one queued before */
	assert_int_equal(atomic_load(&destroyed), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fifo_cap_and_eagain),
	    cmocka_unit_test(test_default_cap),
	    cmocka_unit_test(test_one_wake_per_batch),
	    cmocka_unit_test(test_push_wait_blocks_until_room),
	    cmocka_unit_test(test_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
