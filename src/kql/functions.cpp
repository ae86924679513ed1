// The scalar functions of KQL that hunts use: strings, conversions, dynamic
// arrays and bags, math and bits, datetimes. Each checks its argument count
// when the query is compiled; a null argument gives null as in Kusto.
#include <re2/re2.h>

#include <pugixml.hpp>

#include <chrono>
#include <cmath>
#include <unordered_map>

#include "kql/runner.h"
#include "rules/ast.h"
#include "rules/text_match.h"
#include "rules/time_format.h"

namespace kql {
namespace {

using K = Node::Kind;
using Args = std::vector<Value>;
using rules::kTicksPerDay;

bool any_null(const Args& a) {
  for (const Value& v : a)
    if (v.null) return true;
  return false;
}

// Conversions as Kusto's to*() functions: a value that does not convert is null.
Value to_long(const Value& in) {
  Value v = scalarize(in);
  if (v.null) return Value::null_of(Type::Long);
  switch (v.type) {
    case Type::Long: return v;
    case Type::Bool: return Value::integer(v.i);
    case Type::Real:
      return std::isfinite(v.r) && std::abs(v.r) < 9.2e18 ? Value::integer(static_cast<int64_t>(v.r))
                                                          : Value::null_of(Type::Long);
    case Type::DateTime:
    case Type::Timespan: return Value::integer(v.i);
    case Type::String: {
      std::string s = v.s;
      try {
        size_t used = 0;
        long long x = std::stoll(s, &used, 10);
        if (used == s.size()) return Value::integer(x);
        double d = std::stod(s, &used);
        if (used == s.size() && std::isfinite(d) && std::abs(d) < 9.2e18)
          return Value::integer(static_cast<int64_t>(d));
      } catch (const std::exception&) {
      }
      return Value::null_of(Type::Long);
    }
    default: return Value::null_of(Type::Long);
  }
}

Value to_real(const Value& in) {
  Value v = scalarize(in);
  if (v.null) return Value::null_of(Type::Real);
  if (v.type == Type::Real) return v;
  if (v.type == Type::Long || v.type == Type::Bool) return Value::real(static_cast<double>(v.i));
  if (v.type == Type::String) {
    try {
      size_t used = 0;
      double d = std::stod(v.s, &used);
      if (used == v.s.size()) return Value::real(d);
    } catch (const std::exception&) {
    }
  }
  return Value::null_of(Type::Real);
}

Value to_bool(const Value& in) {
  Value v = scalarize(in);
  if (v.null) return Value::null_of(Type::Bool);
  if (v.type == Type::Bool) return v;
  if (v.type == Type::Long) return Value::boolean(v.i != 0);
  if (v.type == Type::String) {
    std::string s = rules::fold_case(v.s);
    if (s == "true" || s == "1") return Value::boolean(true);
    if (s == "false" || s == "0") return Value::boolean(false);
  }
  return Value::null_of(Type::Bool);
}

Value to_datetime(const Value& in) {
  Value v = scalarize(in);
  if (v.null) return Value::null_of(Type::DateTime);
  if (v.type == Type::DateTime) return v;
  if (v.type == Type::String)
    if (auto t = rules::parse_datetime(v.s)) return Value::datetime(*t);
  return Value::null_of(Type::DateTime);
}

Value to_timespan(const Value& in) {
  Value v = scalarize(in);
  if (v.null) return Value::null_of(Type::Timespan);
  if (v.type == Type::Timespan) return v;
  if (v.type == Type::Long) return Value::timespan(v.i);
  if (v.type == Type::String)
    if (auto t = rules::parse_timespan(v.s)) return Value::timespan(*t);
  return Value::null_of(Type::Timespan);
}

Value to_dynamic(const Value& v) {
  if (v.type == Type::Dynamic) return v;
  if (v.null) return Value();
  if (v.type != Type::String) return Value::dynamic(to_json(v));
  if (nests_too_deep(v.s)) return Value();  // deeper than any log's JSON: not read
  Json j = Json::parse(v.s, nullptr, false);
  if (j.is_discarded()) return Value::dynamic(Json(v.s));  // not JSON: the string itself
  return Value::dynamic(std::move(j));
}

const Json* array_of(const Value& v) { return v.type == Type::Dynamic && v.d && v.d->is_array() ? v.d.get() : nullptr; }
const Json* bag_of(const Value& v) { return v.type == Type::Dynamic && v.d && v.d->is_object() ? v.d.get() : nullptr; }

bool is_empty(const Value& v) {
  if (v.null) return true;
  if (v.type == Type::String) return v.s.empty();
  return false;
}

int64_t ticks_from_civil(int64_t y, unsigned m, unsigned d) {
  using namespace std::chrono;
  sys_days days = year_month_day{year{static_cast<int>(y)}, month{m}, day{d}};
  return (static_cast<int64_t>(days.time_since_epoch().count()) + 134'774) * kTicksPerDay;
}

Value start_of(const std::string& unit, const Value& dt, int64_t offset) {
  if (dt.null || dt.type != Type::DateTime || offset < -100'000 || offset > 100'000)
    return Value::null_of(Type::DateTime);
  rules::CivilDate c = rules::civil_from_ticks(dt.i);
  if (unit == "day")
    return Value::datetime(rules::floor_div(dt.i, kTicksPerDay) * kTicksPerDay + offset * kTicksPerDay);
  if (unit == "week") {
    int64_t day = rules::floor_div(dt.i, kTicksPerDay);
    int64_t weekday = ((day + 1) % 7 + 7) % 7;  // 1601-01-01 was a Monday; Sunday = 0
    return Value::datetime((day - weekday + 7 * offset) * kTicksPerDay);
  }
  if (unit == "month") {
    int64_t months = c.year * 12 + (c.month - 1) + offset;
    return Value::datetime(ticks_from_civil(rules::floor_div(months, 12),
                                            static_cast<unsigned>(months - rules::floor_div(months, 12) * 12 + 1), 1));
  }
  return Value::datetime(ticks_from_civil(c.year + offset, 1, 1));  // year
}

Value datetime_add(const std::string& period, int64_t amount, const Value& dt) {
  if (dt.null || amount < -1'000'000'000 || amount > 1'000'000'000) return Value::null_of(Type::DateTime);
  std::string p = rules::fold_case(period);
  if (p == "month" || p == "quarter" || p == "year") {
    int64_t months = amount * (p == "month" ? 1 : p == "quarter" ? 3 : 12);
    rules::CivilDate c = rules::civil_from_ticks(dt.i);
    int64_t total = c.year * 12 + (c.month - 1) + months;
    int64_t y = rules::floor_div(total, 12);
    unsigned m = static_cast<unsigned>(total - y * 12 + 1);
    unsigned last = static_cast<unsigned>(std::chrono::year_month_day_last{
        std::chrono::year{static_cast<int>(y)},
        std::chrono::month_day_last{
            std::chrono::month{m}}}.day());
    int64_t in_day = dt.i - rules::floor_div(dt.i, kTicksPerDay) * kTicksPerDay;
    return Value::datetime(ticks_from_civil(y, m, std::min(c.day, last)) + in_day);
  }
  auto period_value = rules::detail::period_by_name(p);
  auto unit = period_value ? rules::detail::period_unit(*period_value) : std::nullopt;
  int64_t span = 0, t = 0;
  if (!unit || __builtin_mul_overflow(amount, unit->unit, &span) || __builtin_add_overflow(dt.i, span, &t))
    return Value::null_of(Type::DateTime);
  return Value::datetime(t);
}

// format_datetime's tokens: yyyy yy MM M dd d HH H hh h mm m ss s f..fffffff tt.
std::string format_datetime(int64_t t, const std::string& fmt) {
  rules::CivilDate c = rules::civil_from_ticks(t);
  int64_t in_day = t - rules::floor_div(t, kTicksPerDay) * kTicksPerDay;
  int64_t h = in_day / rules::kTicksPerHour, mi = in_day / rules::kTicksPerMinute % 60,
          s = in_day / rules::kTicksPerSecond % 60, frac = in_day % rules::kTicksPerSecond;
  std::string out;
  auto pad = [](int64_t v, size_t w) {
    std::string x = std::to_string(v);
    return x.size() < w ? std::string(w - x.size(), '0') + x : x;
  };
  for (size_t i = 0; i < fmt.size();) {
    char ch = fmt[i];
    size_t n = 1;
    while (i + n < fmt.size() && fmt[i + n] == ch) ++n;
    switch (ch) {
      case 'y': out += n >= 4 ? pad(c.year, 4) : pad(c.year % 100, 2); break;
      case 'M': out += pad(c.month, n >= 2 ? 2 : 1); break;
      case 'd': out += pad(c.day, n >= 2 ? 2 : 1); break;
      case 'H': out += pad(h, n >= 2 ? 2 : 1); break;
      case 'h': out += pad(h % 12 == 0 ? 12 : h % 12, n >= 2 ? 2 : 1); break;
      case 'm': out += pad(mi, n >= 2 ? 2 : 1); break;
      case 's': out += pad(s, n >= 2 ? 2 : 1); break;
      case 'f':
      case 'F': out += pad(frac, 7).substr(0, std::min<size_t>(n, 7)); break;
      case 't': out += h < 12 ? (n >= 2 ? "AM" : "A") : (n >= 2 ? "PM" : "P"); break;
      default: out.append(n, ch);
    }
    i += n;
  }
  return out;
}

// Windows command-line splitting (CommandLineToArgvW's rules): spaces
// separate arguments outside quotes; 2n backslashes before a quote are n
// backslashes and the quote toggles, 2n+1 are n and a literal quote.
Json parse_command_line(const std::string& s) {
  Json args = Json::array();
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    std::string arg;
    bool quoted = false;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '\\') {
        size_t n = 0;
        while (i < s.size() && s[i] == '\\') ++n, ++i;
        if (i < s.size() && s[i] == '"') {
          arg.append(n / 2, '\\');
          if (n % 2) {
            arg += '"';
            continue;
          }
          --i;
          continue;
        }
        arg.append(n, '\\');
        --i;
        continue;
      }
      if (c == '"') {
        if (quoted && i + 1 < s.size() && s[i + 1] == '"') {
          arg += '"';
          ++i;
          continue;
        }
        quoted = !quoted;
        continue;
      }
      if (!quoted && (c == ' ' || c == '\t')) break;
      arg += c;
    }
    args.push_back(arg);
  }
  return args;
}

Json split(const std::string& s, const std::string& delim) {
  Json out = Json::array();
  if (delim.empty()) {
    out.push_back(s);
    return out;
  }
  size_t start = 0;
  for (size_t at = s.find(delim); at != std::string::npos; at = s.find(delim, start)) {
    out.push_back(s.substr(start, at - start));
    start = at + delim.size();
  }
  out.push_back(s.substr(start));
  return out;
}

// The regex argument `i` of a call: compiled once when a literal, else per value (cached).
std::function<std::shared_ptr<RE2>(const Value&)> regex_arg(const Node& call, size_t i) {
  const Node& n = call.kids[i];
  if (n.kind == K::Literal && n.extra == "string") {
    auto re = compile_regex(n, n.text);
    return [re](const Value&) { return re; };
  }
  auto cache = std::make_shared<std::unordered_map<std::string, std::shared_ptr<RE2>>>();
  Node at = n;
  return [cache, at](const Value& v) {
    std::string p = text_of(v);
    auto it = cache->find(p);
    if (it != cache->end()) return it->second;
    if (cache->size() > 1000) cache->clear();
    std::shared_ptr<RE2> re = compile_regex(at, p);
    (*cache)[p] = re;
    return re;
  };
}

bool ipv4(const std::string& s, uint32_t& out, int& prefix) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  int p = 32;
  char tail = 0;
  int n = std::sscanf(s.c_str(), "%u.%u.%u.%u/%d%c", &a, &b, &c, &d, &p, &tail);
  if (n < 4 || n == 6 || a > 255 || b > 255 || c > 255 || d > 255 || p < 0 || p > 32) return false;
  out = (a << 24) | (b << 16) | (c << 8) | d;
  prefix = p;
  return true;
}

// parse_xml's JSON: an element is its text when it has nothing else, else a
// bag of "@attribute" values, "#text" and its children (a name repeated
// becomes an array), as Kusto converts XML.
Json xml_json(const pugi::xml_node& n, int depth = 0) {
  Json bag = Json::object();
  for (const pugi::xml_attribute& a : n.attributes()) bag[std::string("@") + a.name()] = a.value();
  std::string text;
  std::vector<std::string> repeated;  // names already made arrays
  for (const pugi::xml_node& c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      text += c.value();
      continue;
    }
    if (c.type() != pugi::node_element || depth >= kMaxNesting) continue;
    Json v = xml_json(c, depth + 1);
    auto it = bag.find(c.name());
    if (it == bag.end()) {
      bag[c.name()] = std::move(v);
      continue;
    }
    if (std::find(repeated.begin(), repeated.end(), c.name()) == repeated.end()) {
      repeated.push_back(c.name());
      Json arr = Json::array({std::move(*it)});
      *it = std::move(arr);
    }
    it->push_back(std::move(v));
  }
  if (bag.empty()) return text;
  if (!text.empty()) bag["#text"] = text;
  return bag;
}

Value parse_xml(const std::string& s) {
  pugi::xml_document doc;
  if (!doc.load_buffer(s.data(), s.size(), pugi::parse_default, pugi::encoding_utf8)) return Value();
  Json root = Json::object();
  for (const pugi::xml_node& c : doc.children())
    if (c.type() == pugi::node_element) root[c.name()] = xml_json(c);
  return Value::dynamic(std::move(root));
}

struct Spec {
  size_t min, max;
  std::function<Function(const Node& call)> make;
};

// A function of fixed behaviour: no compile-time state.
Spec plain(size_t lo, size_t hi, std::function<Value(Args&)> f) {
  return {lo, hi, [f](const Node&) { return Function(f); }};
}

const std::unordered_map<std::string, Spec>& library() {
  static const std::unordered_map<std::string, Spec> lib = [] {
    std::unordered_map<std::string, Spec> m;
    // ---- null and emptiness
    m["isnull"] = plain(1, 1, [](Args& a) { return Value::boolean(a[0].null); });
    m["isnotnull"] = plain(1, 1, [](Args& a) { return Value::boolean(!a[0].null); });
    m["isempty"] = plain(1, 1, [](Args& a) { return Value::boolean(is_empty(scalarize(a[0]))); });
    m["isnotempty"] = plain(1, 1, [](Args& a) { return Value::boolean(!is_empty(scalarize(a[0]))); });
    m["not"] = plain(1, 1, [](Args& a) {
      Value v = to_bool(a[0]);
      return v.null ? v : Value::boolean(v.i == 0);
    });
    // ---- conversions
    m["tostring"] = plain(1, 1, [](Args& a) { return Value::string(text_of(a[0])); });
    for (const char* n : {"toint", "tolong"}) m[n] = plain(1, 1, [](Args& a) { return to_long(a[0]); });
    for (const char* n : {"toreal", "todouble", "todecimal"}) m[n] = plain(1, 1, [](Args& a) { return to_real(a[0]); });
    for (const char* n : {"tobool", "toboolean"}) m[n] = plain(1, 1, [](Args& a) { return to_bool(a[0]); });
    m["todatetime"] = plain(1, 1, [](Args& a) { return to_datetime(a[0]); });
    m["totimespan"] = plain(1, 1, [](Args& a) { return to_timespan(a[0]); });
    m["toguid"] = plain(1, 1, [](Args& a) { return Value::string(text_of(a[0])); });
    for (const char* n : {"todynamic", "parse_json", "toobject"})
      m[n] = plain(1, 1, [](Args& a) { return to_dynamic(a[0]); });
    m["gettype"] = plain(1, 1, [](Args& a) {
      Value v = a[0];
      if (v.type == Type::Dynamic && v.d)
        return Value::string(v.d->is_array()    ? "array"
                             : v.d->is_object() ? "dictionary"
                                                : type_name(from_json(*v.d).type));
      return Value::string(v.null && v.type == Type::Dynamic ? "null" : type_name(v.type));
    });
    // ---- strings
    m["tolower"] = plain(1, 1, [](Args& a) { return Value::string(rules::fold_case(text_of(a[0]))); });
    m["toupper"] = plain(1, 1, [](Args& a) { return Value::string(rules::upper_case(text_of(a[0]))); });
    m["strlen"] =
        plain(1, 1, [](Args& a) { return Value::integer(static_cast<int64_t>(rules::utf8_length(text_of(a[0])))); });
    m["string_size"] = plain(1, 1, [](Args& a) { return Value::integer(static_cast<int64_t>(text_of(a[0]).size())); });
    m["strcat"] = plain(1, 64, [](Args& a) {
      std::string s;
      for (const Value& v : a) s += text_of(v);
      return Value::string(s);
    });
    m["strcat_delim"] = plain(2, 64, [](Args& a) {
      std::string d = text_of(a[0]), s;
      for (size_t i = 1; i < a.size(); ++i) s += (i > 1 ? d : "") + text_of(a[i]);
      return Value::string(s);
    });
    m["strcat_array"] = plain(2, 2, [](Args& a) {
      const Json* arr = array_of(a[0]);
      if (!arr) return Value::string("");
      std::string d = text_of(a[1]), s;
      bool first = true;
      for (const Json& e : *arr) {
        s += (first ? "" : d) + to_text(from_json(e));
        first = false;
      }
      return Value::string(s);
    });
    m["substring"] = plain(2, 3, [](Args& a) {
      // Code points, as Kusto counts them.
      std::string s = text_of(a[0]);
      Value start = to_long(a[1]);
      if (start.null) return Value::string("");
      std::vector<size_t> at;  // byte offset of each code point
      for (size_t i = 0; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) at.push_back(i);
      int64_t n = static_cast<int64_t>(at.size()), b = std::clamp<int64_t>(start.i, 0, n), len = n - b;
      if (a.size() > 2) {
        Value l = to_long(a[2]);
        if (!l.null) len = std::clamp<int64_t>(l.i, 0, n - b);
      }
      size_t from = b < n ? at[b] : s.size(), to = b + len < n ? at[b + len] : s.size();
      return Value::string(s.substr(from, to - from));
    });
    m["indexof"] = plain(2, 5, [](Args& a) {
      std::string s = text_of(a[0]), needle = text_of(a[1]);
      int64_t start = a.size() > 2 ? to_long(a[2]).i : 0, length = a.size() > 3 ? to_long(a[3]).i : -1,
              occurrence = a.size() > 4 ? to_long(a[4]).i : 1;
      if (start < 0) start = std::max<int64_t>(0, static_cast<int64_t>(s.size()) + start);
      if (start > static_cast<int64_t>(s.size()) || occurrence < 1) return Value::integer(-1);
      size_t end = length < 0 ? s.size() : std::min(s.size(), static_cast<size_t>(start + length));
      size_t at = static_cast<size_t>(start) - 1 + 1;
      for (int64_t k = 0; k < occurrence; ++k) {
        at = s.find(needle, k == 0 ? at : at + 1);
        if (at == std::string::npos || at + needle.size() > end) return Value::integer(-1);
      }
      return Value::integer(static_cast<int64_t>(at));
    });
    m["split"] = plain(2, 3, [](Args& a) {
      Json parts = split(text_of(a[0]), text_of(a[1]));
      if (a.size() < 3) return Value::dynamic(parts);
      Value i = to_long(a[2]);
      if (i.null || i.i < 0 || i.i >= static_cast<int64_t>(parts.size())) return Value::dynamic(Json::array());
      return Value::dynamic(Json::array({parts[static_cast<size_t>(i.i)]}));
    });
    m["replace_string"] = plain(3, 3, [](Args& a) {
      std::string s = text_of(a[0]), from = text_of(a[1]), to = text_of(a[2]);
      if (from.empty()) return Value::string(s);
      std::string out;
      size_t start = 0;
      for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, start)) {
        out += s.substr(start, at - start) + to;
        start = at + from.size();
      }
      return Value::string(out + s.substr(start));
    });
    m["reverse"] = plain(1, 1, [](Args& a) {
      std::string s = text_of(a[0]);
      return Value::string(std::string(s.rbegin(), s.rend()));
    });
    m["countof"] = {2, 3, [](const Node& call) -> Function {
                      bool regex =
                          call.kids.size() > 2 && call.kids[2].kind == K::Literal && call.kids[2].text == "regex";
                      auto re = regex ? regex_arg(call, 1) : nullptr;
                      return [re](Args& a) {
                        std::string s = text_of(a[0]), needle = text_of(a[1]);
                        int64_t n = 0;
                        if (re) {
                          std::shared_ptr<RE2> r = re(a[1]);
                          re2::StringPiece in(s), m;
                          while (RE2::FindAndConsume(&in, *r)) ++n;
                          return Value::integer(n);
                        }
                        if (needle.empty()) return Value::integer(0);
                        for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
                        return Value::integer(n);
                      };
                    }};
    m["extract"] = {3, 4, [](const Node& call) -> Function {
                      auto re = regex_arg(call, 0);
                      return [re](Args& a) {
                        if (a[2].null) return Value::string("");
                        std::shared_ptr<RE2> r = re(a[0]);
                        Value g = to_long(a[1]);
                        if (g.null || g.i < 0 || g.i > r->NumberOfCapturingGroups()) return Value::string("");
                        std::string s = text_of(a[2]);
                        std::vector<re2::StringPiece> groups(static_cast<size_t>(r->NumberOfCapturingGroups()) + 1);
                        if (!r->Match(s, 0, s.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size())))
                          return Value::string("");
                        return Value::string(std::string(groups[static_cast<size_t>(g.i)]));
                      };
                    }};
    m["extract_all"] = {
        2, 3, [](const Node& call) -> Function {
          auto re = regex_arg(call, 0);
          bool with_groups = call.kids.size() == 3;
          return [re, with_groups](Args& a) {
            std::shared_ptr<RE2> r = re(a[0]);
            std::string s = text_of(a[with_groups ? 2 : 1]);
            int ng = r->NumberOfCapturingGroups();
            std::vector<re2::StringPiece> groups(static_cast<size_t>(ng) + 1);
            Json out = Json::array();
            size_t pos = 0;
            while (pos <= s.size() && r->Match(s, pos, s.size(), RE2::UNANCHORED, groups.data(), ng + 1)) {
              if (ng <= 1) {
                out.push_back(std::string(groups[ng == 0 ? 0 : 1]));
              } else {
                Json row = Json::array();
                for (int g = 1; g <= ng; ++g) row.push_back(std::string(groups[static_cast<size_t>(g)]));
                out.push_back(row);
              }
              size_t end = static_cast<size_t>(groups[0].data() - s.data()) + groups[0].size();
              pos = end > pos ? end : pos + 1;
              if (out.size() > 100000) break;
            }
            return out.empty() ? Value() : Value::dynamic(out);
          };
        }};
    m["replace_regex"] = {3, 3, [](const Node& call) -> Function {
                            auto re = regex_arg(call, 1);
                            return [re](Args& a) {
                              std::string s = text_of(a[0]), rewrite = text_of(a[2]);
                              RE2::GlobalReplace(&s, *re(a[1]), rewrite);
                              return Value::string(s);
                            };
                          }};
    for (const char* n : {"trim", "trim_start", "trim_end"}) {
      std::string which = n;
      m[n] = {2, 2, [which](const Node& call) -> Function {
                auto re = regex_arg(call, 0);
                return [re, which](Args& a) {
                  std::string s = text_of(a[1]);
                  std::string p = re(a[0])->pattern();
                  if (which != "trim_end") {
                    RE2 start("^(?:" + p + ")+");
                    RE2::Replace(&s, start, "");
                  }
                  if (which != "trim_start") {
                    RE2 end("(?:" + p + ")+$");
                    RE2::Replace(&s, end, "");
                  }
                  return Value::string(s);
                };
              }};
    }
    m["parse_xml"] = plain(1, 1, [](Args& a) { return parse_xml(text_of(a[0])); });
    m["parse_command_line"] = plain(1, 2, [](Args& a) { return Value::dynamic(parse_command_line(text_of(a[0]))); });
    m["has_any_index"] = plain(2, 2, [](Args& a) {
      const Json* arr = array_of(a[1]);
      if (!arr) return Value::integer(-1);
      std::string s = text_of(a[0]);
      for (size_t i = 0; i < arr->size(); ++i)
        if (rules::has_term(s, rules::fold_case(to_text(from_json((*arr)[i]))), false))
          return Value::integer(static_cast<int64_t>(i));
      return Value::integer(-1);
    });
    m["parse_url"] = plain(1, 1, [](Args& a) {
      std::string u = text_of(a[0]);
      Json j = {{"Scheme", ""},
                {"Host", ""},
                {"Port", ""},
                {"Path", ""},
                {"Username", ""},
                {"Password", ""},
                {"Query Parameters", Json::object()},
                {"Fragment", ""}};
      size_t scheme = u.find("://");
      if (scheme == std::string::npos) return Value::dynamic(Json::object());
      j["Scheme"] = u.substr(0, scheme);
      std::string rest = u.substr(scheme + 3);
      size_t frag = rest.find('#');
      if (frag != std::string::npos) j["Fragment"] = rest.substr(frag + 1), rest = rest.substr(0, frag);
      size_t q = rest.find('?');
      std::string query = q == std::string::npos ? "" : rest.substr(q + 1);
      if (q != std::string::npos) rest = rest.substr(0, q);
      size_t slash = rest.find('/');
      std::string authority = rest.substr(0, slash);
      j["Path"] = slash == std::string::npos ? "" : rest.substr(slash);
      if (size_t at = authority.rfind('@'); at != std::string::npos) {
        std::string user = authority.substr(0, at);
        authority = authority.substr(at + 1);
        size_t colon = user.find(':');
        j["Username"] = user.substr(0, colon);
        if (colon != std::string::npos) j["Password"] = user.substr(colon + 1);
      }
      size_t colon = authority.rfind(':');
      j["Host"] = authority.substr(0, colon);
      if (colon != std::string::npos) j["Port"] = authority.substr(colon + 1);
      for (const Json& kv : split(query, "&")) {
        std::string p = kv.get<std::string>();
        if (p.empty()) continue;
        size_t eq = p.find('=');
        j["Query Parameters"][p.substr(0, eq)] = eq == std::string::npos ? "" : p.substr(eq + 1);
      }
      return Value::dynamic(j);
    });
    m["base64_decode_tostring"] = plain(1, 1, [](Args& a) {
      static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      std::string s = text_of(a[0]), out;
      uint32_t buf = 0;
      int bits = 0;
      for (char c : s) {
        if (c == '=') break;
        size_t v = chars.find(c);
        if (v == std::string::npos) return Value::string("");
        buf = (buf << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
          bits -= 8;
          out += static_cast<char>((buf >> bits) & 0xFF);
        }
      }
      return Value::string(out);
    });
    // ---- dynamic arrays and bags
    m["array_length"] = plain(1, 1, [](Args& a) {
      const Json* arr = array_of(a[0]);
      return arr ? Value::integer(static_cast<int64_t>(arr->size())) : Value::null_of(Type::Long);
    });
    m["array_index_of"] = plain(2, 4, [](Args& a) {
      const Json* arr = array_of(a[0]);
      if (!arr) return Value::null_of(Type::Long);
      Value x = scalarize(a[1]);
      for (size_t i = 0; i < arr->size(); ++i) {
        Value e = from_json((*arr)[i]);
        if (!e.null && !x.null && equal(e, x)) return Value::integer(static_cast<int64_t>(i));
      }
      return Value::integer(-1);
    });
    m["set_has_element"] = plain(2, 2, [](Args& a) {
      const Json* arr = array_of(a[0]);
      if (!arr) return Value::boolean(false);
      Value x = scalarize(a[1]);
      for (const Json& e : *arr) {
        Value v = from_json(e);
        if (!v.null && !x.null && equal(v, x)) return Value::boolean(true);
      }
      return Value::boolean(false);
    });
    m["array_concat"] = plain(1, 64, [](Args& a) {
      Json out = Json::array();
      for (const Value& v : a) {
        const Json* arr = array_of(v);
        if (!arr) return Value();
        for (const Json& e : *arr) out.push_back(e);
      }
      return Value::dynamic(out);
    });
    m["array_slice"] = plain(3, 3, [](Args& a) {
      const Json* arr = array_of(a[0]);
      if (!arr) return Value();
      int64_t n = static_cast<int64_t>(arr->size()), s = to_long(a[1]).i, e = to_long(a[2]).i;
      if (s < 0) s += n;
      if (e < 0) e += n;
      Json out = Json::array();
      for (int64_t i = std::max<int64_t>(0, s); i <= std::min(e, n - 1); ++i)
        out.push_back((*arr)[static_cast<size_t>(i)]);
      return Value::dynamic(out);
    });
    for (const char* n : {"array_sort_asc", "array_sort_desc"}) {
      bool asc = std::string(n) == "array_sort_asc";
      m[n] = plain(1, 2, [asc](Args& a) {
        const Json* arr = array_of(a[0]);
        if (!arr) return Value();
        std::vector<Value> v;
        for (const Json& e : *arr) v.push_back(from_json(e));
        std::stable_sort(v.begin(), v.end(), [asc](const Value& x, const Value& y) {
          if (x.null || y.null) return !x.null && y.null;  // nulls last
          return asc ? compare(x, y) < 0 : compare(x, y) > 0;
        });
        Json out = Json::array();
        for (const Value& x : v) out.push_back(to_json(x));
        return Value::dynamic(out);
      });
    }
    auto set_op = [](int which) {
      return [which](Args& a) {
        std::vector<std::pair<std::string, Json>> items;
        std::vector<std::unordered_map<std::string, int>> seen(a.size());
        for (size_t k = 0; k < a.size(); ++k) {
          const Json* arr = array_of(a[k]);
          if (!arr) return Value();
          for (const Json& e : *arr) {
            std::string key;
            append_key(key, from_json(e));
            if (seen[k].emplace(key, 1).second && k == 0) items.emplace_back(key, e);
            if (which == 0 && k > 0 && seen[0].count(key) == 0 && seen[k][key] == 1) {
              bool earlier = false;
              for (size_t j = 1; j < k; ++j) earlier = earlier || seen[j].count(key);
              if (!earlier) items.emplace_back(key, e);
            }
          }
        }
        Json out = Json::array();
        for (const auto& [key, e] : items) {
          bool keep = true;
          for (size_t k = 1; k < a.size(); ++k) {
            bool in = seen[k].count(key) > 0;
            if (which == 1 && !in) keep = false;  // intersect
            if (which == 2 && in) keep = false;   // difference
          }
          if (keep) out.push_back(e);
        }
        return Value::dynamic(out);
      };
    };
    m["set_union"] = plain(2, 64, set_op(0));
    m["set_intersect"] = plain(2, 64, set_op(1));
    m["set_difference"] = plain(2, 64, set_op(2));
    m["pack_array"] = plain(1, 64, [](Args& a) {
      Json out = Json::array();
      for (const Value& v : a) out.push_back(to_json(v));
      return Value::dynamic(out);
    });
    for (const char* n : {"pack", "bag_pack", "pack_dictionary"})
      m[n] = plain(2, 64, [](Args& a) {
        Json out = Json::object();
        for (size_t i = 0; i + 1 < a.size(); i += 2) out[text_of(a[i])] = to_json(a[i + 1]);
        return Value::dynamic(out);
      });
    m["bag_keys"] = plain(1, 1, [](Args& a) {
      const Json* bag = bag_of(a[0]);
      if (!bag) return Value();
      Json out = Json::array();
      for (auto it = bag->begin(); it != bag->end(); ++it) out.push_back(it.key());
      return Value::dynamic(out);
    });
    m["bag_has_key"] = plain(2, 2, [](Args& a) {
      const Json* bag = bag_of(a[0]);
      return Value::boolean(bag && bag->contains(text_of(a[1])));
    });
    m["bag_merge"] = plain(2, 64, [](Args& a) {
      Json out = Json::object();
      for (const Value& v : a)
        if (const Json* bag = bag_of(v))
          for (auto it = bag->begin(); it != bag->end(); ++it)
            if (!out.contains(it.key())) out[it.key()] = it.value();
      return Value::dynamic(out);
    });
    // ---- math and bits
    m["abs"] = plain(1, 1, [](Args& a) {
      Value v = scalarize(a[0]);
      if (v.null) return v;
      if (v.type == Type::Real) return Value::real(std::abs(v.r));
      if (v.type == Type::Long || v.type == Type::Timespan) {
        if (v.i == INT64_MIN) return Value::null_of(v.type);
        v.i = v.i < 0 ? -v.i : v.i;
        return v;
      }
      return Value::null_of(Type::Real);
    });
    m["round"] = plain(1, 2, [](Args& a) {
      Value v = to_real(a[0]);
      if (v.null) return v;
      double p = std::pow(10.0, a.size() > 1 ? static_cast<double>(to_long(a[1]).i) : 0.0);
      return Value::real(std::round(v.r * p) / p);
    });
    for (const auto& named : std::initializer_list<std::pair<const char*, double (*)(double)>>{{"log", std::log},
                                                                                               {"log10", std::log10},
                                                                                               {"log2", std::log2},
                                                                                               {"exp", std::exp},
                                                                                               {"sqrt", std::sqrt},
                                                                                               {"ceiling", std::ceil}})
      m[named.first] = plain(1, 1, [f = named.second](Args& a) {
        Value v = to_real(a[0]);
        return v.null ? v : Value::real(f(v.r));
      });
    m["pow"] = plain(2, 2, [](Args& a) {
      Value x = to_real(a[0]), y = to_real(a[1]);
      return x.null || y.null ? Value::null_of(Type::Real) : Value::real(std::pow(x.r, y.r));
    });
    for (const char* n : {"bin", "floor"})
      m[n] = plain(2, 2, [](Args& a) {
        Value x = scalarize(a[0]), size = scalarize(a[1]);
        if (x.null || size.null) return Value::null_of(x.type == Type::String ? Type::Dynamic : x.type);
        if (x.type == Type::DateTime && size.type == Type::Timespan && size.i > 0)
          return Value::datetime(rules::floor_div(x.i + rules::kTicks0001To1601, size.i) * size.i -
                                 rules::kTicks0001To1601);
        if (x.type == Type::Timespan && size.type == Type::Timespan && size.i > 0)
          return Value::timespan(rules::floor_div(x.i, size.i) * size.i);
        if (x.type == Type::Long && size.type == Type::Long && size.i > 0)
          return Value::integer(rules::floor_div(x.i, size.i) * size.i);
        if ((x.type == Type::Long || x.type == Type::Real) && (size.type == Type::Long || size.type == Type::Real)) {
          double s = size.type == Type::Real ? size.r : static_cast<double>(size.i);
          double v = x.type == Type::Real ? x.r : static_cast<double>(x.i);
          if (s > 0) return Value::real(std::floor(v / s) * s);
        }
        return Value::null_of(x.type);
      });
    for (const char* n : {"max_of", "min_of"}) {
      bool want_max = std::string(n) == "max_of";
      m[n] = plain(2, 64, [want_max](Args& a) {
        Value best;
        for (const Value& raw : a) {
          Value v = scalarize(raw);
          if (v.null) continue;
          if (best.null || (want_max ? compare(v, best) > 0 : compare(v, best) < 0)) best = v;
        }
        return best;
      });
    }
    auto bits = [](auto f) {
      return plain(2, 2, [f](Args& a) {
        Value x = to_long(a[0]), y = to_long(a[1]);
        return x.null || y.null ? Value::null_of(Type::Long) : Value::integer(f(x.i, y.i));
      });
    };
    m["binary_and"] = bits([](int64_t x, int64_t y) { return x & y; });
    m["binary_or"] = bits([](int64_t x, int64_t y) { return x | y; });
    m["binary_xor"] = bits([](int64_t x, int64_t y) { return x ^ y; });
    m["binary_shift_left"] = bits([](int64_t x, int64_t y) {
      return y < 0 || y > 63 ? int64_t{0} : static_cast<int64_t>(static_cast<uint64_t>(x) << y);
    });
    m["binary_shift_right"] = bits([](int64_t x, int64_t y) {
      return y < 0 || y > 63 ? int64_t{0} : static_cast<int64_t>(static_cast<uint64_t>(x) >> y);
    });
    m["binary_not"] = plain(1, 1, [](Args& a) {
      Value x = to_long(a[0]);
      return x.null ? x : Value::integer(~x.i);
    });
    // ---- datetimes
    m["datetime_diff"] = {
        3, 3, [](const Node& call) -> Function {
          const Node& p = call.kids[0];
          if (p.kind != K::Literal) fail(p, "datetime_diff() needs the period as a string");
          auto period = rules::detail::period_by_name(p.text);
          if (!period)
            fail(p,
                 "unknown period '" + p.text +
                     "' (year, quarter, month, week, day, hour, minute, second, millisecond, microsecond, nanosecond)");
          rules::detail::Period pv = *period;
          return [pv](Args& a) {
            Value x = to_datetime(a[1]), y = to_datetime(a[2]);
            if (x.null || y.null) return Value::null_of(Type::Long);
            return Value::integer(rules::detail::datetime_diff(pv, x.i, y.i));
          };
        }};
    m["datetime_add"] = plain(3, 3, [](Args& a) {
      Value n = to_long(a[1]);
      if (n.null) return Value::null_of(Type::DateTime);
      return datetime_add(text_of(a[0]), n.i, to_datetime(a[2]));
    });
    for (const char* unit : {"day", "week", "month", "year"}) {
      std::string u = unit;
      m["startof" + u] =
          plain(1, 2, [u](Args& a) { return start_of(u, to_datetime(a[0]), a.size() > 1 ? to_long(a[1]).i : 0); });
      m["endof" + u] = plain(1, 2, [u](Args& a) {
        Value next = start_of(u, to_datetime(a[0]), (a.size() > 1 ? to_long(a[1]).i : 0) + 1);
        if (!next.null) --next.i;
        return next;
      });
    }
    m["dayofweek"] = plain(1, 1, [](Args& a) {
      Value d = to_datetime(a[0]);
      if (d.null) return Value::null_of(Type::Timespan);
      int64_t day = rules::floor_div(d.i, kTicksPerDay);
      return Value::timespan((((day + 1) % 7 + 7) % 7) * kTicksPerDay);
    });
    m["dayofmonth"] = plain(1, 1, [](Args& a) {
      Value d = to_datetime(a[0]);
      return d.null ? Value::null_of(Type::Long) : Value::integer(rules::civil_from_ticks(d.i).day);
    });
    m["dayofyear"] = plain(1, 1, [](Args& a) {
      Value d = to_datetime(a[0]);
      if (d.null) return Value::null_of(Type::Long);
      return Value::integer((d.i - start_of("year", d, 0).i) / kTicksPerDay + 1);
    });
    m["hourofday"] = plain(1, 1, [](Args& a) {
      Value d = to_datetime(a[0]);
      return d.null ? Value::null_of(Type::Long)
                    : Value::integer((d.i - rules::floor_div(d.i, kTicksPerDay) * kTicksPerDay) / rules::kTicksPerHour);
    });
    for (const char* n : {"monthofyear", "getmonth"})
      m[n] = plain(1, 1, [](Args& a) {
        Value d = to_datetime(a[0]);
        return d.null ? Value::null_of(Type::Long) : Value::integer(rules::civil_from_ticks(d.i).month);
      });
    m["getyear"] = plain(1, 1, [](Args& a) {
      Value d = to_datetime(a[0]);
      return d.null ? Value::null_of(Type::Long) : Value::integer(rules::civil_from_ticks(d.i).year);
    });
    m["format_datetime"] = plain(2, 2, [](Args& a) {
      Value d = to_datetime(a[0]);
      return d.null ? Value::string("") : Value::string(format_datetime(d.i, text_of(a[1])));
    });
    m["make_datetime"] = plain(3, 7, [](Args& a) {
      if (any_null(a)) return Value::null_of(Type::DateTime);
      int64_t y = to_long(a[0]).i, mo = to_long(a[1]).i, d = to_long(a[2]).i;
      if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31) return Value::null_of(Type::DateTime);
      int64_t t = ticks_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
      int64_t h = a.size() > 3 ? to_long(a[3]).i : 0, mi = a.size() > 4 ? to_long(a[4]).i : 0;
      double sec = a.size() > 5 ? to_real(a[5]).r : 0;
      if (h < 0 || h > 23 || mi < 0 || mi > 59 || !(sec >= 0 && sec < 60)) return Value::null_of(Type::DateTime);
      return Value::datetime(t + h * rules::kTicksPerHour + mi * rules::kTicksPerMinute +
                             static_cast<int64_t>(sec * rules::kTicksPerSecond));
    });
    m["unixtime_seconds_todatetime"] = plain(1, 1, [](Args& a) {
      Value s = to_real(a[0]);
      return s.null ? Value::null_of(Type::DateTime)
                    : Value::datetime(normalize::kUnixEpoch + static_cast<int64_t>(s.r * rules::kTicksPerSecond));
    });
    m["unixtime_milliseconds_todatetime"] = plain(1, 1, [](Args& a) {
      Value s = to_real(a[0]);
      return s.null ? Value::null_of(Type::DateTime)
                    : Value::datetime(normalize::kUnixEpoch + static_cast<int64_t>(s.r * rules::kTicksPerMillisecond));
    });
    // ---- addresses
    m["ipv4_is_private"] = plain(1, 1, [](Args& a) {
      uint32_t ip = 0;
      int p = 0;
      if (!ipv4(text_of(a[0]), ip, p)) return Value::null_of(Type::Bool);
      return Value::boolean((ip >> 24) == 10 || (ip >> 20) == (172u << 4 | 1) || (ip >> 16) == (192u << 8 | 168));
    });
    m["ipv4_is_in_range"] = plain(2, 2, [](Args& a) {
      uint32_t ip = 0, net = 0;
      int p = 0, bits = 0;
      if (!ipv4(text_of(a[0]), ip, p) || !ipv4(text_of(a[1]), net, bits)) return Value::null_of(Type::Bool);
      uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
      return Value::boolean((ip & mask) == (net & mask));
    });
    return m;
  }();
  return lib;
}

}  // namespace

Function scalar_function(const Node& call, const CompileScope&) {
  const auto& lib = library();
  auto it = lib.find(call.text);
  if (it == lib.end()) {
    fail(call, "the function '" + call.text + "' is not supported");
  }
  const Spec& s = it->second;
  if (call.kids.size() < s.min || call.kids.size() > s.max)
    fail(call, call.text + "() takes " +
                   (s.min == s.max ? std::to_string(s.min) : std::to_string(s.min) + " to " + std::to_string(s.max)) +
                   " arguments, not " + std::to_string(call.kids.size()));
  return s.make(call);
}

}  // namespace kql
