// toml: toml++ parses, this file turns its tree into cJSON (see detect/toml.h). The only C++
// in casebook: exceptions stop here, and nothing from toml++ crosses the C interface.
#include "detect/toml.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace
{

// One container waiting to be filled: the TOML table or array and the JSON object or array
// its members go into.
struct pending {
	const toml::node *node;
	cJSON *into;
	int depth;
};

void say(char *err, size_t errlen, const toml::source_region &where, const char *what)
{
	if (err && errlen)
		std::snprintf(err, errlen, "%u:%u: %s", static_cast<unsigned>(where.begin.line),
		              static_cast<unsigned>(where.begin.column), what);
}

// The fraction of a second, without trailing zeros: ".5", ".000001", or "" for none.
std::string fraction(uint32_t nanosecond)
{
	if (!nanosecond)
		return "";
	char digits[16];
	std::snprintf(digits, sizeof(digits), ".%09u", static_cast<unsigned>(nanosecond));
	std::string s(digits);
	while (s.back() == '0')
		s.pop_back();
	return s;
}

std::string iso_date(const toml::date &d)
{
	char b[32];
	std::snprintf(b, sizeof(b), "%04u-%02u-%02u", unsigned(d.year), unsigned(d.month), unsigned(d.day));
	return b;
}

std::string iso_time(const toml::time &t)
{
	char b[32];
	std::snprintf(b, sizeof(b), "%02u:%02u:%02u", unsigned(t.hour), unsigned(t.minute), unsigned(t.second));
	return b + fraction(t.nanosecond);
}

std::string iso_date_time(const toml::date_time &dt)
{
	std::string s = iso_date(dt.date) + "T" + iso_time(dt.time);
	if (!dt.offset)
		return s; // a local date-time: no zone, as written
	int minutes = dt.offset->minutes;
	if (!minutes)
		return s + "Z";
	char b[16];
	int a = minutes < 0 ? -minutes : minutes;
	std::snprintf(b, sizeof(b), "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
	return s + b;
}

// cJSON prints a number with 15 significant digits unless they differ from it by more than its
// rounding error, so a 16- or 17-digit number would lose its last digits: such a number becomes
// a raw JSON number printed in full (integers in decimal, floats with 17 digits).
constexpr int64_t printed_exactly = INT64_C(999999999999999);

bool prints_exactly(double v)
{
	char b[64];
	std::snprintf(b, sizeof(b), "%1.15g", v);
	return std::strtod(b, nullptr) == v;
}

// A scalar as JSON, or NULL with the reason in err.
cJSON *scalar(const toml::node &n, char *err, size_t errlen)
{
	switch (n.type()) {
	case toml::node_type::string: {
		const std::string &s = n.as_string()->get();
		if (std::memchr(s.data(), 0, s.size())) {
			say(err, errlen, n.source(),
			    "a string holds a NUL character (\\u0000), which casebook cannot keep");
			return nullptr;
		}
		return cJSON_CreateString(s.c_str());
	}
	case toml::node_type::integer: {
		int64_t v = n.as_integer()->get();
		if (v >= -printed_exactly && v <= printed_exactly)
			return cJSON_CreateNumber(static_cast<double>(v));
		return cJSON_CreateRaw(std::to_string(v).c_str()); // every digit, as JSON allows
	}
	case toml::node_type::floating_point: {
		double v = n.as_floating_point()->get();
		if (!std::isfinite(v))
			return cJSON_CreateNull();
		if (prints_exactly(v))
			return cJSON_CreateNumber(v);
		char b[64];
		std::snprintf(b, sizeof(b), "%.17g", v);
		return cJSON_CreateRaw(b);
	}
	case toml::node_type::boolean: return cJSON_CreateBool(n.as_boolean()->get());
	case toml::node_type::date: return cJSON_CreateString(iso_date(n.as_date()->get()).c_str());
	case toml::node_type::time: return cJSON_CreateString(iso_time(n.as_time()->get()).c_str());
	case toml::node_type::date_time: return cJSON_CreateString(iso_date_time(n.as_date_time()->get()).c_str());
	default: say(err, errlen, n.source(), "a value of an unknown kind"); return nullptr;
	}
}

bool is_container(const toml::node &n)
{
	return n.is_table() || n.is_array();
}

// One member: a scalar goes in now, a container empty, queued to be filled. false on error.
bool add_member(const toml::node &n, cJSON *into, const char *key, int depth, std::vector<pending> &todo, char *err,
                size_t errlen)
{
	cJSON *v;
	if (is_container(n)) {
		if (depth + 1 > TOML_DEPTH_MAX) {
			say(err, errlen, n.source(), "tables and arrays nest deeper than casebook reads (64 levels)");
			return false;
		}
		v = n.is_table() ? cJSON_CreateObject() : cJSON_CreateArray();
		todo.push_back({&n, v, depth + 1});
	} else if (!(v = scalar(n, err, errlen))) {
		return false;
	}
	if (key)
		cJSON_AddItemToObject(into, key, v);
	else
		cJSON_AddItemToArray(into, v);
	return true;
}

// The whole tree, breadth by container: each container's members are added in their order
// when it is taken from the stack, so no recursion follows the document's depth.
cJSON *convert(const toml::table &root, char *err, size_t errlen)
{
	cJSON *out = cJSON_CreateObject();
	std::vector<pending> todo{{&root, out, 0}};
	while (!todo.empty()) {
		pending p = todo.back();
		todo.pop_back();
		bool ok = true;
		if (const toml::table *t = p.node->as_table()) {
			for (auto &&kv : *t) {
				const std::string &key = std::string(kv.first.str());
				if (key.find('\0') != std::string::npos) {
					say(err, errlen, kv.second.source(), "a key holds a NUL character");
					ok = false;
				}
				if (!ok ||
				    !(ok = add_member(kv.second, p.into, key.c_str(), p.depth, todo, err, errlen)))
					break;
			}
		} else if (const toml::array *a = p.node->as_array()) {
			for (const toml::node &n : *a)
				if (!(ok = add_member(n, p.into, nullptr, p.depth, todo, err, errlen)))
					break;
		}
		if (!ok) {
			cJSON_Delete(out);
			return nullptr;
		}
	}
	return out;
}

} // namespace

extern "C" cJSON *toml_to_cjson(const char *text, size_t len, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	try {
		toml::table root = toml::parse(std::string_view(text, len));
		return convert(root, err, errlen);
	} catch (const toml::parse_error &e) {
		std::string what(e.description());
		say(err, errlen, e.source(), what.c_str());
	} catch (const std::exception &e) {
		if (err && errlen)
			std::snprintf(err, errlen, "1:1: %s", e.what()); // out of memory: no position
	}
	return nullptr;
}
