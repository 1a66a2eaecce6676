/* libFuzzer: the rule loader (a rule object) and the guide parser on its note. */
#include <cJSON.h>
#include <stdlib.h>

#include "common/strbuf.h"
#include "detect/rule.h"
#include "triage/guide.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	cJSON *obj = cJSON_ParseWithLength((const char *)data, size);
	if (!obj)
		return 0;
	struct rule r;
	char why[200];
	if (rule_from_json(obj, &r, why, sizeof(why)) == 0) {
		struct guide g;
		guide_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.obj, "note")), &g);
		guide_release(&g);
		rule_release(&r);
	}
	cJSON_Delete(obj);
	return 0;
}
