/* ruleimport: `casebook rules import PATH...` over the forms analysts have Elastic's rules in:
 *   - elastic/detection-rules TOML, a file or a directory tree: the [rule] table is the rule
 *     (new_terms turned into Kibana's fields, as detection-rules builds them), its version from
 *     a version.lock.json, its [metadata] kept for display, its [transform] rendered into the
 *     investigation guide's placeholders as detection-rules does;
 *   - Kibana's Fleet package security_detection_engine-VERSION.zip as downloaded, whose
 *     kibana/security_rule/ holds one saved object a rule version, and a directory of such
 *     saved-object JSON files: the newest version of each rule, as Kibana installs them;
 *   - anything else is the analyst's own JSON or NDJSON (detect/rule.h, rules_import_file).
 * Prebuilt rules (TOML and package) are stored disabled, as Kibana installs prebuilt rules;
 * `casebook rules enable --all` runs them. A damaged file is one error naming FILE:LINE:COLUMN
 * and the other files still import. */
#ifndef CASEBOOK_RULEIMPORT_H
#define CASEBOOK_RULEIMPORT_H

#include <stdio.h>

#include "detect/rule.h"
#include "store/store.h"

struct ruleimport_options {
	const char *version_lock; /* --version-lock FILE, or NULL: found in the tree or above the file */
};

/* What the import read, beside the rule counts of struct import_counts. */
struct ruleimport_counts {
	unsigned toml_files, package_rules, damaged_files;
	unsigned deprecated;     /* maturity "deprecated": Kibana does not install them */
	unsigned older_versions; /* a package's earlier versions of a rule, not installed */
	unsigned locked;         /* versions taken from a version.lock.json */
};

/* Imports one PATH (a file, a directory, a package zip, "-" for stdin). Returns 0, 1 when a file
 * could not be read or was damaged (the rest imported), -1 on a store error. */
int rules_import_path(struct store *s, const char *path, const struct ruleimport_options *o, struct import_counts *c,
                      struct ruleimport_counts *rc, const struct diag_sink *errors);

/* The note of a detection-rules TOML with its [transform] placeholders ($investigate_0,
 * ${osquery_1}) replaced by Kibana's markdown plugin syntax (!{investigate{JSON}}), as
 * detection-rules' build does with Python's string.Template.safe_substitute: "$$" is "$",
 * an unknown name stays as written. transform is the TOML's [transform] table (or NULL: the
 * note is returned unchanged). malloc'd. */
char *ruleimport_render_transforms(const char *note, const cJSON *transform);

/* The stored rule with its detection-rules [metadata] (when it came from TOML) as a "metadata"
 * member, for `rules --json`. malloc'd. */
char *rule_json_with_metadata(const struct rule_row *row);
/* "maturity production, created 2024/09/12, updated 2026/05/06, integration endpoint,
 * min_stack_version 8.14.0" from a stored [metadata] (unsanitized), or NULL. malloc'd. */
char *rule_metadata_summary(const char *metadata);

#endif
