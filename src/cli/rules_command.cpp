// evtxhunt rules check|list|show: the rules a scan would run, without reading
// any evidence.
//   check PATH...   loads and compiles rule files, reports what would run,
//                   what was skipped and why;
//   list            every rule that runs: id, title, level, status, tags,
//                   log source, file (jsonl, csv, table);
//   show ID|TITLE   one rule: what it is, where it comes from, its text.
#include <boost/program_options.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "cli/command_options.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "cli/options.h"
#include "cli/rule_options.h"
#include "cli/tuning_report.h"
#include "evtx/value.h"
#include "output/output_file.h"
#include "output/table.h"
#include "output/terminal_text.h"
#include "pipeline/event_writer.h"
#include "text/glob.h"

namespace po = boost::program_options;

namespace cli {
namespace {

constexpr const char* kUsageText = "usage: evtxhunt rules check|list|show [options] ...\n";

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const std::string& x : v) (s.empty() ? s : s += sep) += x;
  return s;
}

void append_listing(std::string& out, const RuleListing& r, output::Format format, const output::TableStyle& st) {
  std::string where = r.file + ":" + std::to_string(r.line);
  switch (format) {
    case output::Format::Csv: {
      bool first = true;
      for (const std::string& cell :
           {r.id, r.title, r.level, r.status, r.source, joined(r.tags, " "), r.logsource, where}) {
        if (!first) out += ',';
        first = false;
        pipeline::append_csv_cell(out, cell);
      }
      out += '\n';
      break;
    }
    case output::Format::Table: {
      output::append_cell(out, r.id, 38);
      output::append_cell(out, r.level, 14);
      output::append_cell(out, r.status, 13);
      output::append_cell(out, r.title + " | " + r.logsource + " | " + joined(r.tags, " "),
                          st.width > 75 ? st.width - 65 : 10, true);
      out += '\n';
      break;
    }
    default: {
      out += "{\"id\":";
      evtx::append_json_string(out, r.id);
      for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"title", &r.title},
                                       {"level", &r.level},
                                       {"status", &r.status},
                                       {"kind", &r.source},
                                       {"logsource", &r.logsource},
                                       {"file", &r.file}}) {
        out += ",\"";
        out += key;
        out += "\":";
        evtx::append_json_string(out, *value);
      }
      out += ",\"line\":" + std::to_string(r.line) + ",\"tags\":[";
      for (size_t i = 0; i < r.tags.size(); ++i) {
        if (i) out += ',';
        evtx::append_json_string(out, r.tags[i]);
      }
      out += "]}\n";
    }
  }
}

// The rule's own text: its YAML document, from its first line to the next
// document marker (a file may hold several rules).
std::string rule_text(const RuleListing& r) {
  std::ifstream in(r.file, std::ios::binary);
  std::string line, out;
  for (int n = 1; std::getline(in, line); ++n) {
    if (n < r.line) continue;
    if (n > r.line && line.rfind("---", 0) == 0) break;
    out += line + "\n";
    if (out.size() > (1u << 20)) break;  // a rule is far smaller; a 1 MiB "rule" is shown cut
  }
  return out;
}

int run_check(const std::vector<std::string>& rest) {
  po::options_description opts(
      "usage: evtxhunt rules check [options] [PATH...]\n\n"
      "Loads and compiles the rule files under PATH (files or folders, searched\n"
      "recursively), the project's rules and Sigma rules, as scan would; without\n"
      "PATH the rules a scan without --rules runs (the project's, and SigmaHQ's\n"
      "where installed). Each rule that cannot be used is named on stderr with\n"
      "file:line and the reason; the summary counts rules loaded, skipped and not\n"
      "applicable (log sources of other products, by reason), names the rules\n"
      "that do not run because their |expand placeholders have no values\n"
      "(--placeholders), and says whether the Sigma patterns were compiled or\n"
      "taken from the cache. Compiled patterns are kept in the cache: run it\n"
      "after installing or changing rules (scripts/update-sigma.sh does) and the\n"
      "next scan starts as fast as any later one.\n"
      "Exit 7 if any is skipped.\n\noptions");
  po::variables_map vm;
  RuleOptions rules;
  opts.add_options()("help,h", "show this help")("placeholders",
                                                 po::value(&rules.placeholders_file)->value_name("FILE"),
                                                 "values of Sigma |expand placeholders (YAML: name -> list of values)");
  if (auto done = parse_command_line({"rules check", "rule path", true}, rest, opts, vm, rules.paths)) return *done;
  if (auto code = rules.load("rules check")) return *code;
  message(stdout, "%s\n", rules.summary().c_str());
  for (const std::string& note : {rules.patterns_note(), rules.default_rules_note()})
    if (!note.empty()) message(stdout, "%s\n", note.c_str());
  for (const auto& [reason, n] : rules.sigma_report.not_applicable)
    message(stdout, "not applicable: %zu rules: %s\n", n, reason.c_str());
  for (const sigma::LoadError& e : rules.sigma_report.needs_values) message(stdout, "not run: %s\n", e.str().c_str());
  return rules.skipped.empty() ? kOk : kBadRules;
}

int run_list(const std::vector<std::string>& rest) {
  po::options_description opts(
      "usage: evtxhunt rules list [options] [PATH...]\n\n"
      "Lists every rule a scan with these rules would run (PATH: rule files or\n"
      "folders, as --rules; default the project's rules): id, title, level,\n"
      "status, kind (evtxhunt or sigma), tags, log source and file:line.\n"
      "--rule GLOB keeps the rules whose id or title matches.\n\noptions");
  po::variables_map vm;
  RuleOptions rules;
  OutputOptions output;
  opts.add_options()("help,h", "show this help")("rule", po::value(&rules.patterns)->value_name("GLOB"),
                                                 "only rules whose id or title matches (repeatable)")(
      "placeholders", po::value(&rules.placeholders_file)->value_name("FILE"),
      "values of Sigma |expand placeholders (rules waiting for them are not listed)")(
      "rules", po::value(&rules.paths)->value_name("PATH"), "rule file or folder, as a PATH argument (repeatable)");
  output.add_to(opts, output::kSummaryFormats);
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"rules list", "rule path", true}, rest, opts, vm, paths)) return *done;
  rules.paths.insert(rules.paths.end(), paths.begin(), paths.end());
  std::optional<output::Format> format;
  if (std::optional<std::string> bad = output.check(::isatty(1) != 0, format)) {
    message(stderr, "evtxhunt rules list: %s\n", *bad);
    return kUsage;
  }
  if (auto code = rules.load("rules list")) return *code;
  output::TableStyle style{output::terminal_width(), false};
  std::string text;
  if (*format == output::Format::Csv) text = "Id,Title,Level,Status,Kind,Tags,LogSource,File\n";
  if (*format == output::Format::Table) {
    output::append_cell(text, "Id", 38);
    output::append_cell(text, "Level", 14);
    output::append_cell(text, "Status", 13);
    output::append_cell(text, "Title | log source | tags", style.width > 75 ? style.width - 65 : 10, true);
    text += '\n';
  }
  std::vector<RuleListing> all = rules.listing();
  for (const RuleListing& r : all) append_listing(text, r, *format, style);
  try {
    output::OutputFile out(output.output, rules.paths);
    out.write(text);
    out.commit();
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt rules list: %s\n", e.what());
    return kCannotWrite;
  }
  if (!output.quiet) {
    message(stderr, "evtxhunt rules list: %zu rules listed; %s\n", all.size(), rules.summary());
    if (std::string note = rules.default_rules_note(); !note.empty())
      message(stderr, "evtxhunt rules list: %s\n", note);
  }
  return kOk;
}

int run_show(const std::vector<std::string>& rest) {
  po::options_description opts(
      "usage: evtxhunt rules show [options] ID|TITLE...\n\n"
      "Shows each rule whose id or title matches (globs): id, title, level,\n"
      "status, author, description, tags, log source, file:line, then its text\n"
      "as written. A name no rule has is exit 7, naming the closest rules.\n\noptions");
  po::variables_map vm;
  RuleOptions rules;
  opts.add_options()("help,h", "show this help")(
      "rules", po::value(&rules.paths)->value_name("PATH"),
      ("rule file or folder (repeatable; default " + default_rules_path() + ")").c_str());
  std::vector<std::string> names;
  if (auto done = parse_command_line({"rules show", "rule id or title"}, rest, opts, vm, names)) return *done;
  if (auto code = rules.load("rules show")) return *code;
  std::vector<RuleListing> all = rules.listing();
  int code = kOk;
  std::string text;
  for (const std::string& name : names) {
    size_t shown = 0;
    for (const RuleListing& r : all) {
      if (!text::glob_match(name, r.id) && !text::glob_match(name, r.title)) continue;
      ++shown;
      text += "id:          " + r.id + "\ntitle:       " + r.title + "\nlevel:       " + r.level +
              "\nstatus:      " + r.status + "\nkind:        " + r.source + "\nauthor:      " + r.author +
              "\ntags:        " + joined(r.tags, " ") + "\nlog source:  " + r.logsource + "\nfile:        " + r.file +
              ":" + std::to_string(r.line) + "\n";
      if (!r.description.empty()) text += "description: " + r.description + "\n";
      text += "\n" + rule_text(r) + "\n";
    }
    if (shown == 0) {
      message(stderr, "evtxhunt rules show: no rule matches '%s' (%s)\n", name, closest_rules(rules, name));
      code = kBadRules;
    }
  }
  // The rule files' own layout (newlines, indentation) stands; any other
  // control character is shown, not obeyed.
  std::fputs(output::terminal_text(text, true).c_str(), stdout);
  return code;
}

}  // namespace

int run_rules(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    // Our own text: written as it is (message() escapes the control
    // characters of its arguments, a newline too).
    std::FILE* out = args.empty() ? stderr : stdout;
    std::fputs(kUsageText, out);
    std::fputs(
        "\n  check PATH...     load and compile rule files; report what would run and what not\n"
        "  list [PATH...]    every rule that runs: id, title, level, status, tags, log source, file\n"
        "  show ID|TITLE...  a rule: what it is, where it comes from, its text\n"
        "(evtxhunt rules COMMAND --help for each)\n",
        out);
    return args.empty() ? kUsage : kOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "check") return run_check(rest);
  if (args[0] == "list") return run_list(rest);
  if (args[0] == "show") return run_show(rest);
  message(stderr, "evtxhunt rules: unknown command '%s'\n", args[0]);
  std::fputs(kUsageText, stderr);
  return kUsage;
}

}  // namespace cli
