/* mapping: field types from an Elasticsearch index mapping (the response of
 * GET INDEX/_mapping, one index's {"mappings": …}, or {"properties": …}), stored in the case so
 * that KQL and EQL compare as the cluster would: date, ip and text fields, and multi-fields
 * (file.path.text), and so that ES|QL reads float, half_float, scaled_float and double fields
 * at the precision Elasticsearch stores (detect/numeric.h; a scaled_float is stored with its
 * scaling_factor, "scaled_float(100)"). Types casebook knows for ECS and Elastic Defend stay for
 * the fields the mapping does not name. */
#ifndef CASEBOOK_MAPPING_H
#define CASEBOOK_MAPPING_H

#include <stddef.h>

#include "store/store.h"

#define MAPPING_MAX_BYTES (16 << 20) /* a mapping file is read whole: at most this */

/* Reads the file and stores every typed field. Returns 0 with the count in *n, or -1 with the
 * reason in why, nothing stored: the file is over MAPPING_MAX_BYTES, not JSON, or holds no
 * mapping; a field's name or type is over FIELD_NAME_MAX or FIELD_TYPE_MAX bytes (named), the
 * case would hold over FIELD_TYPES_MAX (store/rules.h); or the store failed. */
int mapping_import_file(struct store *s, const char *path, size_t *n, char *why, size_t whylen);

#endif
