/* lucene: Lucene's regular expressions (EQL's regex and regex~, ES|QL's RLIKE), matched as
 * Elasticsearch matches them, against the whole value, through detect/regex.c's bounds.
 *
 * A pattern is translated to PCRE2 and matched by regex_match_whole, under the same bounds as
 * GROK: one that backtracks past them (Lucene's automata do not backtrack) gives up, said, where
 * Elasticsearch would answer. Bytes are characters, as before (Lucene's are code points).
 * Lucene's syntax: '.' is any byte, newline
 * included; ^ and $ are ordinary characters; \d \D \s \S \w \W are classes and any other
 * escaped character is itself; "..." is a literal string; @ is any string and # none;
 * quantifiers stack ((a+)* as a+*). A bracket expression takes its bytes as written, but for
 * a backslash, which makes the next character literal (\] \\ \-) as Lucene's parseCharExp does. The
 * complement ~, the intersection & and numeric intervals <n-m> are refused, as not supported.
 * Internal to detect/. */
#ifndef CASEBOOK_LUCENE_H
#define CASEBOOK_LUCENE_H

#include <stddef.h>

#include "detect/regex.h"

/* Compiles pat (len bytes, no NUL); patterns whose form multiplies out are refused too. NULL
 * with the reason in *why (a static string; "invalid regular expression" when it is not one). */
pcre2_code *lucene_regex_compile(const char *pat, size_t len, int caseless, const char **why);

#endif
