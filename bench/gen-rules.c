/* gen-rules: N detection rules shaped like Elastic's macOS rules, for the pack benchmark.
 *
 *   gen-rules [--rules N] [--seed S] > rules.ndjson
 *   gen-rules --whole > rules.ndjson   (the whole prebuilt ruleset's size and mix; see whole())
 *
 * Deterministic. The mix follows elastic/detection-rules' macOS set: EQL process-start rules
 * with lists of process names and arguments and a parent condition (most of them), file rules
 * with path wildcards and extensions, network rules with a destination CIDR and ports, KQL
 * query rules, sequences by host.id or process.entity_id with maxspan, and a few new_terms and
 * threshold rules. Most match nothing in tools/gen-events' case, as most rules of a real pack
 * match nothing on a given day; a few do. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static const char *pick(const char *const *a, size_t n)
{
	return a[next() % n];
}
#define PICK(a) pick(a, sizeof(a) / sizeof(a[0]))

static const char *const names[] = {
    "osascript",  "curl",          "python3",     "bash",     "sh",    "zsh",    "launchctl", "security", "nscurl",
    "openssl",    "perl",          "ruby",        "xattr",    "chmod", "mkfifo", "nc",        "sqlite3",  "defaults",
    "plutil",     "codesign",      "spctl",       "kextload", "dscl",  "sudo",   "tclsh",     "swift",    "node",
    "osacompile", "screencapture", "systemsetup", "csrutil",  "pkill"};
static const char *const args[] = {"-e",
                                   "-c",
                                   "--silent",
                                   "-fsSL",
                                   "-o",
                                   "load",
                                   "unload",
                                   "-w",
                                   "find-generic-password",
                                   "dump-keychain",
                                   "-d",
                                   "com.apple.quarantine",
                                   "+x",
                                   "-r",
                                   "--decode",
                                   "base64"};
static const char *const parents[] = {"Microsoft Word", "Microsoft Excel", "Safari",    "Google Chrome",
                                      "Terminal",       "launchd",         "osascript", "Finder",
                                      "installer",      "Slack",           "zoom.us",   "python3"};
static const char *const dirs[] = {"/Library/LaunchAgents/",
                                   "/Library/LaunchDaemons/",
                                   "/Users/*/Library/LaunchAgents/",
                                   "/private/tmp/",
                                   "/Library/Application Support/",
                                   "/Users/*/Library/Application Support/com.apple.TCC/",
                                   "/Library/Security/SecurityAgentPlugins/",
                                   "/Library/DirectoryServices/PlugIns/",
                                   "/etc/periodic/",
                                   "/Users/*/.ssh/"};
static const char *const exts[] = {"plist", "dylib", "sh", "py", "app", "kext", "bundle", "dsplug", "zip"};
static const char *const cidrs[] = {"10.0.0.0/8",     "172.16.0.0/12",   "192.168.0.0/16",
                                    "203.0.113.0/24", "198.51.100.0/24", "100.64.0.0/10"};

static void head(int i, const char *type, const char *language, const char *name)
{
	printf("{\"rule_id\":\"bench-%04d\",\"name\":\"%s %d\",\"description\":\"generated\",\"risk_score\":%d,"
	       "\"severity\":\"%s\",\"type\":\"%s\",\"language\":\"%s\",\"interval\":\"5m\",\"from\":\"now-9m\","
	       "\"index\":[\"logs-endpoint.events.*\"],",
	       i, name, i, 21 + (int)(next() % 60), next() % 3 ? "medium" : "high", type, language);
}

/* process where event.type == "start" and process.name in (...) and process.args : (...) */
static void process_rule(int i)
{
	head(i, "eql", "eql", "Process");
	printf("\"query\":\"process where host.os.type == \\\"macos\\\" and event.type in (\\\"start\\\", "
	       "\\\"process_started\\\") and process.name in~ (");
	int n = 2 + (int)(next() % 5);
	for (int k = 0; k < n; k++)
		printf("%s\\\"%s\\\"", k ? ", " : "", PICK(names));
	printf(") and process.args : (");
	n = 1 + (int)(next() % 3);
	for (int k = 0; k < n; k++)
		printf("%s\\\"%s\\\"", k ? ", " : "", PICK(args));
	printf(")");
	if (next() % 2)
		printf(" and process.parent.name : (\\\"%s\\\", \\\"%s\\\")", PICK(parents), PICK(parents));
	printf("\"}\n");
}

static void file_rule(int i)
{
	head(i, "eql", "eql", "File");
	printf("\"query\":\"file where host.os.type == \\\"macos\\\" and event.type != \\\"deletion\\\" and "
	       "file.path : (\\\"%s*.%s\\\", \\\"%s*.%s\\\")",
	       PICK(dirs), PICK(exts), PICK(dirs), PICK(exts));
	if (next() % 2)
		printf(" and not process.executable : (\\\"/usr/libexec/*\\\", \\\"/System/*\\\")");
	printf("\"}\n");
}

static void network_rule(int i)
{
	head(i, "eql", "eql", "Network");
	printf("\"query\":\"network where host.os.type == \\\"macos\\\" and event.type == \\\"start\\\" and "
	       "process.name : (\\\"%s\\\", \\\"%s\\\") and not cidrmatch(destination.ip, \\\"%s\\\", \\\"%s\\\") "
	       "and destination.port in (%d, %d)\"}\n",
	       PICK(names), PICK(names), PICK(cidrs), PICK(cidrs), 1 + (int)(next() % 9000), 443);
}

static void query_rule(int i)
{
	head(i, "query", "kuery", "Query");
	printf("\"query\":\"event.category:process and host.os.type:macos and event.type:start and "
	       "process.name:(%s or %s) and process.args:(%s)\"}\n",
	       PICK(names), PICK(names), PICK(args));
}

static void sequence_rule(int i)
{
	head(i, "eql", "eql", "Sequence");
	int by_entity = next() % 2;
	if (by_entity)
		printf("\"query\":\"sequence by process.entity_id with maxspan=30s [process where event.type == "
		       "\\\"start\\\" and process.name : \\\"%s\\\"] [network where event.type == \\\"start\\\"]\"}\n",
		       PICK(names));
	else
		printf("\"query\":\"sequence by host.id with maxspan=1m [file where event.type != \\\"deletion\\\" and "
		       "file.path : \\\"%s*\\\"] [process where event.type == \\\"start\\\" and process.name : "
		       "\\\"%s\\\"]\"}\n",
		       PICK(dirs), PICK(names));
}

static void new_terms_rule(int i)
{
	head(i, "new_terms", "kuery", "New terms");
	printf("\"query\":\"event.category:process and host.os.type:macos and process.name:%s\","
	       "\"new_terms_fields\":[\"host.id\",\"process.executable\"],\"history_window_start\":\"now-7d\"}\n",
	       PICK(names));
}

static void threshold_rule(int i)
{
	head(i, "threshold", "kuery", "Threshold");
	printf("\"query\":\"event.category:process and host.os.type:macos and process.name:%s\","
	       "\"threshold\":{\"field\":[\"host.id\"],\"value\":20}}\n",
	       PICK(names));
}

/* --whole: the shape of Elastic's whole prebuilt ruleset for every platform (2,068 rules: 1,024
 * EQL, 454 query, 241 new_terms, 28 threshold, 209 ES|QL, 106 machine_learning, 6 threat_match),
 * written here, not copied: most rules are for Windows, Linux or a cloud service, so over a macOS
 * case their index patterns, event categories or host.os.type cannot match, as with the real set. */
enum platform { WINDOWS, LINUX, MACOS, CLOUD };

static enum platform pick_platform(void)
{
	unsigned k = (unsigned)(next() % 100);
	return k < 52 ? WINDOWS : k < 74 ? LINUX : k < 84 ? MACOS : CLOUD;
}

static const char *const os_names[] = {"windows", "linux", "macos"};
static const char *const win_names[] = {"powershell.exe", "cmd.exe",      "rundll32.exe", "regsvr32.exe",
                                        "mshta.exe",      "wscript.exe",  "cscript.exe",  "certutil.exe",
                                        "bitsadmin.exe",  "schtasks.exe", "wmic.exe",     "msiexec.exe",
                                        "reg.exe",        "net.exe",      "vssadmin.exe", "bcdedit.exe"};
static const char *const linux_names[] = {"bash",  "sh",      "curl",      "wget",    "nc",     "python3", "perl",
                                          "chmod", "crontab", "systemctl", "useradd", "insmod", "socat",   "busybox"};
static const char *const cloud_sets[][3] = {
    {"logs-aws.cloudtrail-*", "aws.cloudtrail", "iam.amazonaws.com"},
    {"logs-azure.activitylogs-*", "azure.activitylogs", "Microsoft.Authorization"},
    {"logs-okta*", "okta.system", "okta"},
    {"logs-o365*", "o365.audit", "Exchange"},
    {"logs-gcp*", "gcp.audit", "iam.googleapis.com"},
    {"logs-kubernetes.audit_logs-*", "kubernetes.audit_logs", "kubernetes"},
    {"logs-github.audit-*", "github.audit", "github"}};
static const char *const cloud_actions[] = {"CreateUser",   "DeleteTrail",        "PutBucketPolicy", "AttachUserPolicy",
                                            "ConsoleLogin", "UpdateLoginProfile", "CreateAccessKey", "StopLogging"};

static const char *platform_name(enum platform p, int *cloud)
{
	*cloud = p == CLOUD ? (int)(next() % (sizeof(cloud_sets) / sizeof(cloud_sets[0]))) : 0;
	return p == WINDOWS ? PICK(win_names) : p == LINUX ? PICK(linux_names) : p == MACOS ? PICK(names) : "";
}

static void whole_head(int i, const char *type, const char *language, enum platform p, int cloud)
{
	printf("{\"rule_id\":\"whole-%04d\",\"name\":\"%s rule %d\",\"description\":\"generated\",\"risk_score\":%d,"
	       "\"severity\":\"%s\",\"type\":\"%s\",\"interval\":\"5m\",\"from\":\"now-9m\",",
	       i, type, i, 21 + (int)(next() % 60), next() % 3 ? "medium" : "high", type);
	if (language)
		printf("\"language\":\"%s\",", language);
	if (p == WINDOWS)
		printf("\"index\":[\"winlogbeat-*\",\"logs-endpoint.events.*\",\"logs-windows.sysmon_operational-*\","
		       "\"endgame-*\",\"logs-system.security*\"],");
	else if (p == LINUX)
		printf("\"index\":[\"auditbeat-*\",\"logs-endpoint.events.*\",\"logs-auditd_manager.auditd-*\"],");
	else if (p == MACOS)
		printf("\"index\":[\"logs-endpoint.events.*\"],");
	else if (language && strcmp(language, "esql"))
		printf("\"index\":[\"filebeat-*\",\"%s\"],", cloud_sets[cloud][0]);
}

static void whole_eql(int i)
{
	enum platform p = pick_platform();
	int cloud;
	const char *a = platform_name(p, &cloud), *b = platform_name(p, &cloud);
	whole_head(i, "eql", "eql", p, cloud);
	unsigned k = (unsigned)(next() % 100);
	if (p == CLOUD)
		printf("\"query\":\"any where event.dataset == \\\"%s\\\" and event.provider == \\\"%s\\\" and "
		       "event.action : (\\\"%s\\\", \\\"%s\\\")\"}\n",
		       cloud_sets[cloud][1], cloud_sets[cloud][2], PICK(cloud_actions), PICK(cloud_actions));
	else if (k < 10)
		printf("\"query\":\"sequence by host.id with maxspan=1m [process where host.os.type == \\\"%s\\\" and "
		       "event.type == \\\"start\\\" and process.name : \\\"%s\\\"] [network where host.os.type == "
		       "\\\"%s\\\" and process.name : \\\"%s\\\"]\"}\n",
		       os_names[p], a, os_names[p], b);
	else if (k < 25)
		printf("\"query\":\"file where host.os.type == \\\"%s\\\" and event.type != \\\"deletion\\\" and "
		       "file.extension : (\\\"%s\\\", \\\"%s\\\") and process.name : \\\"%s\\\"\"}\n",
		       os_names[p], PICK(exts), PICK(exts), a);
	else if (k < 32 && p == WINDOWS)
		printf("\"query\":\"registry where host.os.type == \\\"windows\\\" and registry.value : "
		       "(\\\"Run%d\\\", \\\"Shell%d\\\") and process.name : \\\"%s\\\"\"}\n",
		       i, i, a);
	else if (k < 38)
		printf("\"query\":\"network where host.os.type == \\\"%s\\\" and event.type == \\\"start\\\" and "
		       "process.name : (\\\"%s\\\", \\\"%s\\\") and not cidrmatch(destination.ip, \\\"%s\\\")\"}\n",
		       os_names[p], a, b, PICK(cidrs));
	else if (k < 44)
		printf("\"query\":\"library where host.os.type == \\\"%s\\\" and dll.name : \\\"*%d*\\\" and "
		       "process.name : \\\"%s\\\"\"}\n",
		       os_names[p], i, a);
	else
		printf("\"query\":\"process where host.os.type == \\\"%s\\\" and event.type == \\\"start\\\" and "
		       "process.name : (\\\"%s\\\", \\\"%s\\\") and process.args : (\\\"%s\\\", \\\"%s\\\") and "
		       "process.parent.name : \\\"%s\\\"\"}\n",
		       os_names[p], a, b, PICK(args), PICK(args), p == MACOS ? PICK(parents) : b);
}

/* the KQL of query, new_terms and threshold rules */
static void whole_kql(enum platform p, int cloud, const char *a, const char *b)
{
	if (p == CLOUD)
		printf("\"query\":\"event.dataset:%s and event.provider:%s and event.action:(%s or %s) and "
		       "event.outcome:success\"",
		       cloud_sets[cloud][1], cloud_sets[cloud][2], PICK(cloud_actions), PICK(cloud_actions));
	else
		printf("\"query\":\"host.os.type:%s and event.category:process and event.type:start and "
		       "process.name:(%s or %s)\"",
		       os_names[p], a, b);
}

static void whole_query(int i, const char *type)
{
	enum platform p = pick_platform();
	int cloud;
	const char *a = platform_name(p, &cloud), *b = platform_name(p, &cloud);
	whole_head(i, type, "kuery", p, cloud);
	whole_kql(p, cloud, a, b);
	if (!strcmp(type, "new_terms"))
		printf(",\"new_terms_fields\":[\"%s\"],\"history_window_start\":\"now-10d\"",
		       p == CLOUD   ? "user.name"
		       : next() % 2 ? "host.id"
		                    : "process.executable");
	else if (!strcmp(type, "threshold"))
		printf(",\"threshold\":{\"field\":[\"%s\"],\"value\":%d}", p == CLOUD ? "source.ip" : "host.id",
		       10 + (int)(next() % 40));
	printf("}\n");
}

static void whole_esql(int i)
{
	enum platform p = pick_platform();
	int cloud;
	const char *a = platform_name(p, &cloud);
	whole_head(i, "esql", "esql", p, cloud);
	if (p == CLOUD)
		printf("\"query\":\"from %s | where event.dataset == \\\"%s\\\" and event.action == \\\"%s\\\" | "
		       "stats Esql.count = count(*) by source.ip | where Esql.count >= %d\"}\n",
		       cloud_sets[cloud][0], cloud_sets[cloud][1], PICK(cloud_actions), 5 + (int)(next() % 20));
	else if (next() % 2)
		printf("\"query\":\"from logs-endpoint.events.process-* | where host.os.type == \\\"%s\\\" and "
		       "event.type == \\\"start\\\" and process.name == \\\"%s\\\" | stats Esql.count = count(*) by "
		       "host.id, process.executable | where Esql.count >= %d\"}\n",
		       os_names[p], a, 5 + (int)(next() % 20));
	else
		printf("\"query\":\"from logs-endpoint.events.process-* metadata _id, _version, _index | where "
		       "host.os.type == \\\"%s\\\" and process.name == \\\"%s\\\" and process.args like \\\"*%d*\\\" | "
		       "keep _id, _version, _index, host.id, process.name\"}\n",
		       os_names[p], a, i);
}

static void whole_ml(int i)
{
	enum platform p = pick_platform();
	int cloud;
	platform_name(p, &cloud);
	whole_head(i, "machine_learning", NULL, CLOUD, cloud);
	printf("\"machine_learning_job_id\":[\"v3_%s_anomalous_%d\"],\"anomaly_threshold\":%d}\n",
	       p == CLOUD ? "cloud" : os_names[p], i, 50 + (int)(next() % 30));
}

static void whole_threat_match(int i)
{
	printf(
	    "{\"rule_id\":\"whole-%04d\",\"name\":\"threat_match rule %d\",\"description\":\"generated\","
	    "\"risk_score\":99,\"severity\":\"critical\",\"type\":\"threat_match\",\"language\":\"kuery\","
	    "\"interval\":\"1h\",\"from\":\"now-65m\",\"index\":[\"logs-endpoint.events.network-*\",\"packetbeat-*\"],"
	    "\"query\":\"destination.ip:*\",\"threat_index\":[\"filebeat-*\",\"logs-ti_*\"],\"threat_query\":"
	    "\"@timestamp >= \\\"now-30d/d\\\" and event.module:(threatintel or ti_*) and threat.indicator.ip:*\","
	    "\"threat_mapping\":[{\"entries\":[{\"field\":\"destination.ip\",\"type\":\"mapping\",\"value\":"
	    "\"threat.indicator.ip\"}]}],\"threat_indicator_path\":\"threat.indicator\"}\n",
	    i, i);
}

static void whole(void)
{
	/* the counts of the whole ruleset, interleaved so a prefix keeps its mix */
	static const struct {
		int n;
		const char *what;
	} mix[] = {{1024, "eql"}, {454, "query"}, {241, "new_terms"}, {28, "threshold"},
	           {209, "esql"}, {106, "ml"},    {6, "threat_match"}};
	int left[7], total = 0, i = 0;
	for (int k = 0; k < 7; k++)
		total += left[k] = mix[k].n;
	while (total > 0) {
		unsigned r = (unsigned)(next() % (unsigned)total), k = 0;
		while (r >= (unsigned)left[k])
			r -= (unsigned)left[k++];
		left[k]--;
		total--;
		const char *w = mix[k].what;
		if (!strcmp(w, "eql"))
			whole_eql(i);
		else if (!strcmp(w, "esql"))
			whole_esql(i);
		else if (!strcmp(w, "ml"))
			whole_ml(i);
		else if (!strcmp(w, "threat_match"))
			whole_threat_match(i);
		else
			whole_query(i, w);
		i++;
	}
}

int main(int argc, char **argv)
{
	int n = 150;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--whole")) {
			whole();
			return ferror(stdout) || fflush(stdout) ? 1 : 0;
		}
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rules"))
			n = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			state ^= strtoull(argv[i + 1], NULL, 10) * 0x100000001b3ULL;
	}
	if (n < 1 || n > 100000) {
		fprintf(stderr, "usage: gen-rules [--rules N] [--seed S]\n");
		return 64;
	}
	for (int i = 0; i < n; i++) {
		unsigned k = (unsigned)(next() % 100);
		if (k < 45)
			process_rule(i);
		else if (k < 65)
			file_rule(i);
		else if (k < 75)
			network_rule(i);
		else if (k < 82)
			query_rule(i);
		else if (k < 92)
			sequence_rule(i);
		else if (k < 97)
			new_terms_rule(i);
		else
			threshold_rule(i);
	}
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
