#include "duoterm/core/bus.h"

#include <errno.h>

#define DT_QUEUE_DEFAULT_CAP 4096

int dt_queue_init(struct dt_queue *q, size_t cap, void (*wake)(void *), void *wake_ud)
{
	*q = (struct dt_queue){0};
	if (pthread_mutex_init(&q->lock, NULL))
		return -ENOMEM;
	if (pthread_cond_init(&q->not_full, NULL)) {
		pthread_mutex_destroy(&q->lock);
		return -ENOMEM;
	}
	q->cap = cap ? cap : DT_QUEUE_DEFAULT_CAP;
	q->wake = wake;
	q->wake_ud = wake_ud;
	return 0;
}

void dt_queue_release(struct dt_queue *q)
{
	dt_msg_free_list(q->head);
	q->head = q->tail = NULL;
	pthread_cond_destroy(&q->not_full);
	pthread_mutex_destroy(&q->lock);
}

static int append_locked(struct dt_queue *q, struct dt_msg *msg)
{
	int was_empty = q->len == 0;

	msg->next = NULL;
	if (q->tail)
		q->tail->next = msg;
	else
		q->head = msg;
	q->tail = msg;
	q->len++;
	q->pushes++;
	if (was_empty)
		q->wakes++;
	return was_empty;
}

static int push(struct dt_queue *q, struct dt_msg *msg, int wait)
{
	int wake;

	pthread_mutex_lock(&q->lock);
	while (!q->closed && q->len >= q->cap) {
		if (!wait) {
			pthread_mutex_unlock(&q->lock);
			return -EAGAIN;
		}
		q->waits++;
		pthread_cond_wait(&q->not_full, &q->lock);
	}
	if (q->closed) {
		pthread_mutex_unlock(&q->lock);
		return -EPIPE;
	}
	wake = append_locked(q, msg);
	pthread_mutex_unlock(&q->lock);
	if (wake && q->wake)
		q->wake(q->wake_ud);
	return 0;
}

int dt_queue_push(struct dt_queue *q, struct dt_msg *msg)
{
	return push(q, msg, 0);
}

int dt_queue_push_wait(struct dt_queue *q, struct dt_msg *msg)
{
	return push(q, msg, 1);
}

struct dt_msg *dt_queue_pop_all(struct dt_queue *q)
{
	struct dt_msg *list;

	pthread_mutex_lock(&q->lock);
	list = q->head;
	q->head = q->tail = NULL;
	q->len = 0;
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return list;
}

void dt_queue_close(struct dt_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}

size_t dt_queue_len(struct dt_queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->len;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void dt_msg_free(struct dt_msg *msg)
{
	if (msg && msg->destroy)
		msg->destroy(msg);
}

void dt_msg_free_list(struct dt_msg *list)
{
	while (list) {
		struct dt_msg *next = list->next;
		dt_msg_free(list);
		list = next;
	}
}
