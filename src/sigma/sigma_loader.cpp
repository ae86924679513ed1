// Sigma YAML into sigma::Rule: each document's metadata and log source, then its detection
// (selections of field tests: modifiers turned into globs, or a regex, number, CIDR, field
// reference, exists or null test), correlation or filter section, and the condition, read by a
// small recursive parser. Hostile rules are bounded: at most 100,000 values / 16 MiB per document
// after aliases and modifiers, conditions nested at most 64 deep. Errors name the file and the
// YAML node's line. cli/rule_options.cpp calls it; rule_set.cpp compiles what it returns.
#include "sigma/sigma_loader.h"
#include "sigma/placeholders.h"
#include "text/glob.h"
#include "yaml/stray_comma.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include "rules/time_format.h"
#include "text/ascii_case.h"
#include "text/utf16.h"

namespace sigma {
namespace {

// An error at a node: its line and column are reported.
struct NodeError : std::runtime_error {
  int line, column;
  bool too_large = false;  // the rule's size budget is spent: nothing more of it is read
  NodeError(const YAML::Node& n, const std::string& what)
      : std::runtime_error(what),
        line(n.Mark().line >= 0 ? n.Mark().line + 1 : 0),
        column(n.Mark().column >= 0 ? n.Mark().column + 1 : 0) {}
};

// Every error of one document: loading goes on past an error wherever the
// rest can still be read (the header's keys, each search identifier, each
// condition), so one run names them all. Reading stops at kMaxErrors, or at
// a rule past its size budget (going on would spend it again per selection).
struct DocumentErrors {
  static constexpr size_t kMaxErrors = 20;
  std::vector<NodeError> list;
  template <typename F>
  void attempt(F&& step) {
    try {
      step();
    } catch (const NodeError& e) {
      list.push_back(e);
      if (e.too_large || list.size() >= kMaxErrors) throw *this;
    }
  }
};

std::string scalar(const YAML::Node& n, const char* what) {
  if (!n.IsScalar()) throw NodeError(n, std::string(what) + " must be a text value");
  return n.Scalar();
}

std::vector<std::string> string_list(const YAML::Node& n, const char* what) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (n.IsScalar()) return {n.Scalar()};
  if (!n.IsSequence()) throw NodeError(n, std::string(what) + " must be a list");
  for (const YAML::Node& item : n) out.push_back(scalar(item, what));
  return out;
}

// A keyword (a value without a field): found anywhere in a value.
std::string keyword_glob(const std::string& sigma_value) {
  std::string g = "*";
  g += text::canonical_glob(sigma_value);
  g += '*';
  return g;
}

// ---- values and modifiers ------------------------------------------------------

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kB64[(v >> k) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// The three encodings of `in` at byte offsets 0, 1, 2 of a longer base64 text,
// cut to the characters that do not depend on the surrounding bytes.
std::vector<std::string> base64_offsets(std::string_view in) {
  std::vector<std::string> out;
  const size_t start[3] = {0, 2, 3};
  const size_t trim[3] = {0, 3, 2};
  for (size_t shift = 0; shift < 3; ++shift) {
    std::string padded(shift, ' ');
    padded += in;
    std::string enc = base64(padded);
    size_t end = enc.size() - trim[(in.size() + shift) % 3];
    if (end > start[shift]) out.push_back(enc.substr(start[shift], end - start[shift]));
  }
  return out;
}

// Windows command-line flag characters: - / – — ―
const std::vector<std::string> kDashes = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};

// Every spelling of a glob's flags (a dash or slash starting a word) with
// every dash character; at most 4 flags are permuted (5^4 spellings).
std::vector<std::string> windash(const std::string& glob) {
  std::vector<size_t> flags;
  for (size_t i = 0; i < glob.size(); ++i) {
    bool dash = glob[i] == '-' || glob[i] == '/';
    bool starts_word = i == 0 || !std::isalnum(static_cast<unsigned char>(glob[i - 1]));
    bool before_word = i + 1 < glob.size() && std::isalnum(static_cast<unsigned char>(glob[i + 1]));
    if (dash && starts_word && before_word && flags.size() < 4) flags.push_back(i);
  }
  std::vector<std::string> out = {""};
  size_t prev = 0;
  for (size_t f : flags) {
    std::vector<std::string> next;
    for (const std::string& o : out)
      for (const std::string& d : kDashes) next.push_back(o + glob.substr(prev, f - prev) + d);
    out = std::move(next);
    prev = f + 1;
  }
  for (std::string& o : out) o += glob.substr(prev);
  return out;
}

// A scalar as the text Sigma compares (booleans and numbers as written).
std::string value_text(const YAML::Node& n) {
  if (!n.IsScalar()) throw NodeError(n, "a value must be a text or a number, not a list or a map");
  return n.Scalar();
}

bool is_null(const YAML::Node& n) { return !n || n.IsNull(); }

// The time modifiers (minute, hour, day, week, month, year).
std::optional<FieldTest::TimePart> time_part(const std::string& m) {
  using P = FieldTest::TimePart;
  if (m == "minute") return P::Minute;
  if (m == "hour") return P::Hour;
  if (m == "day") return P::Day;
  if (m == "week") return P::Week;
  if (m == "month") return P::Month;
  if (m == "year") return P::Year;
  return std::nullopt;
}

// What one rule may expand into: values (after YAML aliases and modifiers:
// windash, base64offset and contains multiply them) and their bytes. SigmaHQ's
// largest rules hold a few thousand; a 107 KB file reusing one anchored
// 10,000-value list 1,000 times would make ten million.
constexpr size_t kMaxRuleValues = 100'000;
constexpr size_t kMaxRuleValueBytes = 16u << 20;

struct RuleBudget {
  size_t values = 0, bytes = 0;
};
thread_local RuleBudget t_budget;  // of the document being parsed

void spend(const YAML::Node& at, size_t values, size_t bytes) {
  t_budget.values += values;
  t_budget.bytes += bytes;
  if (t_budget.values > kMaxRuleValues || t_budget.bytes > kMaxRuleValueBytes) {
    NodeError e(at, "rule too large: more than " + std::to_string(kMaxRuleValues) + " values or " +
                        std::to_string(kMaxRuleValueBytes >> 20) +
                        " MiB of them after aliases and modifiers (a YAML anchor reused many times?)");
    e.too_large = true;
    throw e;
  }
}

FieldTest make_test(const std::string& key, const YAML::Node& value) {
  FieldTest t;
  size_t bar = key.find('|');
  t.field = key.substr(0, bar);
  std::vector<std::string> mods;
  for (size_t at = bar; at != std::string::npos;) {
    size_t next = key.find('|', at + 1);
    mods.push_back(text::lowered(key.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1)));
    at = next;
  }
  // Values: a list (OR, or AND with |all), a single value, or null.
  std::vector<std::string> raw;
  bool null_value = false;
  if (value.IsSequence()) {
    for (const YAML::Node& v : value) {
      if (is_null(v)) throw NodeError(v, "null cannot be one of a list of values (Sigma: its own selection)");
      raw.push_back(value_text(v));
      spend(value, 1, raw.back().size());
    }
  } else if (is_null(value)) {
    null_value = true;
  } else {
    raw.push_back(value_text(value));
    spend(value, 1, raw.back().size());
  }
  bool re = false, re_i = false, re_m = false, re_s = false, expand = false;
  bool encoded = false;  // base64, utf16...: a placeholder would be encoded too
  std::vector<std::string> globs;
  for (const std::string& r : raw) globs.push_back(text::canonical_glob(r));
  auto map_values = [&](auto fn) {
    std::vector<std::string> out;
    for (const std::string& g : globs)
      for (std::string& v : fn(g)) {
        spend(value, 1, v.size());
        out.push_back(std::move(v));
      }
    globs = std::move(out);
  };
  for (const std::string& m : mods) {
    if (m == "contains") {
      map_values([](const std::string& g) {
        std::string v = g;
        if (v.empty() || v.front() != '*') v.insert(v.begin(), '*');
        if (v.size() < 2 || v.back() != '*' || v[v.size() - 2] == '\\') v += '*';
        return std::vector<std::string>{v};
      });
    } else if (m == "startswith") {
      map_values([](const std::string& g) {
        return std::vector<std::string>{
            (!g.empty() && g.back() == '*' && (g.size() < 2 || g[g.size() - 2] != '\\')) ? g : g + "*"};
      });
    } else if (m == "endswith") {
      map_values([](const std::string& g) {
        return std::vector<std::string>{(!g.empty() && g.front() == '*') ? g : "*" + g};
      });
    } else if (m == "all") {
      t.all = true;
    } else if (m == "cased") {
      t.cased = true;
    } else if (m == "neq") {
      t.negate = true;
    } else if (m == "windash") {
      map_values(windash);
    } else if (m == "base64") {
      encoded = true;
      map_values([](const std::string& g) {
        return std::vector<std::string>{text::escape_glob(base64(text::glob_literal(g)))};
      });
    } else if (m == "base64offset") {
      encoded = true;
      map_values([](const std::string& g) {
        std::vector<std::string> out;
        for (const std::string& v : base64_offsets(text::glob_literal(g))) out.push_back(text::escape_glob(v));
        return out;
      });
    } else if (m == "utf16le" || m == "wide") {
      encoded = true;
      map_values([](const std::string& g) {
        return std::vector<std::string>{text::escape_glob(text::utf16le(text::glob_literal(g)))};
      });
    } else if (m == "utf16be") {
      encoded = true;
      map_values([](const std::string& g) {
        return std::vector<std::string>{text::escape_glob(text::utf16be(text::glob_literal(g)))};
      });
    } else if (m == "utf16") {
      encoded = true;
      map_values([](const std::string& g) {
        return std::vector<std::string>{text::escape_glob("\xFF\xFE" + text::utf16le(text::glob_literal(g)))};
      });
    } else if (m == "re") {
      re = true;
    } else if (m == "i" && re) {
      re_i = true;
    } else if (m == "m" && re) {
      re_m = true;
    } else if (m == "s" && re) {
      re_s = true;
    } else if (m == "lt" || m == "lte" || m == "gt" || m == "gte") {
      t.op = m == "lt"    ? FieldTest::Op::Lt
             : m == "lte" ? FieldTest::Op::Lte
             : m == "gt"  ? FieldTest::Op::Gt
                          : FieldTest::Op::Gte;
    } else if (m == "exists") {
      t.op = FieldTest::Op::Exists;
    } else if (m == "fieldref") {
      t.op = FieldTest::Op::FieldRef;
    } else if (m == "cidr") {
      t.op = FieldTest::Op::Cidr;
    } else if (m == "expand") {
      expand = true;
    } else if (std::optional<FieldTest::TimePart> part = time_part(m)) {
      t.part = *part;
    } else {
      throw NodeError(value, "modifier '" + m + "' is not supported");
    }
  }
  if (t.part != FieldTest::TimePart::None) {
    if (t.op == FieldTest::Op::Glob && !re) t.op = FieldTest::Op::Eq;
    if (t.op < FieldTest::Op::Eq || t.op > FieldTest::Op::Gte)
      throw NodeError(value, "a time modifier (minute ... year) compares numbers only");
  }
  if (expand && (re || t.op != FieldTest::Op::Glob || encoded))
    throw NodeError(value, "expand takes plain values (with contains, startswith, endswith, all, cased, windash)");
  if (null_value) {
    if (t.op != FieldTest::Op::Glob || re) throw NodeError(value, "null with a modifier");
    t.op = FieldTest::Op::Null;
    return t;
  }
  if (re) {
    t.op = FieldTest::Op::Regex;
    t.cased = !re_i;
    std::string flags = std::string(re_i ? "i" : "") + (re_m ? "m" : "") + (re_s ? "s" : "");
    for (std::string& r : raw) t.values.push_back(flags.empty() ? r : "(?" + flags + ")" + r);
    return t;
  }
  switch (t.op) {
    case FieldTest::Op::Glob:
      // Placeholders (%name%) get their values from the deployment
      // (placeholders.h), before the rule is compiled.
      if (expand)
        for (const std::string& g : globs)
          for (std::string& name : placeholder_names(g))
            if (std::find(t.placeholders.begin(), t.placeholders.end(), name) == t.placeholders.end())
              t.placeholders.push_back(std::move(name));
      t.values = std::move(globs);
      break;
    case FieldTest::Op::Exists: {
      if (raw.size() != 1) throw NodeError(value, "exists takes true or false");
      std::string v = text::lowered(raw[0]);
      if (v != "true" && v != "false" && v != "yes" && v != "no") throw NodeError(value, "exists takes true or false");
      t.expected = v == "true" || v == "yes";
      break;
    }
    default:
      t.values = raw;  // numbers, field names or networks
      break;
  }
  return t;
}

// ---- detection ------------------------------------------------------------------

std::vector<FieldTest> map_tests(const YAML::Node& map) {
  std::vector<FieldTest> tests;
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    if (key.empty() || key.front() == '|') {  // keywords with modifiers ('|all': [...])
      FieldTest t = make_test(key, kv.second);
      t.field.clear();
      if (t.op == FieldTest::Op::Glob)  // a keyword is found anywhere in a value; a regex says where itself
        for (std::string& v : t.values)
          if (v.empty() || v.front() != '*') v = "*" + v + "*";
      tests.push_back(std::move(t));
      continue;
    }
    tests.push_back(make_test(key, kv.second));
  }
  return tests;
}

Selection parse_selection(const std::string& name, const YAML::Node& n) {
  Selection s;
  s.name = name;
  if (n.IsMap()) {
    s.alternatives.push_back(map_tests(n));
  } else if (n.IsSequence()) {
    FieldTest keywords;  // plain values of a list: keywords, OR-ed
    for (const YAML::Node& item : n) {
      if (item.IsMap())
        s.alternatives.push_back(map_tests(item));
      else if (item.IsScalar()) {
        keywords.values.push_back(keyword_glob(item.Scalar()));
        spend(item, 1, keywords.values.back().size());
      } else
        throw NodeError(item, "a search identifier's list holds values or maps");
    }
    if (!keywords.values.empty()) s.alternatives.push_back({std::move(keywords)});
  } else if (n.IsScalar()) {
    FieldTest k;
    k.values.push_back(keyword_glob(n.Scalar()));
    s.alternatives.push_back({std::move(k)});
  } else {
    throw NodeError(n, "search identifier '" + name + "' must be a map or a list");
  }
  return s;
}

void parse_detection(const YAML::Node& det, Rule& r, const char* section, DocumentErrors& errors) {
  if (!det.IsMap()) throw NodeError(det, std::string(section) + " must be a map");
  std::vector<std::string> names;  // every search identifier, those in error too
  bool condition = false, condition_failed = false;
  for (const auto& kv : det) {
    std::string name = kv.first.Scalar();
    if (name == "condition") {
      condition = true;
      size_t before = errors.list.size();
      errors.attempt([&] {
        for (const std::string& c : string_list(kv.second, "condition")) {
          try {
            r.conditions.push_back(parse_condition(c));
          } catch (const std::runtime_error& e) {
            throw NodeError(kv.second, std::string("condition: ") + e.what());
          }
        }
      });
      condition_failed = errors.list.size() > before;
      continue;
    }
    if (name == "timeframe" || name == "rules") continue;  // timeframe: obsolete; rules: a filter's targets
    names.push_back(name);
    errors.attempt([&] { r.selections.push_back(parse_selection(name, kv.second)); });
  }
  if (!condition || (r.conditions.empty() && !condition_failed))
    throw NodeError(det, std::string(section) + " has no condition");
  // Every name a condition refers to must exist.
  std::function<void(const Condition&)> check = [&](const Condition& c) {
    if (c.kind == Condition::Kind::Ref && std::find(names.begin(), names.end(), c.name) == names.end())
      errors.attempt(
          [&] { throw NodeError(det, "condition names '" + c.name + "', which is not a search identifier"); });
    for (const auto& a : c.args) check(*a);
  };
  for (const auto& c : r.conditions) check(*c);
}

int64_t parse_timespan(const YAML::Node& n) {
  std::string s = scalar(n, "timespan");
  if (s.size() < 2) throw NodeError(n, "timespan: number and unit (s, m, h, d)");
  // Sigma's units are the rule language's one-letter ones (rules/time_format.h).
  std::string_view unit(&s.back(), 1);
  if (unit.find_first_of("smhd") != 0) throw NodeError(n, "timespan: unit must be s, m, h or d");
  const int64_t per = rules::timespan_unit(unit);
  try {
    size_t used = 0;
    int64_t v = std::stoll(s.substr(0, s.size() - 1), &used);
    // Past 29,000 years the ticks would overflow: not a number a rule means.
    if (used != s.size() - 1 || v <= 0 || v > INT64_MAX / per) throw std::invalid_argument(s);
    return v * per;
  } catch (const std::logic_error&) {
    throw NodeError(n, "timespan: not a number: " + s);
  }
}

void parse_correlation(const YAML::Node& c, Rule& r) {
  if (!c.IsMap()) throw NodeError(c, "correlation must be a map");
  Correlation& k = r.correlation;
  std::string type = c["type"] ? scalar(c["type"], "type") : "";
  if (type == "event_count")
    k.type = Correlation::Type::EventCount;
  else if (type == "value_count")
    k.type = Correlation::Type::ValueCount;
  else if (type == "temporal")
    k.type = Correlation::Type::Temporal;
  else if (type == "temporal_ordered")
    k.type = Correlation::Type::TemporalOrdered;
  else
    throw NodeError(
        c, "correlation type '" + type + "' is not supported (event_count, value_count, temporal, temporal_ordered)");
  k.rules = string_list(c["rules"], "rules");
  if (k.rules.empty()) throw NodeError(c, "correlation needs rules");
  k.group_by = string_list(c["group-by"], "group-by");
  if (!c["timespan"]) throw NodeError(c, "correlation needs a timespan");
  k.timespan = parse_timespan(c["timespan"]);
  if (c["generate"]) k.generate = text::lowered(scalar(c["generate"], "generate")) == "true";
  if (const YAML::Node cond = c["condition"]) {
    if (!cond.IsMap()) throw NodeError(cond, "correlation condition must be a map (gt, gte, lt, lte, eq, neq, field)");
    for (const auto& kv : cond) {
      std::string op = kv.first.Scalar();
      if (op == "field") {
        k.field = scalar(kv.second, "field");
        continue;
      }
      int64_t v = 0;
      try {
        v = std::stoll(scalar(kv.second, op.c_str()));
      } catch (const std::logic_error&) {
        throw NodeError(kv.second, "condition " + op + ": not a number");
      }
      if (op == "gt")
        k.gt = v;
      else if (op == "gte")
        k.gte = v;
      else if (op == "lt")
        k.lt = v;
      else if (op == "lte")
        k.lte = v;
      else if (op == "eq")
        k.eq = v;
      else if (op == "neq")
        k.neq = v;
      else
        throw NodeError(kv.first, "condition '" + op + "' is not one of gt, gte, lt, lte, eq, neq, field");
    }
  } else if (k.type == Correlation::Type::EventCount || k.type == Correlation::Type::ValueCount) {
    throw NodeError(c, "event_count and value_count need a condition");
  }
  if (k.type == Correlation::Type::ValueCount && k.field.empty())
    throw NodeError(c, "value_count needs condition: field");
  if (const YAML::Node al = c["aliases"]) {
    if (!al.IsMap()) throw NodeError(al, "aliases must be a map");
    for (const auto& a : al) {
      std::vector<std::pair<std::string, std::string>> per_rule;
      if (!a.second.IsMap()) throw NodeError(a.second, "an alias maps rule names to fields");
      for (const auto& f : a.second) per_rule.emplace_back(f.first.Scalar(), scalar(f.second, "alias field"));
      k.aliases.emplace_back(a.first.Scalar(), std::move(per_rule));
    }
  }
}

// Throws NodeError (the document is not a map), or DocumentErrors with every
// error found.
Rule parse_document(const YAML::Node& doc, const std::string& file) {
  t_budget = {};
  if (!doc.IsMap()) throw NodeError(doc, "a Sigma document must be a map");
  DocumentErrors errors;
  Rule r;
  r.file = file;
  r.line = doc.Mark().line + 1;
  auto opt = [&](const char* key) { return doc[key] && doc[key].IsScalar() ? doc[key].Scalar() : std::string(); };
  r.title = opt("title");
  r.id = opt("id");
  r.name = opt("name");
  r.description = opt("description");
  r.author = opt("author");
  r.status = opt("status");
  std::string level = text::lowered(opt("level"));
  errors.attempt([&] {
    if (r.title.empty()) throw NodeError(doc, "a Sigma rule needs a title");
  });
  errors.attempt([&] {
    if (r.id.empty() && r.name.empty()) throw NodeError(doc, "a Sigma rule needs an id");
  });
  if (r.id.empty()) r.id = r.name;
  errors.attempt([&] { r.tags = string_list(doc["tags"], "tags"); });
  errors.attempt([&] { r.references = string_list(doc["references"], "references"); });
  errors.attempt([&] { r.falsepositives = string_list(doc["falsepositives"], "falsepositives"); });
  if (!level.empty()) {
    r.level = rules::parse_level(level);
    errors.attempt([&] {
      if (!r.level) throw NodeError(doc["level"], "unknown level '" + level + "'");
    });
  }
  errors.attempt([&] {
    const YAML::Node ls = doc["logsource"];
    if (!ls) return;
    if (!ls.IsMap()) throw NodeError(ls, "logsource must be a map");
    r.logsource.product = ls["product"] ? text::lowered(scalar(ls["product"], "product")) : "";
    r.logsource.category = ls["category"] ? text::lowered(scalar(ls["category"], "category")) : "";
    r.logsource.service = ls["service"] ? text::lowered(scalar(ls["service"], "service")) : "";
  });
  errors.attempt([&] {
    if (doc["correlation"]) {
      r.kind = Rule::Kind::Correlation;
      parse_correlation(doc["correlation"], r);
    } else if (doc["filter"]) {
      r.kind = Rule::Kind::Filter;
      errors.attempt([&] {
        r.filter_rules = string_list(doc["filter"]["rules"], "filter rules");
        if (r.filter_rules.empty()) throw NodeError(doc["filter"], "a filter needs rules");
      });
      parse_detection(doc["filter"], r, "filter", errors);
    } else if (doc["detection"]) {
      errors.attempt([&] {
        if (!doc["logsource"]) throw NodeError(doc, "a Sigma rule needs a logsource");
      });
      parse_detection(doc["detection"], r, "detection", errors);
    } else {
      throw NodeError(doc, "not a Sigma rule (no detection, correlation or filter)");
    }
  });
  if (!errors.list.empty()) throw errors;
  return r;
}

// ---- condition ------------------------------------------------------------------------

class ConditionParser {
 public:
  explicit ConditionParser(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      char c = s[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '(' || c == ')') {
        tokens_.emplace_back(1, c);
        ++i;
      } else {
        size_t j = i;
        while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '(' && s[j] != ')') ++j;
        tokens_.emplace_back(s.substr(i, j - i));
        i = j;
      }
    }
  }
  std::unique_ptr<Condition> parse() {
    auto c = parse_or();
    if (pos_ != tokens_.size()) throw std::runtime_error("unexpected '" + tokens_[pos_] + "'");
    return c;
  }

 private:
  static constexpr int kMaxDepth = 64;

  bool word(const char* w) {
    if (pos_ < tokens_.size() && text::lowered(tokens_[pos_]) == w) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::unique_ptr<Condition> binary(Condition::Kind k, std::unique_ptr<Condition> a, std::unique_ptr<Condition> b) {
    auto c = std::make_unique<Condition>();
    c->kind = k;
    c->args.push_back(std::move(a));
    c->args.push_back(std::move(b));
    return c;
  }
  std::unique_ptr<Condition> parse_or() {
    auto left = parse_and();
    while (word("or")) left = binary(Condition::Kind::Or, std::move(left), parse_and());
    return left;
  }
  std::unique_ptr<Condition> parse_and() {
    auto left = parse_not();
    while (word("and")) left = binary(Condition::Kind::And, std::move(left), parse_not());
    return left;
  }
  std::unique_ptr<Condition> parse_not() {
    if (word("not")) {
      if (++depth_ > kMaxDepth) throw std::runtime_error("nested too deep");
      auto c = std::make_unique<Condition>();
      c->kind = Condition::Kind::Not;
      c->args.push_back(parse_not());
      --depth_;
      return c;
    }
    return parse_primary();
  }
  std::unique_ptr<Condition> parse_primary() {
    if (pos_ >= tokens_.size()) throw std::runtime_error("unexpected end of condition");
    if (tokens_[pos_] == "(") {
      if (++depth_ > kMaxDepth) throw std::runtime_error("nested too deep");
      ++pos_;
      auto c = parse_or();
      if (pos_ >= tokens_.size() || tokens_[pos_] != ")") throw std::runtime_error("missing ')'");
      ++pos_;
      --depth_;
      return c;
    }
    std::string t = tokens_[pos_];
    if ((t == "1" || text::lowered(t) == "all" || text::lowered(t) == "any") && pos_ + 1 < tokens_.size() &&
        text::lowered(tokens_[pos_ + 1]) == "of") {
      pos_ += 2;
      if (pos_ >= tokens_.size()) throw std::runtime_error("'of' needs a pattern or 'them'");
      auto c = std::make_unique<Condition>();
      c->kind = text::lowered(t) == "all" ? Condition::Kind::AllOf : Condition::Kind::OneOf;
      std::string pattern = tokens_[pos_++];
      c->name = text::lowered(pattern) == "them" ? "*" : pattern;
      return c;
    }
    if (t == ")" || text::lowered(t) == "and" || text::lowered(t) == "or" || text::lowered(t) == "of")
      throw std::runtime_error("unexpected '" + t + "'");
    if (t.find('|') != std::string::npos)
      throw std::runtime_error("aggregations ('|') are not Sigma 2 (use a correlation rule)");
    ++pos_;
    auto c = std::make_unique<Condition>();
    c->kind = Condition::Kind::Ref;
    c->name = t;
    return c;
  }

  std::vector<std::string> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::unique_ptr<Condition> parse_condition(std::string_view text) { return ConditionParser(text).parse(); }

// A top-level key of some YAML document of the text.
bool has_top_key(std::string_view t, std::string_view key) {
  for (size_t at = t.find(key); at != std::string_view::npos; at = t.find(key, at + 1))
    if (at == 0 || t[at - 1] == '\n') return true;
  return false;
}

bool looks_like_sigma(std::string_view t) {
  return has_top_key(t, "detection:") || has_top_key(t, "correlation:") ||
         (has_top_key(t, "filter:") && has_top_key(t, "logsource:"));
}

LoadResult load_sigma_text(std::string_view text, const std::string& file) {
  LoadResult out;
  if (auto at = yaml::stray_comma(text)) {  // yaml-cpp would never return
    out.errors.push_back(
        {file, at->first, 0, "not YAML: ',' outside a flow collection at column " + std::to_string(at->second)});
    return out;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    out.errors.push_back({file, e.mark.line >= 0 ? e.mark.line + 1 : 0, 0, "not YAML: " + e.msg});
    return out;
  }
  for (const YAML::Node& doc : docs) {
    if (!doc || doc.IsNull()) continue;
    // Errors name the rule by its id (or title) when it has one.
    std::string who;
    if (doc.IsMap())
      for (const char* key : {"id", "title"})
        if (doc[key] && doc[key].IsScalar()) {
          who = "rule " + doc[key].Scalar() + ": ";
          break;
        }
    try {
      out.rules.push_back(parse_document(doc, file));
    } catch (const DocumentErrors& all) {
      for (const NodeError& e : all.list) out.errors.push_back({file, e.line, e.column, who + e.what()});
    } catch (const NodeError& e) {
      out.errors.push_back({file, e.line, e.column, who + e.what()});
    } catch (const YAML::Exception& e) {
      out.errors.push_back({file, e.mark.line >= 0 ? e.mark.line + 1 : 0, 0, who + e.msg});
    }
  }
  return out;
}

}  // namespace sigma
