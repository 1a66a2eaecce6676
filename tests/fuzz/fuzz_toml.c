/* libFuzzer: the TOML reader (toml++ through detect/toml.cpp) and what is done with a rule's
 * TOML: the [transform] placeholders put in its note, and the guide plugins made text. */
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/ruleimport.h"
#include "detect/toml.h"
#include "triage/guideplugins.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[300];
	cJSON *root = toml_to_cjson((const char *)data, size, err, sizeof(err));
	if (!root) {
		/* every error names where: LINE:COLUMN: */
		if (!strchr(err, ':'))
			abort();
		return 0;
	}
	const cJSON *note = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "rule"), "note");
	if (cJSON_IsString(note)) {
		char *rendered = ruleimport_render_transforms(note->valuestring,
		                                              cJSON_GetObjectItemCaseSensitive(root, "transform"));
		char *text = guide_render_plugins(rendered);
		free(text);
		free(rendered);
	}
	char *json = cJSON_PrintUnformatted(root);
	cJSON *back = json ? cJSON_Parse(json) : NULL;
	if (json && !back)
		abort(); /* the tree prints as JSON that parses */
	cJSON_Delete(back);
	cJSON_free(json);
	cJSON_Delete(root);
	return 0;
}
