#include "detect/plan.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/field.h"

/* The literal a clause requires, when it is field:literal with one plain literal. */
static const struct kql_literal *required_literal(const struct kql_node *n, const char *field)
{
	if (n->kind != KQL_MATCH || n->field.n != 1 || strcmp(n->field.piece[0], field))
		return NULL;
	const struct kql_values *v = n->values;
	if (v->kind != KQL_MATCH)
		return NULL;
	if (v->lit.kind != KQL_LIT_TEXT && v->lit.kind != KQL_LIT_PHRASE)
		return NULL;
	return &v->lit;
}

/* The smallest string greater than every string starting with prefix, or NULL. */
static char *prefix_upper_bound(const char *prefix, size_t len)
{
	char *hi = xstrndup(prefix, len);
	while (len > 0) {
		unsigned char c = (unsigned char)hi[len - 1];
		if (c < 0xFF) {
			hi[len - 1] = (char)(c + 1);
			hi[len] = '\0';
			return hi;
		}
		len--;
	}
	free(hi);
	return NULL;
}

static void use_path(struct plan *p, const char *prefix, size_t len, int exact)
{
	if (p->path_lo || len == 0)
		return;
	if (exact) {
		/* an exact value: [value, value + "\x01") holds it and nothing shorter */
		struct strbuf hi;
		strbuf_init(&hi, len + 2);
		strbuf_add(&hi, prefix, len);
		strbuf_addch(&hi, '\x01');
		p->path_lo = xstrndup(prefix, len);
		p->path_hi = strbuf_detach(&hi, NULL);
		return;
	}
	p->path_lo = xstrndup(prefix, len);
	p->path_hi = prefix_upper_bound(prefix, len);
}

static void add_category(struct plan *p, const char *category)
{
	for (size_t i = 0; i < p->ncategories; i++)
		if (!strcmp(p->categories[i], category))
			return;
	p->categories[p->ncategories++] = xstrdup(category);
}

/* A field the imported mapping gives the lowercase normalizer: its columns hold the values as
 * written, not as the query meets them, so no exact column test is drawn from it. */
static int normalized(const char *field)
{
	return field_normalizes_lowercase(field, strlen(field));
}

/* The caseless prefix's ASCII part, lower-cased: the columns are tested with ASCII's lower-casing
 * (SQLite's lower()), which is the normalizer's on ASCII; past a character that is not ASCII the
 * normalizer may map otherwise (É to é), so the prefix ends there. NULL when nothing is left. */
static char *lower_dup(const char *s)
{
	size_t n = 0;
	while (s[n] && (unsigned char)s[n] < 0x80)
		n++;
	if (!n)
		return NULL;
	char *d = xstrndup(s, n);
	for (char *c = d; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	return d;
}

static void walk(const struct kql_node *n, struct plan *p)
{
	if (n->kind == KQL_AND) {
		walk(n->left, p);
		walk(n->right, p);
		return;
	}
	const struct kql_literal *lit;
	if (!normalized("file.path") && (lit = required_literal(n, "file.path")) != NULL) {
		size_t len;
		const char *prefix = wpat_prefix(&lit->pat, &len);
		use_path(p, prefix, len, !wpat_has_wildcard(&lit->pat));
	} else if (!p->path_lower_prefix && (lit = required_literal(n, "file.path.caseless")) != NULL &&
	           lit->pat.len[0])
		p->path_lower_prefix = lower_dup(lit->pat.piece[0]);
	else if (!p->ncategories && !normalized("event.category") &&
	         (lit = required_literal(n, "event.category")) != NULL && !wpat_has_wildcard(&lit->pat) &&
	         lit->pat.len[0] <= 64)
		add_category(p, lit->pat.piece[0]);
	else if (!p->host &&
	         ((!normalized("host.name") && (lit = required_literal(n, "host.name")) != NULL) ||
	          (!normalized("host.id") && (lit = required_literal(n, "host.id")) != NULL)) &&
	         !wpat_has_wildcard(&lit->pat))
		p->host = xstrdup(lit->pat.piece[0]);
}

void plan_query(const struct kql_node *kql, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	walk(kql, p);
}

/* Every stage (and until) names a category: the event must be in one of them. A category
 * too long for the column test, or more than four, leaves the plan without one. */
static void eql_categories(const struct eql_query *eql, struct plan *p)
{
	/* every stage: the positive ones, until, and the missing events (they must be read too) */
	size_t n = eql_stage_count(eql) + 1 + eql_missing_count(eql);
	for (size_t i = 0; i < n; i++) {
		if (i == eql_stage_count(eql) && !eql_has_until(eql))
			continue;
		const char *c = eql_stage_category(eql, i);
		int known = 0;
		for (size_t k = 0; c && k < p->ncategories; k++)
			known |= !strcmp(p->categories[k], c);
		if (!c || strlen(c) > 64 || (!known && p->ncategories == 4)) {
			for (size_t k = 0; k < p->ncategories; k++)
				free(p->categories[k]);
			p->ncategories = 0;
			return;
		}
		add_category(p, c);
	}
}

void plan_eql(const struct eql_query *eql, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	if (!normalized("event.category"))
		eql_categories(eql, p);
	char *lower;
	if (eql_required_caseless_prefix(eql, &lower)) {
		p->path_lower_prefix = lower_dup(lower);
		free(lower);
	}
	char *prefix;
	int exact;
	if (!normalized("file.path") && eql_required_prefix(eql, "file.path", &prefix, &exact)) {
		use_path(p, prefix, strlen(prefix), exact);
		free(prefix);
	}
	static const char *const hosts[] = {"host.name", "host.id"};
	for (size_t i = 0; i < 2 && !p->host; i++)
		if (!normalized(hosts[i]) && eql_required_prefix(eql, hosts[i], &prefix, &exact)) {
			if (exact)
				p->host = prefix;
			else
				free(prefix);
		}
}

void plan_apply(const struct plan *p, struct candidate_query *q)
{
	q->path_lo = p->path_lo;
	q->path_hi = p->path_hi;
	q->host = p->host;
	q->path_lower_prefix = p->path_lower_prefix;
	for (size_t i = 0; i < p->ncategories; i++)
		q->categories[i] = p->categories[i];
	q->ncategories = p->ncategories;
}

void plan_release(struct plan *p)
{
	free(p->path_lo);
	free(p->path_hi);
	free(p->host);
	free(p->path_lower_prefix);
	for (size_t i = 0; i < p->ncategories; i++)
		free(p->categories[i]);
	memset(p, 0, sizeof(*p));
}
