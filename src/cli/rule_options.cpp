// RuleOptions for the commands that run rules (scan, timeline, search, rules): the files found
// under --rules (rules/rule_files.h) are read and sorted in parallel into project rules, Sigma,
// KQL hunts, tuning files and other YAML, a large Sigma set's parses taken from the rule cache.
// --rule then keeps the rules whose id or title it matches (a selected correlation keeps the
// rules it uses), the Sigma RuleSet and matcher are built, and problems are named on stderr.
// Also where the default rules and SigmaHQ's are looked for, and the summary and notes printed.
#include "cli/rule_options.h"
#include "cli/messages.h"
#include "yaml/stray_comma.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <tbb/parallel_for.h>
#include <yaml-cpp/yaml.h>

#include "cli/exit_codes.h"
#include "cli/tuning_report.h"
#include "rules/rule_files.h"
#include "sigma/placeholders.h"
#include "sigma/rule_cache.h"
#include "sigma/sigma_loader.h"
#include "text/ascii_case.h"
#include "text/glob.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace cli {
namespace {

// YAML rule files of at least this many bytes in all have their parses kept
// between runs: below it parsing takes milliseconds (and a test's or a
// responder's few rules leave no cache file behind).
constexpr size_t kCachedRuleBytes = 256 << 10;

}  // namespace

std::string default_rules_path() {
  if (const char* env = std::getenv("EVTXHUNT_RULES"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "evtxhunt" / "rules";
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  return EVTXHUNT_DEFAULT_RULES;
}

SigmaHome sigma_home() {
  SigmaHome home;
  std::error_code ec;
  if (const char* env = std::getenv("EVTXHUNT_SIGMA")) {
    home.from_environment = true;
    home.folder = env;  // empty: no SigmaHQ rules by default
    home.found = !home.folder.empty() && fs::is_directory(home.folder, ec);
  } else {
    std::vector<fs::path> candidates;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
      candidates.push_back(fs::path(xdg) / "evtxhunt" / "sigma");
    else if (const char* user_home = std::getenv("HOME"); user_home && *user_home)
      candidates.push_back(fs::path(user_home) / ".local" / "share" / "evtxhunt" / "sigma");
    if (fs::path exe = fs::read_symlink("/proc/self/exe", ec); !ec)
      candidates.push_back(exe.parent_path().parent_path() / "share" / "evtxhunt" / "sigma");
    for (const fs::path& c : candidates)
      if (fs::is_directory(c, ec)) {
        home.folder = c.string();
        home.found = true;
        break;
      }
    if (!home.found && !candidates.empty()) home.folder = candidates.front().string();
  }
  if (home.found) {
    std::ifstream version(fs::path(home.folder) / "SIGMAHQ_VERSION");
    std::string line;
    while (std::getline(version, line))
      if (line.rfind("commit ", 0) == 0) home.commit = line.substr(7, std::min<size_t>(line.find(' ', 7), 19) - 7);
  }
  return home;
}

void RuleOptions::add_to(po::options_description& opts) {
  opts.add_options()(
      "rules", po::value(&paths),
      ("rule file or folder, the project's rules or Sigma rules (repeatable; default " + default_rules_path() + ")")
          .c_str())("rule", po::value(&patterns),
                    "run only rules with this id (repeatable; glob; the ids: evtxhunt rules list); keep only their "
                    "findings")("strict", po::bool_switch(&strict),
                                "a rule that does not load is an error (exit 7), not a warning")(
      "placeholders", po::value(&placeholders_file)->value_name("FILE"),
      "values of Sigma |expand placeholders: YAML, name -> list of values (known_cdcs: [dc01, 10.0.0.5]); a rule "
      "whose placeholders have no values does not run");
}

std::optional<int> RuleOptions::load(const char* command) {
  if (paths.empty()) {  // the project's rules, and SigmaHQ's where installed
    paths.push_back(default_rules_path());
    default_sigma = sigma_home();
    if (default_sigma->found) paths.push_back(default_sigma->folder);
  }
  sigma::Placeholders placeholders;
  if (!placeholders_file.empty()) {
    try {
      placeholders = sigma::load_placeholders(placeholders_file);
    } catch (const std::runtime_error& e) {
      message(stderr, "evtxhunt %s: --placeholders %s\n", command, e.what());
      return kBadRules;
    }
  }
  rules::RuleFiles discovered = rules::find_rule_files({paths.begin(), paths.end()});
  const std::vector<fs::path>& found = discovered.files;
  files = found.size();
  for (const rules::RuleFileProblem& p : discovered.problems) skipped.push_back(p.str());
  // Files are read and parsed in parallel (YAML parsing is most of loading),
  // then taken in their sorted order.
  struct Parsed {
    enum class Kind { Unreadable, Yaml, Sigma, Project, Kql, NotARule, Tuning } kind = Kind::Unreadable;
    std::string text;
    std::string unread;  // why the file could not be read
    sigma::LoadResult sigma;
    rules::LoadResult project;
    tables::KqlRuleLoad kql;
  };
  std::vector<Parsed> parsed(found.size());
  tbb::parallel_for(size_t{0}, found.size(), [&](size_t i) {
    Parsed& p = parsed[i];
    std::optional<std::string> bytes = rules::read_rule_file(found[i], p.unread);
    if (!bytes) return;
    p.text = std::move(*bytes);
    if (text::iequals(found[i].extension().string(), ".kql")) {  // a hunt with a header
      p.kind = tables::looks_like_kql_rule(p.text) ? Parsed::Kind::Kql : Parsed::Kind::NotARule;
      if (p.kind == Parsed::Kind::Kql) p.kql = tables::load_kql_rule(std::move(p.text), found[i].string());
    } else if (sigma::has_top_key(p.text, "tuning:")) {
      p.kind = Parsed::Kind::Tuning;  // a tuning file beside the rules (rules/tuning/noisy.yml): --tuning reads it
    } else if (sigma::looks_like_sigma(p.text) || !sigma::has_top_key(p.text, "stages:")) {
      p.kind = Parsed::Kind::Yaml;  // Sigma, or YAML that is no rule: parsed below (or taken from the cache)
    } else {
      p.kind = Parsed::Kind::Project;
      p.project = rules::load_rule_text(p.text, found[i].string());
    }
  });
  // The YAML files: Sigma documents, or YAML that is no rule (a test's
  // info.yml, a config: counted, named only with --strict; text that is not
  // even YAML may be a broken rule: an error). A large set's parses are kept
  // between runs (sigma/rule_cache.h).
  std::vector<size_t> yaml;
  std::vector<sigma::FileText> texts;
  size_t yaml_bytes = 0;
  for (size_t i = 0; i < found.size(); ++i)
    if (parsed[i].kind == Parsed::Kind::Yaml) {
      yaml.push_back(i);
      texts.emplace_back(found[i].string(), parsed[i].text);
      yaml_bytes += parsed[i].text.size();
    }
  std::string slot;
  for (const std::string& p : paths) (slot += p) += '\0';
  const bool cached = yaml_bytes >= kCachedRuleBytes;
  sigma::RuleCache cache;
  std::vector<std::optional<sigma::ParsedFile>> yaml_parsed =
      cached ? cache.load(slot, texts) : std::vector<std::optional<sigma::ParsedFile>>(yaml.size());
  std::vector<size_t> to_parse;  // new or changed files
  for (size_t k = 0; k < yaml.size(); ++k)
    if (!yaml_parsed[k]) to_parse.push_back(k);
  tbb::parallel_for(size_t{0}, to_parse.size(), [&](size_t n) {
    size_t k = to_parse[n];
    const std::string& text = parsed[yaml[k]].text;
    const std::string file = found[yaml[k]].string();
    sigma::ParsedFile& out = yaml_parsed[k].emplace();
    out.rule = true;
    if (sigma::looks_like_sigma(text)) {
      out.result = sigma::load_sigma_text(text, file);
    } else if (auto at = yaml::stray_comma(text)) {  // yaml-cpp would never return
      out.result.errors.push_back({file, at->first, 0, "not YAML: ',' outside a flow collection"});
    } else {
      try {
        YAML::LoadAll(text);
        out.rule = false;
      } catch (const YAML::Exception& e) {
        out.result.errors.push_back({file, e.mark.line >= 0 ? e.mark.line + 1 : 0, 0, "not YAML: " + e.msg});
      }
    }
  });
  std::vector<sigma::ParsedFile> results;
  for (auto& p : yaml_parsed) results.push_back(std::move(*p));
  if (cached && !to_parse.empty()) cache.store(slot, texts, results);
  for (size_t k = 0; k < yaml.size(); ++k) {
    Parsed& p = parsed[yaml[k]];
    p.kind = results[k].rule ? Parsed::Kind::Sigma : Parsed::Kind::NotARule;
    p.sigma = std::move(results[k].result);
  }
  texts.clear();
  for (Parsed& p : parsed) std::string().swap(p.text);
  std::vector<sigma::Rule> sigma_rules;
  for (size_t i = 0; i < found.size(); ++i) {
    Parsed& p = parsed[i];
    switch (p.kind) {
      case Parsed::Kind::Unreadable: skipped.push_back(found[i].string() + ": cannot be read: " + p.unread); break;
      case Parsed::Kind::Yaml: break;  // made Sigma or NotARule above
      case Parsed::Kind::NotARule: not_rules.push_back(found[i].string()); break;
      case Parsed::Kind::Tuning: break;
      case Parsed::Kind::Sigma:
        for (sigma::Rule& rule : p.sigma.rules) sigma_rules.push_back(std::move(rule));
        for (const sigma::LoadError& e : p.sigma.errors) skipped.push_back(e.str());
        break;
      case Parsed::Kind::Project:
        for (rules::Rule& rule : p.project.rules) loaded.push_back(std::move(rule));
        for (const rules::RuleError& e : p.project.errors) skipped.push_back(e.str());
        break;
      case Parsed::Kind::Kql:
        if (p.kql.rule) kql.push_back(std::move(*p.kql.rule));
        if (p.kql.error) skipped.push_back(p.kql.error->str());
        break;
    }
  }
  // --rule: selects the rules of both kinds.
  // A pattern names a rule by its id or its title.
  auto names = [](const std::string& p, const std::string& id, const std::string& title) {
    return text::glob_match(p, id) || text::glob_match(p, title);
  };
  auto selected_id = [&](const std::string& id, const std::string& title) {
    if (patterns.empty()) return true;
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return names(p, id, title); });
  };
  std::vector<std::pair<std::string, std::string>> all_names;  // (id, title) of every rule read, for messages
  std::vector<bool> used(patterns.size(), false);
  auto note_use = [&](const std::string& id, const std::string& title) {
    for (size_t i = 0; i < patterns.size(); ++i) used[i] = used[i] || names(patterns[i], id, title);
    all_names.emplace_back(id, title);
  };
  for (const rules::Rule& r : loaded) note_use(r.id, r.title);
  for (const tables::KqlRule& r : kql) note_use(r.id, r.title);
  for (const sigma::Rule& r : sigma_rules) note_use(r.id, r.title);
  if (!patterns.empty()) {
    // A correlation keeps the rules it uses.
    std::set<std::string> keep;
    for (const sigma::Rule& r : sigma_rules)
      if (r.kind == sigma::Rule::Kind::Correlation && selected_id(r.id, r.title))
        keep.insert(r.correlation.rules.begin(), r.correlation.rules.end());
    std::vector<sigma::Rule> kept;
    for (sigma::Rule& r : sigma_rules)
      if (selected_id(r.id, r.title) || keep.count(r.id) || (!r.name.empty() && keep.count(r.name)) ||
          r.kind == sigma::Rule::Kind::Filter)
        kept.push_back(std::move(r));
    sigma_rules = std::move(kept);
  }
  for (const rules::Rule& r : loaded)
    if (selected_id(r.id, r.title)) selected.push_back(&r);
  for (const tables::KqlRule& r : kql)
    if (selected_id(r.id, r.title)) kql_selected.push_back(&r);
  if (!sigma_rules.empty()) {
    sigma = sigma::RuleSet::build(std::move(sigma_rules), sigma_report, placeholders);
    for (const sigma::LoadError& e : sigma_report.skipped) skipped.push_back(e.str());
    if (sigma->size() > 0)
      matcher = std::make_unique<sigma::SigmaMatcher>(*sigma);
    else
      sigma.reset();
  }
  for (const std::string& s : skipped)
    message(stderr, "evtxhunt %s: %s%s\n", command, strict ? "" : "rule skipped: ", s.c_str());
  if (strict)
    for (const std::string& f : not_rules)
      message(stderr, "evtxhunt %s: %s: not a rule (%s)\n", command, f,
              fs::path(f).extension() == ".kql" ? "a hunt without a `// id:` header"
                                                : "no detection, correlation, filter or stages key");
  for (const std::string& w : sigma_report.warnings) message(stderr, "evtxhunt %s: %s\n", command, w.c_str());
  for (const sigma::LoadError& e : sigma_report.needs_values)
    message(stderr, "evtxhunt %s: %s\n", command, e.str().c_str());
  if (strict && !skipped.empty()) return kBadRules;
  bool bad = false;
  for (size_t i = 0; i < patterns.size(); ++i)
    if (!used[i]) {
      message(stderr, "evtxhunt %s: no rule matches '%s' (%s)\n", command, patterns[i],
              closest_names(all_names, patterns[i]));
      bad = true;
    }
  if (bad) return kBadRules;
  if (!runs_kql && !kql_selected.empty()) {
    if (!patterns.empty())  // asked for by --rule: say why it does not run
      message(stderr,
              "evtxhunt %s: %zu KQL rules not run (%s runs the project's and Sigma rules; scan runs KQL rules)\n",
              command, kql_selected.size(), command);
    kql_selected.clear();
  }
  if (selected.empty() && !sigma && kql_selected.empty()) {  // "0 findings" would read as "nothing found"
    std::string where;
    for (const std::string& p : paths) where += (where.empty() ? "" : ", ") + p;
    message(stderr, "evtxhunt %s: no rule to run from %s (%s): nothing to look for (see --rules)\n", command, where,
            summary());
    return kBadRules;
  }
  return std::nullopt;
}

std::string RuleOptions::summary() const {
  size_t na = 0;
  for (const auto& [reason, n] : sigma_report.not_applicable) na += n;
  std::string s = std::to_string(selected.size()) + " evtxhunt rules, " +
                  (kql_selected.empty() ? "" : std::to_string(kql_selected.size()) + " KQL rules, ") +
                  std::to_string(sigma_report.detection) + " Sigma rules, " + std::to_string(sigma_report.correlation) +
                  " Sigma correlations, " + std::to_string(sigma_report.filter) + " Sigma filters loaded from " +
                  std::to_string(files) + " files; " + std::to_string(skipped.size()) + " skipped; " +
                  std::to_string(na) + " not applicable (other products)";
  if (!sigma_report.needs_values.empty())
    s += "; " + std::to_string(sigma_report.needs_values.size()) + " not run for want of placeholder values";
  if (!not_rules.empty()) s += "; " + std::to_string(not_rules.size()) + " YAML files are not rules";
  return s;
}

std::string RuleOptions::patterns_note() const {
  const sigma::CompileStats& p = sigma_report.patterns;
  if (!sigma || p.databases == 0) return "";
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f s", p.seconds);
  size_t compiled = p.databases - p.from_cache - p.from_earlier;
  std::string all = std::to_string(p.databases);
  // Databases a rule edit changed: the field's earlier one read in their place.
  std::string earlier;
  if (p.from_earlier)
    earlier = "; " + std::to_string(p.from_earlier) + (p.from_earlier == 1 ? " of them was" : " of them were") +
              " compiled before the rules changed, with the " + std::to_string(p.added) +
              (p.added == 1 ? " pattern" : " patterns") + " added since compiled alone";
  if (compiled == 0)
    return "Sigma patterns: " + all + " databases from the cache in " + p.cache_folder + " (" + seconds + ")" + earlier;
  std::string s = "Sigma patterns: " + (compiled < p.databases ? std::to_string(compiled) + " of " + all : all) +
                  " databases compiled in " + seconds;
  if (p.cache_folder.empty()) return s + " (no cache in use: every run compiles them)";
  return s + " (a rule set not run before on this machine; kept in " + p.cache_folder + " for the next runs)" + earlier;
}

std::string RuleOptions::default_rules_note() const {
  if (!default_sigma) return "";
  const SigmaHome& h = *default_sigma;
  if (h.found)
    return "SigmaHQ rules from " + h.folder + (h.commit.empty() ? "" : " (commit " + h.commit + ")") +
           " with the project's (no --rules given)";
  if (h.from_environment && h.folder.empty())
    return "only the project's rules ran (EVTXHUNT_SIGMA is empty; give SigmaHQ's with --rules PATH)";
  return "only the project's rules ran: no SigmaHQ rules " +
         std::string(h.from_environment ? "at EVTXHUNT_SIGMA=" + h.folder : "installed in " + h.folder) +
         " (scripts/update-sigma.sh SIGMAHQ_CHECKOUT installs them there; or give them with --rules PATH)";
}

std::vector<RuleListing> RuleOptions::listing() const {
  std::vector<RuleListing> out;
  for (const rules::Rule* r : selected) {
    RuleListing l{r->id, r->title,    rules::level_name(r->level), "stable",  "evtxhunt",    r->attack.tags(),
                  "",    r->pos.file, std::max(r->pos.line, 1),    r->author, r->description};
    for (const rules::Stage& st : r->stages)
      l.logsource += (l.logsource.empty() ? "" : ", ") + std::string(normalize::table_name(st.table));
    out.push_back(std::move(l));
  }
  for (const tables::KqlRule* r : kql_selected) {
    RuleListing l{r->id,     r->title,      rules::level_name(r->level), "stable", "kql", r->tags, "", r->file, 1,
                  r->author, r->description};
    for (const std::string& t : r->tables) l.logsource += (l.logsource.empty() ? "" : ", ") + t;
    out.push_back(std::move(l));
  }
  if (sigma)
    for (uint32_t i = 0; i < sigma->size(); ++i) {
      const sigma::Rule& r = sigma->rule(i);
      if (r.kind == sigma::Rule::Kind::Filter || !sigma->runs(i)) continue;
      RuleListing l{r.id,     r.title,      r.level ? rules::level_name(*r.level) : "",
                    r.status, "sigma",      r.tags,
                    "",       r.file,       r.line,
                    r.author, r.description};
      if (r.kind == sigma::Rule::Kind::Correlation) {
        l.logsource = "correlation";
      } else {
        for (const std::string* part : {&r.logsource.product, &r.logsource.category, &r.logsource.service})
          if (!part->empty()) l.logsource += (l.logsource.empty() ? "" : "/") + *part;
      }
      out.push_back(std::move(l));
    }
  return out;
}

std::map<std::string, std::string, std::less<>> RuleOptions::statuses() const {
  std::map<std::string, std::string, std::less<>> out;
  if (sigma)
    for (uint32_t i = 0; i < sigma->size(); ++i) out[sigma->rule(i).id] = sigma->rule(i).status;
  return out;
}

void RuleOptions::keep_until_exit() {
  static auto* kept = new std::vector<std::shared_ptr<void>>();  // never freed, on purpose
  kept->push_back(std::shared_ptr<void>(std::move(matcher)));
  kept->push_back(std::shared_ptr<void>(std::move(sigma)));
}

}  // namespace cli
