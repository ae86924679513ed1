// Rule files: YAML -> Rule, validated strictly (unknown keys, types, levels,
// ATT&CK ids, stage names, every expression compiled) with errors as
// FILE:LINE:COLUMN: message, the position inside a `where` clause mapped back
// to the file.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "io/file_read.h"
#include "rules/rule.h"
#include "rules/rule_files.h"
#include "rules/source_map.h"
#include "text/ascii_case.h"
#include "yaml/stray_comma.h"

namespace rules {
namespace {

constexpr const char* kRuleKeys[] = {
    "id",     "title",           "description", "author",         "license",    "references", "attack",
    "level",  "false_positives", "blind_spots", "considerations", "deviations", "lists",      "assumable",
    "stages", "summarize",       "link"};
constexpr const char* kStageKeys[] = {"name", "table", "where", "description", "optional", "level_without"};
constexpr const char* kLinkKeys[] = {"side",       "peer_address", "peer_port", "local_address",
                                     "local_port", "peer_name",    "time",      "process"};
// A list file is documentation plus values, never large.
constexpr size_t kMaxListFileBytes = 1 << 20;
constexpr const char* kAttackKeys[] = {"techniques", "tactics"};
constexpr const char* kSummarizeKeys[] = {"collect", "by"};
constexpr const char* kTactics[] = {
    "Reconnaissance",       "Resource Development", "Initial Access",    "Execution", "Persistence",
    "Privilege Escalation", "Defense Evasion",      "Credential Access", "Discovery", "Lateral Movement",
    "Collection",           "Command and Control",  "Exfiltration",      "Impact"};
constexpr const char* kReservedWords[] = {"and",   "or",         "not",      "in",      "between", "contains",
                                          "has",   "startswith", "endswith", "matches", "regex",   "true",
                                          "false", "datetime",   "timespan", "time"};

template <size_t N>
std::string key_list(const char* const (&keys)[N]) {
  std::string s;
  for (size_t i = 0; i < N; ++i) s += (i ? ", " : "") + std::string(keys[i]);
  return s;
}

template <size_t N>
bool in_list(const std::string& k, const char* const (&keys)[N]) {
  return std::any_of(std::begin(keys), std::end(keys), [&](const char* x) { return k == x; });
}

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool valid_id(std::string_view s) {
  if (s.empty() || !std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool valid_technique(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t k = from; k < from + n; ++k)
      if (k >= s.size() || !std::isdigit(static_cast<unsigned char>(s[k]))) return false;
    return true;
  };
  if (s.size() == 5) return s[0] == 'T' && digits(1, 4);
  if (s.size() == 9) return s[0] == 'T' && digits(1, 4) && s[5] == '.' && digits(6, 3);
  return false;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

class FileLoader {
 public:
  FileLoader(std::string_view text, std::string file, std::vector<RuleError>& errors)
      : text_(text), file_(std::move(file)), map_(text_), errors_(errors) {}

  std::optional<Rule> load() {
    size_t errors_before = errors_.size();
    if (auto at = yaml::stray_comma(text_)) {  // yaml-cpp would never return
      add(at->first, at->second, "invalid YAML: ',' outside a flow collection");
      return std::nullopt;
    }
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(std::string(text_));
    } catch (const YAML::Exception& e) {
      add(e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg);
      return std::nullopt;
    }
    if (docs.empty()) {
      add(1, 1, "empty rule file");
      return std::nullopt;
    }
    if (docs.size() > 1) add(1, 1, "a rule file holds one YAML document, this one has " + std::to_string(docs.size()));
    const YAML::Node& root = docs[0];
    if (!root.IsMap()) {
      error(root, "a rule file must be a mapping of keys (id, title, level, stages, ...)");
      return std::nullopt;
    }
    Rule rule;
    rule.pos = SourcePos{file_, 1, 1};
    std::set<std::string> seen;
    YAML::Node stages_key, stages_value, summarize_key, summarize_value, link_key, link_value, assumable_key,
        assumable_value;
    bool has_stages = false, has_summarize = false, has_link = false, has_assumable = false;
    for (auto it = root.begin(); it != root.end(); ++it) {
      YAML::Node k = it->first;
      YAML::Node v = it->second;
      std::string key = k.IsScalar() ? k.Scalar() : "";
      if (!check_key(k, key, kRuleKeys, "rule", seen)) continue;
      if (key == "id") {
        if (scalar(k, v, rule.id) && !valid_id(rule.id))
          error(v, "invalid rule id '" + rule.id +
                       "' (letters, digits, '.', '_' and '-', starting with a letter or digit)");
        id_node_ = v;
      } else if (key == "title") {
        scalar(k, v, rule.title);
      } else if (key == "description") {
        scalar(k, v, rule.description);
      } else if (key == "author") {
        scalar(k, v, rule.author);
      } else if (key == "license") {
        scalar(k, v, rule.license);
      } else if (key == "references") {
        text_list(k, v, rule.references);
      } else if (key == "false_positives") {
        text_list(k, v, rule.false_positives);
      } else if (key == "blind_spots") {
        text_list(k, v, rule.blind_spots);
      } else if (key == "considerations") {
        text_list(k, v, rule.considerations);
      } else if (key == "deviations") {
        text_list(k, v, rule.deviations);
      } else if (key == "level") {
        load_level(k, v, rule.level);
      } else if (key == "lists") {
        load_lists(k, v, rule.lists);
      } else if (key == "assumable") {
        assumable_key = k;
        assumable_value = v;
        has_assumable = true;
      } else if (key == "link") {
        link_key = k;
        link_value = v;
        has_link = true;
      } else if (key == "attack") {
        load_attack(k, v, rule.attack);
      } else if (key == "stages") {
        stages_key = k;
        stages_value = v;
        has_stages = true;
      } else if (key == "summarize") {
        summarize_key = k;
        summarize_value = v;
        has_summarize = true;
      }
    }
    for (const char* required : {"id", "title", "level", "stages"})
      if (!seen.count(required)) add(1, 1, std::string("missing required key '") + required + "'");
    if (has_stages) load_stages(stages_key, stages_value, rule);
    if (has_assumable) load_assumable(assumable_key, assumable_value, rule);
    if (has_summarize && !rule.stages.empty()) load_summarize(summarize_key, summarize_value, rule);
    if (has_link && !rule.stages.empty()) load_link(link_key, link_value, rule);
    if (errors_.size() != errors_before) return std::nullopt;
    return rule;
  }

  const YAML::Node& id_node() const { return id_node_; }

 private:
  void add(int line, int column, std::string msg) { errors_.push_back(RuleError{file_, line, column, std::move(msg)}); }

  // At node n; at `fallback` (its key) when n has no position or no value.
  void error(const YAML::Node& n, std::string msg, const YAML::Node* fallback = nullptr) {
    YAML::Mark m = n.Mark();
    if ((m.line < 0 || m.column < 0 || n.IsNull()) && fallback) m = fallback->Mark();
    if (m.line < 0 || m.column < 0) {
      add(0, 0, std::move(msg));
      return;
    }
    add(m.line + 1, m.column + 1, std::move(msg));
  }

  template <size_t N>
  bool check_key(const YAML::Node& k, const std::string& key, const char* const (&allowed)[N], const char* where,
                 std::set<std::string>& seen) {
    if (!k.IsScalar()) {
      error(k, std::string("keys of a ") + where + " must be plain names");
      return false;
    }
    if (!in_list(key, allowed)) {
      error(k, "unknown key '" + key + "' in " + where + " (expected one of: " + key_list(allowed) + ")");
      return false;
    }
    if (!seen.insert(key).second) {
      error(k, "duplicate key '" + key + "'");
      return false;
    }
    return true;
  }

  bool scalar(const YAML::Node& k, const YAML::Node& v, std::string& out) {
    if (v.IsNull()) {
      error(k, "'" + k.Scalar() + "' has no value");
      return false;
    }
    if (!v.IsScalar()) {
      error(v, "'" + k.Scalar() + "' must be text", &k);
      return false;
    }
    out = trim(v.Scalar());
    if (out.empty()) {
      error(v, "'" + k.Scalar() + "' is empty", &k);
      return false;
    }
    return true;
  }

  // A text or a list of texts.
  bool text_list(const YAML::Node& k, const YAML::Node& v, std::vector<std::string>& out) {
    if (v.IsScalar()) {
      out.push_back(trim(v.Scalar()));
      return true;
    }
    if (!v.IsSequence()) {
      error(v, "'" + k.Scalar() + "' must be a text or a list of texts", &k);
      return false;
    }
    bool ok = true;
    for (const YAML::Node& item : v) {
      if (!item.IsScalar()) {
        error(item, "each item of '" + k.Scalar() + "' must be a text", &k);
        ok = false;
        continue;
      }
      out.push_back(trim(item.Scalar()));
    }
    return ok;
  }

  void load_level(const YAML::Node& k, const YAML::Node& v, Level& out) {
    std::string level;
    if (!scalar(k, v, level)) return;
    if (std::optional<Level> l = parse_level(level))
      out = *l;
    else
      error(v, "invalid level '" + level + "' (informational, low, medium, high or critical)");
  }

  // assumable: [Field or stage.Field]: the fields a chain may rest on unknown;
  // each stage's where learns which of its references they are.
  void load_assumable(const YAML::Node& k, const YAML::Node& v, Rule& rule) {
    std::vector<std::string> names;
    if (!text_list(k, v, names)) return;
    for (size_t i = 0; i < names.size(); ++i) {
      const YAML::Node& at = v.IsSequence() ? v[i] : v;
      const std::string& n = names[i];
      size_t dot = n.find('.');
      std::string stage = dot == std::string::npos ? "" : n.substr(0, dot);
      std::string field = dot == std::string::npos ? n : n.substr(dot + 1);
      if (!normalize::field_by_name(field))
        error(at, "assumable: unknown field '" + field + "'", &k);
      else if (!stage.empty() && rule.stage_index(stage) < 0)
        error(at, "assumable: unknown stage '" + stage + "'", &k);
      else
        rule.assumable.push_back(n);
    }
    for (size_t si = 0; si < rule.stages.size(); ++si) {
      Stage& st = rule.stages[si];
      const std::vector<FieldRef>& refs = st.where.fields();
      for (size_t r = 0; r < refs.size() && r < 64; ++r) {
        std::string field = normalize::field_name(refs[r].field);
        std::string stage = refs[r].stage ? rule.stages[*refs[r].stage].name : st.name;
        if (std::find(rule.assumable.begin(), rule.assumable.end(), field) != rule.assumable.end() ||
            std::find(rule.assumable.begin(), rule.assumable.end(), stage + "." + field) != rule.assumable.end())
          st.assumable_refs |= UnknownSet{1} << r;
      }
    }
  }

  // lists: {name: file}; the file relative to the rule file's folder.
  void load_lists(const YAML::Node& k, const YAML::Node& v, std::map<std::string, std::vector<std::string>>& lists) {
    if (!v.IsMap()) {
      error(v, "'lists' must be a mapping of list names to files", &k);
      return;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      YAML::Node lk = it->first, lv = it->second;
      std::string name = lk.IsScalar() ? trim(lk.Scalar()) : "";
      if (!is_identifier(name) || normalize::field_by_name(name) || in_list(name, kReservedWords)) {
        error(lk, "invalid list name '" + name + "' (an identifier that is not a field or a word of the language)");
        continue;
      }
      std::string file;
      if (!scalar(lk, lv, file)) continue;
      std::filesystem::path path = std::filesystem::path(file_).parent_path() / file;
      std::string why;
      std::optional<std::vector<std::string>> values = read_list_file(path, why);
      if (!values) {
        error(lv, "list '" + name + "': " + path.string() + ": " + why);
        continue;
      }
      if (!lists.emplace(name, std::move(*values)).second) error(lk, "duplicate list '" + name + "'");
    }
  }

  // One value per line (its first word); '#' starts a comment line; the
  // rest of a line documents the value.
  static std::optional<std::vector<std::string>> read_list_file(const std::filesystem::path& path, std::string& why) {
    std::optional<std::string> bytes = io::read_file(path, kMaxListFileBytes, &why);
    if (!bytes) return std::nullopt;
    std::vector<std::string> values;
    std::istringstream in(*bytes);
    std::string line;
    while (std::getline(in, line)) {
      std::string t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      size_t end = 0;
      while (end < t.size() && !std::isspace(static_cast<unsigned char>(t[end]))) ++end;
      values.push_back(t.substr(0, end));
    }
    if (values.empty()) {
      why = "the list has no values";
      return std::nullopt;
    }
    return values;
  }

  void load_link(const YAML::Node& k, const YAML::Node& v, Rule& rule) {
    if (!v.IsMap()) {
      error(v, "'link' must be a mapping (side, peer_address, time, process, ...)", &k);
      return;
    }
    Scope scope = chain_scope(rule);
    Link link;
    std::set<std::string> seen;
    for (auto it = v.begin(); it != v.end(); ++it) {
      YAML::Node lk = it->first, lv = it->second;
      std::string key = lk.IsScalar() ? lk.Scalar() : "";
      if (!check_key(lk, key, kLinkKeys, "link", seen)) continue;
      std::string text;
      if (!scalar(lk, lv, text)) continue;
      if (key == "side") {
        if (text == "source")
          link.side = Link::Side::Source;
        else if (text == "target")
          link.side = Link::Side::Target;
        else
          error(lv, "invalid link side '" + text + "' (source or target)");
        continue;
      }
      if (key == "process") {
        int s = rule.stage_index(text);
        if (s < 0)
          error(lv, "unknown stage '" + text + "' in link.process");
        else
          link.process_stage = static_cast<size_t>(s);
        continue;
      }
      Expression* target = key == "peer_address"    ? &link.peer_address
                           : key == "peer_port"     ? &link.peer_port
                           : key == "local_address" ? &link.local_address
                           : key == "local_port"    ? &link.local_port
                           : key == "peer_name"     ? &link.peer_name
                                                    : &link.time;
      try {
        *target = compile(lv.Scalar(), scope);
      } catch (const CompileError& e) {
        expression_error(lv, e, "link." + key);
      }
    }
    for (const char* required : {"side", "peer_address", "time", "process"})
      if (!seen.count(required)) error(k, std::string("link is missing required key '") + required + "'");
    if (link.time.valid() && link.time.type() != Type::DateTime) error(k, "link.time must be a datetime");
    rule.link = std::move(link);
  }

  void load_attack(const YAML::Node& k, const YAML::Node& v, Attack& attack) {
    if (!v.IsMap()) {
      error(v, "'attack' must be a mapping with techniques and tactics", &k);
      return;
    }
    std::set<std::string> seen;
    for (auto it = v.begin(); it != v.end(); ++it) {
      YAML::Node ak = it->first;
      YAML::Node av = it->second;
      std::string key = ak.IsScalar() ? ak.Scalar() : "";
      if (!check_key(ak, key, kAttackKeys, "attack", seen)) continue;
      std::vector<std::string>& list = key == "techniques" ? attack.techniques : attack.tactics;
      size_t before = list.size();
      if (!text_list(ak, av, list)) continue;
      for (size_t i = before; i < list.size(); ++i) {
        const YAML::Node& item = av.IsSequence() ? av[i - before] : av;
        if (key == "techniques" && !valid_technique(list[i]))
          error(item, "invalid ATT&CK technique id '" + list[i] + "' (T1234 or T1234.567)");
        if (key == "tactics" && !in_list(list[i], kTactics))
          error(item, "unknown ATT&CK tactic '" + list[i] + "' (expected one of: " + key_list(kTactics) + ")");
      }
    }
  }

  void expression_error(const YAML::Node& v, const CompileError& e, const std::string& what, size_t base = 0) {
    YAML::Mark m = v.Mark();
    auto [line, col] = map_.locate(m.line, m.column, v.Scalar(), base + e.offset);
    add(line, col, what + ": " + e.message);
  }

  void load_stages(const YAML::Node& k, const YAML::Node& v, Rule& rule) {
    if (!v.IsSequence() || v.size() == 0) {
      error(v, "'stages' must be a non-empty list of stages", &k);
      return;
    }
    // Names first, so a reference to a later stage is reported as such.
    std::vector<std::string> names;
    for (const YAML::Node& s : v) {
      std::string name;
      if (s.IsMap() && s["name"] && s["name"].IsScalar()) name = trim(s["name"].Scalar());
      names.push_back(name);
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const YAML::Node& s = v[i];
      if (!s.IsMap()) {
        error(s, "each stage must be a mapping with name, table and where");
        rule.stages.emplace_back();  // keeps rule.stages[i] the stage names[i] names
        continue;
      }
      Stage stage;
      stage.level_without = rule.level;
      YAML::Node level_without_node;
      bool has_level_without = false;
      stage.pos = SourcePos{file_, s.Mark().line + 1, s.Mark().column + 1};
      std::set<std::string> seen;
      YAML::Node where_key, where_value;
      bool has_where = false;
      for (auto it = s.begin(); it != s.end(); ++it) {
        YAML::Node sk = it->first;
        YAML::Node sv = it->second;
        std::string key = sk.IsScalar() ? sk.Scalar() : "";
        if (!check_key(sk, key, kStageKeys, "stage", seen)) continue;
        if (key == "name") {
          if (!scalar(sk, sv, stage.name)) continue;
          if (!is_identifier(stage.name)) {
            error(sv, "invalid stage name '" + stage.name + "' (letters, digits and '_', not starting with a digit)");
          } else if (normalize::field_by_name(stage.name)) {
            error(sv, "stage name '" + stage.name + "' is a field name; choose another");
          } else if (in_list(stage.name, kReservedWords)) {
            error(sv, "stage name '" + stage.name + "' is a word of the expression language; choose another");
          } else if (std::find(names.begin(), names.begin() + static_cast<long>(i), stage.name) !=
                     names.begin() + static_cast<long>(i)) {
            error(sv, "duplicate stage name '" + stage.name + "'");
          }
        } else if (key == "table") {
          std::string table;
          if (!scalar(sk, sv, table)) continue;
          const normalize::TableInfo* named = nullptr;
          std::string known;  // "process, network, logon or script"
          for (const normalize::TableInfo& t : normalize::kTableInfo) {
            if (!t.rule_keyword) continue;
            if (table == t.rule_keyword) named = &t;
            known += known.empty() ? "" : ", ";
            known += t.rule_keyword;
          }
          if (size_t last = known.rfind(", "); last != std::string::npos) known.replace(last, 2, " or ");
          if (named)
            stage.table = named->table;
          else
            error(sv, "invalid table '" + table + "' (" + known + ")");
        } else if (key == "description") {
          scalar(sk, sv, stage.description);
        } else if (key == "optional") {
          std::string b;
          if (!scalar(sk, sv, b)) continue;
          if (b == "true")
            stage.optional = true;
          else if (b != "false")
            error(sv, "'optional' must be true or false");
        } else if (key == "level_without") {
          load_level(sk, sv, stage.level_without);
          level_without_node = sv;
          has_level_without = true;
        } else if (key == "where") {
          where_key = sk;
          where_value = sv;
          has_where = true;
        }
      }
      for (const char* required : {"name", "table", "where"})
        if (!seen.count(required)) error(s, std::string("stage is missing required key '") + required + "'");
      if (stage.optional && i == 0) error(s, "the first stage cannot be optional");
      if (!stage.optional && i > 0 && !rule.stages.empty() && rule.stages.back().optional)
        error(s, "a stage after an optional stage must be optional too");
      if (has_level_without && !stage.optional) error(level_without_node, "level_without belongs to an optional stage");
      if (has_where) {
        std::string text;
        if (scalar(where_key, where_value, text)) {
          Scope scope{names, i, false, {}, &rule.lists};
          try {
            stage.where = compile_predicate(where_value.Scalar(), scope);
            stage.time_bounds = stage.where.time_bounds();
            stage.join_keys = stage.where.join_keys();
          } catch (const CompileError& e) {
            expression_error(where_value, e, "where");
          }
        }
      }
      rule.stages.push_back(std::move(stage));
    }
  }

  // "Alias = rest": the alias and the offset of rest, or no alias.
  static std::pair<std::string, size_t> split_alias(std::string_view s) {
    size_t p = 0;
    while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p]))) ++p;
    size_t b = p;
    while (p < s.size() && (std::isalnum(static_cast<unsigned char>(s[p])) || s[p] == '_')) ++p;
    std::string name(s.substr(b, p - b));
    while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p]))) ++p;
    if (is_identifier(name) && p < s.size() && s[p] == '=' &&
        (p + 1 >= s.size() || (s[p + 1] != '=' && s[p + 1] != '~')))
      return {name, p + 1};
    return {"", 0};
  }

  // The scope of expressions over a whole chain (summarize, link): every
  // stage visible; an unqualified field reads the last stage whose where
  // tests it unqualified, or the last stage every chain has (rule.h, Summarize).
  static Scope chain_scope(Rule& rule) {
    std::vector<std::string> names;
    for (const Stage& st : rule.stages) names.push_back(st.name);
    Summarize& sum = rule.summarize;
    size_t last_required = 0;
    for (size_t i = 0; i < rule.stages.size(); ++i)
      if (!rule.stages[i].optional) last_required = i;
    sum.field_stage.fill(last_required);
    for (size_t i = 0; i < rule.stages.size(); ++i)
      for (const FieldRef& r : rule.stages[i].where.fields())
        if (!r.stage) sum.field_stage[static_cast<size_t>(r.field)] = i;
    return Scope{names, rule.stages.size() - 1, true,
                 std::vector<size_t>(sum.field_stage.begin(), sum.field_stage.end()), &rule.lists};
  }

  void load_summarize(const YAML::Node& k, const YAML::Node& v, Rule& rule) {
    if (!v.IsMap()) {
      error(v, "'summarize' must be a mapping with collect and by", &k);
      return;
    }
    Summarize& sum = rule.summarize;
    Scope scope = chain_scope(rule);

    std::set<std::string> seen, columns;
    for (auto it = v.begin(); it != v.end(); ++it) {
      YAML::Node sk = it->first;
      YAML::Node sv = it->second;
      std::string key = sk.IsScalar() ? sk.Scalar() : "";
      if (!check_key(sk, key, kSummarizeKeys, "summarize", seen)) continue;
      std::vector<YAML::Node> items;
      if (sv.IsScalar()) {
        items.push_back(sv);
      } else if (sv.IsSequence()) {
        for (const YAML::Node& item : sv) items.push_back(item);
      } else {
        error(sv, "'" + key + "' must be an expression or a list of expressions", &sk);
        continue;
      }
      for (const YAML::Node& item : items) {
        if (!item.IsScalar() || trim(item.Scalar()).empty()) {
          error(item, "each item of '" + key + "' must be an expression", &sk);
          continue;
        }
        const std::string& text = item.Scalar();
        auto [alias, rest] = split_alias(text);
        std::string name = alias.empty() ? trim(text) : alias;
        if (!columns.insert(name).second) {
          error(item, "duplicate summarize column '" + name + "'");
          continue;
        }
        if (key == "by") {
          try {
            sum.by.push_back(SummarizeColumn{name, compile(std::string_view(text).substr(rest), scope)});
          } catch (const CompileError& e) {
            expression_error(item, e, "summarize.by", rest);
          }
        } else {
          load_aggregate(item, text, rest, name, scope, sum);
        }
      }
    }
  }

  void load_aggregate(const YAML::Node& item, const std::string& text, size_t rest, const std::string& name,
                      const Scope& scope, Summarize& sum) {
    std::string_view s(text);
    size_t p = rest;
    while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p]))) ++p;
    size_t b = p;
    while (p < s.size() && (std::isalnum(static_cast<unsigned char>(s[p])) || s[p] == '_')) ++p;
    std::string fn(s.substr(b, p - b));
    size_t e = s.size();
    while (e > p && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    size_t open = p;
    while (open < e && std::isspace(static_cast<unsigned char>(s[open]))) ++open;
    auto fail = [&](size_t at, const std::string& msg) {
      expression_error(item, CompileError{at, msg}, "summarize.collect");
    };
    if (fn.empty() || open >= e || s[open] != '(' || s[e - 1] != ')') {
      fail(b, "expected an aggregation: make_set(expr), make_list(expr) or count()");
      return;
    }
    Aggregate agg;
    agg.name = name;
    if (fn == "make_set")
      agg.kind = Aggregate::Kind::MakeSet;
    else if (fn == "make_list")
      agg.kind = Aggregate::Kind::MakeList;
    else if (fn == "count")
      agg.kind = Aggregate::Kind::Count;
    else {
      fail(b, "unknown aggregation '" + fn + "' (make_set, make_list or count)");
      return;
    }
    size_t inner_begin = open + 1, inner_end = e - 1;
    std::string_view inner = s.substr(inner_begin, inner_end - inner_begin);
    if (agg.kind == Aggregate::Kind::Count) {
      if (!trim(inner).empty()) {
        fail(inner_begin, "count() takes no argument");
        return;
      }
    } else {
      try {
        agg.arg = compile(inner, scope);
      } catch (const CompileError& ce) {
        expression_error(item, ce, "summarize.collect", inner_begin);
        return;
      }
    }
    sum.collect.push_back(std::move(agg));
  }

  std::string text_;
  std::string file_;
  SourceMap map_;
  std::vector<RuleError>& errors_;
  YAML::Node id_node_;
};

void load_file_into(const std::string& text, const std::string& file, LoadResult& out,
                    std::vector<std::pair<std::string, RuleError>>& ids) {
  FileLoader loader(text, file, out.errors);
  std::optional<Rule> rule = loader.load();
  if (!rule) return;
  YAML::Mark m = loader.id_node().Mark();
  RuleError here{file, m.line + 1, m.column + 1, ""};
  for (const auto& [id, where] : ids) {
    if (id == rule->id) {
      here.message = "duplicate rule id '" + id + "' (also in " + where.file + ":" + std::to_string(where.line) + ")";
      out.errors.push_back(here);
      return;
    }
  }
  ids.emplace_back(rule->id, here);
  out.rules.push_back(std::move(*rule));
}

}  // namespace

std::vector<std::string> Attack::tags() const {
  std::vector<std::string> out;
  auto tag = [](std::string_view name) {
    std::string t = "attack.";
    for (char c : name) t += c == ' ' ? '-' : text::ascii_lower(c);
    return t;
  };
  for (const std::string& t : techniques) out.push_back(tag(t));
  for (const std::string& t : tactics) out.push_back(tag(t));
  return out;
}

const char* link_side_name(Link::Side s) { return s == Link::Side::Source ? "source" : "target"; }

int Rule::stage_index(std::string_view name) const {
  for (size_t i = 0; i < stages.size(); ++i)
    if (stages[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string RuleError::str() const {
  if (line <= 0) return file + ": " + message;
  if (column <= 0) return file + ":" + std::to_string(line) + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

LoadResult load_rule_text(std::string_view yaml_text, const std::string& file_name) {
  LoadResult out;
  std::vector<std::pair<std::string, RuleError>> ids;
  load_file_into(std::string(yaml_text), file_name, out, ids);
  return out;
}

LoadResult load_rules(const std::filesystem::path& file_or_dir) {
  LoadResult out;
  RuleFiles found = find_rule_files({file_or_dir});
  for (const RuleFileProblem& p : found.problems) out.errors.push_back(RuleError{p.path, 0, 0, p.reason});
  std::vector<std::pair<std::string, RuleError>> ids;
  size_t yaml_files = 0;
  for (const std::filesystem::path& p : found.files) {
    if (p != file_or_dir && text::iequals(p.extension().string(), ".kql")) continue;  // a KQL hunt
    ++yaml_files;
    std::string why;
    std::optional<std::string> bytes = read_rule_file(p, why);
    if (!bytes) {
      out.errors.push_back(RuleError{p.string(), 0, 0, why});
      continue;
    }
    std::string text(io::without_utf8_bom(*bytes));
    // A tuning file kept beside the rules (rules/tuning/noisy.yml) is read by --tuning, not here.
    if (text.rfind("tuning:", 0) == 0 || text.find("\ntuning:") != std::string::npos) continue;
    load_file_into(text, p.string(), out, ids);
  }
  std::error_code ec;
  if (yaml_files == 0 && found.problems.empty() && std::filesystem::is_directory(file_or_dir, ec))
    out.errors.push_back(RuleError{file_or_dir.string(), 0, 0, "no rule files (*.yml, *.yaml) in this directory"});
  return out;
}

std::vector<const Rule*> select_rules(const std::vector<Rule>& rules, const std::vector<std::string>& ids,
                                      std::vector<RuleError>& errors) {
  std::vector<const Rule*> out;
  if (ids.empty()) {
    for (const Rule& r : rules) out.push_back(&r);
    return out;
  }
  for (const std::string& id : ids) {
    auto it = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.id == id; });
    if (it == rules.end()) {
      std::string known;
      for (const Rule& r : rules) known += (known.empty() ? "" : ", ") + r.id;
      errors.push_back(
          RuleError{id, 0, 0, "no rule with this id" + (known.empty() ? std::string() : " (rules: " + known + ")")});
      continue;
    }
    if (std::find(out.begin(), out.end(), &*it) == out.end()) out.push_back(&*it);
  }
  return out;
}

}  // namespace rules
