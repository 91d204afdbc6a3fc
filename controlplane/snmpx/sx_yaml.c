/*
 * sx_yaml.c - a YAML document as a tree of nodes that remember their
 * line, built from libyaml's event stream.
 *
 * Why a tree and not a streaming decoder: the loader checks keys, reads
 * the module's layout from its top-level keys and names the line of any
 * fault; a tree of a 60,000-line snmp.yml (every module the generator
 * ships) takes a few megabytes and about 50 ms to build.
 *
 * libyaml does the parsing (syntax errors come with its line); this
 * file only stacks the events.  Only the first document is read, as
 * snmp_exporter's yaml.v2 does.  Aliases point to the node of their
 * anchor.  Depth and node count are bounded so that a hostile file
 * cannot exhaust the stack or memory of the control plane.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "sx_internal.h"

#define YAML_DEPTH_MAX 64
#define YAML_NODES_MAX (8u << 20)

struct anchor {
	char *name;
	struct sx_ynode *node;
};

struct sx_ydoc {
	struct sx_ynode *root;
	struct sx_ynode **all;     /* every node, to free them */
	size_t n_all, cap_all;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
};

static int
yfail(const char *path, size_t line, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%zu: ", path, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static struct sx_ynode *
node_new(struct sx_ydoc *d, uint8_t kind, size_t line)
{
	struct sx_ynode *n;

	if (d->n_all >= YAML_NODES_MAX)
		return NULL;
	if (d->n_all == d->cap_all) {
		size_t cap = d->cap_all ? d->cap_all * 2 : 256;
		struct sx_ynode **p = realloc(d->all, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		d->all = p;
		d->cap_all = cap;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->kind = kind;
	n->line = (uint32_t)line + 1;
	d->all[d->n_all++] = n;
	return n;
}

struct frame {
	struct sx_ynode *node;
	size_t cap;            /* of node->items */
	size_t count;          /* items in node->items */
};

static int
frame_push_item(struct frame *f, struct sx_ynode *child)
{
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct sx_ynode **p = realloc(f->node->items, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		f->node->items = p;
		f->cap = cap;
	}
	f->node->items[f->count++] = child;
	if (f->node->kind == SXY_MAP)
		f->node->n = f->count / 2;
	else
		f->node->n = f->count;
	return 0;
}

static int
anchor_add(struct sx_ydoc *d, const char *name, struct sx_ynode *node)
{
	if (name == NULL)
		return 0;
	if (d->n_anchors == d->cap_anchors) {
		size_t cap = d->cap_anchors ? d->cap_anchors * 2 : 16;
		struct anchor *p = realloc(d->anchors, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		d->anchors = p;
		d->cap_anchors = cap;
	}
	d->anchors[d->n_anchors].name = strdup(name);
	if (d->anchors[d->n_anchors].name == NULL)
		return -1;
	d->anchors[d->n_anchors++].node = node;
	return 0;
}

static struct sx_ynode *
anchor_find(struct sx_ydoc *d, const char *name)
{
	for (size_t i = d->n_anchors; i-- > 0;)   /* the latest definition wins */
		if (strcmp(d->anchors[i].name, name) == 0)
			return d->anchors[i].node;
	return NULL;
}

void
sx_yaml_free(struct sx_ydoc *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n_all; i++) {
		free(d->all[i]->str);
		free(d->all[i]->items);
		free(d->all[i]);
	}
	for (size_t i = 0; i < d->n_anchors; i++)
		free(d->anchors[i].name);
	free(d->anchors);
	free(d->all);
	free(d);
}

const struct sx_ynode *
sx_yaml_root(const struct sx_ydoc *d)
{
	return d->root;
}

int
sx_yaml_is_null(const struct sx_ynode *n)
{
	if (n == NULL)
		return 1;
	if (n->kind != SXY_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

/* A new node from a start or scalar event, with its anchor recorded. */
static struct sx_ynode *
event_node(struct sx_ydoc *d, const yaml_event_t *ev)
{
	struct sx_ynode *n = NULL;
	const yaml_char_t *anchor = NULL;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(d, SXY_SCALAR, ev->start_mark.line);
		if (n == NULL)
			return NULL;
		n->len = ev->data.scalar.length;
		n->str = malloc(n->len + 1);
		if (n->str == NULL)
			return NULL;
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			   ev->data.scalar.tag == NULL;
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
		n = node_new(d, SXY_SEQ, ev->start_mark.line);
		anchor = ev->data.sequence_start.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		n = node_new(d, SXY_MAP, ev->start_mark.line);
		anchor = ev->data.mapping_start.anchor;
		break;
	default:
		return NULL;
	}
	if (n && anchor_add(d, (const char *)anchor, n) < 0)
		return NULL;
	return n;
}

struct sx_ydoc *
sx_yaml_parse(const char *path, const char *buf, size_t len, char *err, size_t errlen)
{
	struct sx_ydoc *d = calloc(1, sizeof(*d));
	struct frame stack[YAML_DEPTH_MAX];
	int depth = 0, done = 0, docs = 0;
	yaml_parser_t p;
	yaml_event_t ev;

	if (d == NULL) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		return NULL;
	}
	if (!yaml_parser_initialize(&p)) {
		free(d);
		snprintf(err, errlen, "%s:0: out of memory", path);
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		struct sx_ynode *n = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			yfail(path, p.problem_mark.line + 1, err, errlen, "YAML syntax: %s%s%s",
			      p.problem ? p.problem : "error", p.context ? " " : "",
			      p.context ? p.context : "");
			goto fail;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			docs++;
			break;
		case YAML_DOCUMENT_END_EVENT:
			done = docs >= 1;     /* the first document only, as yaml.v2 */
			break;
		case YAML_ALIAS_EVENT:
			n = anchor_find(d, (const char *)ev.data.alias.anchor);
			if (n == NULL) {
				yfail(path, ev.start_mark.line + 1, err, errlen,
				      "alias *%s has no anchor before it", ev.data.alias.anchor);
				goto fail_ev;
			}
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = event_node(d, &ev);
			if (n == NULL) {
				yfail(path, ev.start_mark.line + 1, err, errlen, d->n_all >=
				      YAML_NODES_MAX ? "more than %u YAML nodes" : "out of memory",
				      YAML_NODES_MAX);
				goto fail_ev;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = stack[--depth].node;
			break;
		default:
			break;
		}
		if (n != NULL && ev.type != YAML_SEQUENCE_END_EVENT &&
		    ev.type != YAML_MAPPING_END_EVENT) {
			if (depth > 0 && frame_push_item(&stack[depth - 1], n) < 0) {
				yfail(path, ev.start_mark.line + 1, err, errlen, "out of memory");
				goto fail_ev;
			}
			if (depth == 0)
				d->root = n;
			if (ev.type == YAML_SEQUENCE_START_EVENT ||
			    ev.type == YAML_MAPPING_START_EVENT) {
				if (depth == YAML_DEPTH_MAX) {
					yfail(path, ev.start_mark.line + 1, err, errlen,
					      "nested deeper than %d levels", YAML_DEPTH_MAX);
					goto fail_ev;
				}
				stack[depth++] = (struct frame){ n, 0, 0 };
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return d;
fail_ev:
	yaml_event_delete(&ev);
fail:
	yaml_parser_delete(&p);
	sx_yaml_free(d);
	return NULL;
}
