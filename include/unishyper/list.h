/*
 * Intrusive doubly linked lists, after queue(3)'s TAILQ: a list head and a
 * node embedded in each element; list_entry() gets back the element.
 */
#ifndef UNISHYPER_LIST_H
#define UNISHYPER_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_INIT(name) { &(name), &(name) }
#define list_entry(node, type, member) ((type *)((char *)(node) - offsetof(type, member)))
#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_safe(pos, tmp, head)                                     \
	for (pos = (head)->next, tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)

static inline void list_init(struct list_node *l)
{
	l->next = l->prev = l;
}

static inline bool list_empty(const struct list_node *l)
{
	return l->next == l;
}

static inline void list_insert_after(struct list_node *at, struct list_node *n)
{
	n->next = at->next;
	n->prev = at;
	at->next->prev = n;
	at->next = n;
}

static inline void list_push_back(struct list_node *head, struct list_node *n)
{
	list_insert_after(head->prev, n);
}

/* Unlinks n and leaves it pointing at itself, so list_empty(n) is true. */
static inline void list_remove(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* Moves every node of from to the front of head, in order; from is left
 * empty. */
static inline void list_splice_front(struct list_node *head, struct list_node *from)
{
	if (list_empty(from))
		return;
	from->prev->next = head->next;
	head->next->prev = from->prev;
	head->next = from->next;
	from->next->prev = head;
	list_init(from);
}

static inline struct list_node *list_pop_front(struct list_node *head)
{
	struct list_node *n = head->next;

	if (n == head)
		return NULL;
	list_remove(n);
	return n;
}

#endif
