#include "search/search_query.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "evtx/value.h"
#include "rules/regex.h"
#include "rules/text_match.h"
#include "text/glob.h"

namespace search {
namespace {

std::string without_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

// Sigma's glob (* any run, ? one character, \ escapes them) as an RE2
// pattern matching the whole value.
std::string glob_regex(const std::string& glob) {
  std::string out;
  for (size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '\\' && i + 1 < glob.size() && (glob[i + 1] == '*' || glob[i + 1] == '?' || glob[i + 1] == '\\')) {
      out += RE2::QuoteMeta(std::string(1, glob[++i]));
    } else if (c == '*') {
      out += "(?s:.*)";
    } else if (c == '?') {
      out += "(?s:.)";
    } else {
      out += RE2::QuoteMeta(std::string(1, c));
    }
  }
  return out;
}

std::unique_ptr<RE2> compile(const std::string& pattern, bool cased, const std::string& term) {
  RE2::Options o;
  o.set_case_sensitive(cased);
  o.set_log_errors(false);
  o.set_max_mem(8 << 20);
  std::unique_ptr<RE2> re = rules::make_regex(pattern, o);
  if (!re->ok()) throw QueryError(term + ": not a regular expression (RE2): " + re->error());
  return re;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

Search::Search(const Query& q) : query_(q) {
  if (q.keywords.empty() && q.regexes.empty() && q.fields.empty())
    throw QueryError("nothing to search for: give -k WORD, -r RE or -F Field=value");
  YAML::Emitter y;
  y << YAML::BeginMap << YAML::Key << "title" << YAML::Value << "evtxhunt search";
  y << YAML::Key << "id" << YAML::Value << "00000000-0000-4000-8000-000000000000";
  y << YAML::Key << "status" << YAML::Value << "stable";
  y << YAML::Key << "logsource" << YAML::Value << YAML::BeginMap << YAML::Key << "product" << YAML::Value << "windows"
    << YAML::EndMap;
  y << YAML::Key << "detection" << YAML::Value << YAML::BeginMap;
  size_t n = 0;
  auto term = [&]() {
    std::string t = "t";  // not "t" + ...: a false -Wrestrict of g++ 12
    return t += std::to_string(n++);
  };
  std::string join = q.any ? " or " : " and ";
  auto describe = [&](const std::string& what) {
    (description_.empty() ? description_ : description_ += join) += what;
  };
  for (const std::string& k : q.keywords) {
    if (k.empty()) throw QueryError("-k: an empty keyword matches everything; give a word");
    y << YAML::Key << term() << YAML::Value << YAML::BeginMap << YAML::Key << (q.cased ? "|cased" : "|contains")
      << YAML::Value << YAML::DoubleQuoted << text::escape_glob(k) << YAML::EndMap;
    folded_keywords_.push_back(q.cased ? k : rules::fold_case(k));
    describe("keyword " + quoted(k));
  }
  for (const std::string& r : q.regexes) {
    regexes_.push_back(compile(r, q.cased, "-r " + quoted(r)));
    y << YAML::Key << term() << YAML::Value << YAML::BeginMap << YAML::Key << (q.cased ? "|re" : "|re|i") << YAML::Value
      << YAML::DoubleQuoted << r << YAML::EndMap;
    describe("regex " + quoted(r));
  }
  for (const std::string& f : q.fields) {
    size_t op = f.find_first_of("=~");
    if (op == 0 || op == std::string::npos) throw QueryError("-F " + quoted(f) + ": not Field=value or Field~RE");
    std::string name = without_spaces(f.substr(0, op)), value = f.substr(op + 1);
    if (name.find_first_of("|:") != std::string::npos)
      throw QueryError("-F " + quoted(f) + ": a field name holds no '|' or ':'");
    FieldTerm t;
    t.name = name;
    std::string key = name;
    if (f[op] == '~') {
      t.regex = compile(value, q.cased, "-F " + quoted(f));
      key += q.cased ? "|re" : "|re|i";
    } else {
      t.regex = compile(glob_regex(value), q.cased, "-F " + quoted(f));
      t.glob = value;
      if (q.cased) key += "|cased";
    }
    y << YAML::Key << term() << YAML::Value << YAML::BeginMap << YAML::Key << key << YAML::Value << YAML::DoubleQuoted
      << value << YAML::EndMap;
    fields_.push_back(std::move(t));
    describe(name + (f[op] == '~' ? " ~ " : " = ") + quoted(value));
  }
  y << YAML::Key << "condition" << YAML::Value << (q.any ? "1 of t*" : "all of t*") << YAML::EndMap;
  y << YAML::Key << "level" << YAML::Value << "informational" << YAML::EndMap;
  sigma_ = std::string(y.c_str()) + "\n";
}

Search::~Search() = default;

std::vector<std::string> Search::matched_fields(const store::EventView& view) const {
  std::vector<std::string> out;
  std::string text;
  auto add = [&](std::string_view name) {
    std::string n = name.empty() ? "Data" : std::string(name);
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
  };
  std::vector<std::string> data_names;  // spaces left out, for the System-field check below
  view.for_each_data([&](std::string_view name, const evtx::RawValue& v) {
    if (!fields_.empty()) data_names.push_back(without_spaces(std::string(name.empty() ? "Data" : name)));
    text.clear();
    evtx::append_value_text(text, v);
    bool hit = false;
    for (const std::string& k : folded_keywords_)
      if (query_.cased ? text.find(k) != std::string::npos : rules::icontains(text, k)) hit = true;
    for (const auto& re : regexes_)
      if (!hit && RE2::PartialMatch(text, *re)) hit = true;
    if (!hit && !fields_.empty()) {
      const std::string& bare = data_names.back();
      for (const FieldTerm& t : fields_)
        if (!hit && t.name == bare)
          hit = t.glob.empty() ? RE2::PartialMatch(text, *t.regex) : RE2::FullMatch(text, *t.regex);
    }
    if (hit) add(name);
  });
  // A System field a -F term named (Computer, Channel, ...): the rule matched
  // on it, so it is named too when every term had to hold.
  if (!query_.any)
    for (const FieldTerm& t : fields_)
      if (std::find(out.begin(), out.end(), t.name) == out.end() &&
          std::find(data_names.begin(), data_names.end(), t.name) == data_names.end())
        out.push_back(t.name);
  return out;
}

}  // namespace search
