/* indexpattern: whether a rule's index patterns search an event's index. */
#ifndef CASEBOOK_INDEXPATTERN_H
#define CASEBOOK_INDEXPATTERN_H

#include <stddef.h>

/* The index pattern test: whether an event from index (NULL: unknown) is searched by a rule
 * with these patterns (none: every index). A backing index ".ds-NAME-...-000001" is matched
 * by its data stream's NAME; a pattern starting with '-' excludes. */
int index_matches(const char *const *patterns, size_t n, const char *index);

#endif
