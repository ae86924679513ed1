// What a user finds without reading the README: `--help` of every command,
// the bash completion (scripts/evtxhunt-completion.bash: commands, options
// from each --help, formats, rule ids, files) and the man page made from the
// --help texts (scripts/make-manpage.sh), all run against the built binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using support::shell_quote;

const fs::path kSource = EVTXHUNT_SOURCE_DIR;

// The commands `evtxhunt --help` lists.
std::vector<std::string> commands() {
  support::CommandResult r = support::run_evtxhunt("--help");
  std::istringstream in(r.out);
  std::vector<std::string> out;
  bool on = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "commands:") {
      on = true;
    } else if (on && line.empty()) {
      on = false;
    } else if (on && line.rfind("  ", 0) == 0) {
      out.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
  }
  return out;
}

// Text with every run of spaces and line breaks made one space.
std::string one_line(const std::string& s) {
  std::istringstream in(s);
  std::string out;
  for (std::string w; in >> w;) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The exit codes come from one table (cli/exit_codes.h): the top-level help
// and every command's help list the same codes in the same words (convert
// lists its own few), 0 to 8 in order.
TEST(Help, ExitCodesAreOneListEverywhere) {
  support::CommandResult top = support::run_evtxhunt("--help");
  size_t at = top.out.find("Exit codes (every command): ");
  ASSERT_NE(at, std::string::npos) << top.out;
  std::string listed = one_line(top.out.substr(at + 28));
  ASSERT_EQ(listed.back(), '.');
  listed.pop_back();
  size_t from = 0;
  for (int code = 0; code <= 8; ++code) {
    size_t here = listed.find((code ? "; " : "") + std::to_string(code) + " ", from);
    EXPECT_NE(here, std::string::npos) << code << ": " << listed;
    from = here;
  }
  for (const std::string& c : commands()) {
    if (c == "convert") continue;
    support::CommandResult r = support::run_evtxhunt((c == "rules" ? "rules check" : c) + " --help");
    size_t e = r.out.find("\nexit codes: ");
    ASSERT_NE(e, std::string::npos) << c;
    EXPECT_EQ(one_line(r.out.substr(e + 13)), listed) << c;
  }
}

// -f takes what the format registry (timeline/format.h) gives each command:
// the help lists it, anything else is named as unknown.
TEST(Help, FormatChoicesComeFromTheRegistry) {
  auto choices = [](const std::string& command) {
    std::string help = one_line(support::run_evtxhunt(command + " --help").out);
    size_t at = help.find("output format: ");
    size_t end = help.find(" (default", at);
    return at == std::string::npos ? std::string() : help.substr(at + 15, end - at - 15);
  };
  EXPECT_EQ(choices("scan"), "jsonl | csv | timesketch | ecs | table | shard");
  for (const char* events : {"timeline", "search", "merge"})
    EXPECT_EQ(choices(events), "jsonl | csv | timesketch | ecs | table") << events;
  for (const char* summary : {"inventory", "logons", "metrics", "pivot", "rules list"})
    EXPECT_EQ(choices(summary), "jsonl | csv | table") << summary;
  EXPECT_EQ(choices("normalize"), "jsonl | csv");
  EXPECT_EQ(choices("query"), "jsonl | csv | table | timesketch");
  // scan's own kind is not a format of the others.
  support::CommandResult shard = support::run_evtxhunt("timeline -f shard " + shell_quote(kSource / "samples"));
  EXPECT_EQ(shard.exit_code, 2);
  EXPECT_EQ(shard.err, "evtxhunt timeline: unknown format 'shard'\n");
}

TEST(Help, EveryCommandExplainsItselfInPlainText) {
  std::vector<std::string> all = commands();
  ASSERT_EQ(all.size(), 13u);
  for (const std::string& c : all) {
    support::CommandResult r = support::run_evtxhunt(c + " --help");
    EXPECT_EQ(r.exit_code, 0) << c;
    EXPECT_NE(r.out.find("usage: evtxhunt " + c), std::string::npos) << c << ": " << r.out;
    // Our own text, never escaped as hostile input is (the rules command's
    // usage once printed "...\x0a").
    EXPECT_EQ(r.out.find("\\x0a"), std::string::npos) << c << ": " << r.out;
  }
  support::CommandResult rules = support::run_evtxhunt("rules --help");
  EXPECT_NE(rules.out.find("usage: evtxhunt rules check|list|show [options] ...\n\n  check PATH..."), std::string::npos)
      << rules.out;
  support::CommandResult unknown = support::run_evtxhunt("rules bogus");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err,
            "evtxhunt rules: unknown command 'bogus'\nusage: evtxhunt rules check|list|show [options] ...\n");
}

// What the completion offers for a command line whose last word is being
// typed: each word as bash splits it.
std::vector<std::string> complete(const std::vector<std::string>& words) {
  std::string script = "source " + shell_quote(kSource / "scripts/evtxhunt-completion.bash") + "\nCOMP_WORDS=(" +
                       shell_quote(std::string(EVTXHUNT_BINARY));
  for (const std::string& w : words) script += " " + shell_quote(w);
  script += ")\nCOMP_CWORD=" + std::to_string(words.size()) + "\n_evtxhunt\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
  support::CommandResult r = support::run_command("EVTXHUNT_SIGMA= bash -c " + shell_quote(script));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

using Words = std::vector<std::string>;

TEST(Completion, CommandsOptionsFormatsRuleIdsAndFiles) {
  std::vector<std::string> all = commands();
  all.push_back("--help");
  all.push_back("--version");
  EXPECT_EQ(complete({""}), all);
  EXPECT_EQ(complete({"ti"}), Words{"timeline"});
  EXPECT_EQ(complete({"scan", "--for"}), Words{"--format"});
  EXPECT_EQ(complete({"scan", "-f", ""}), (Words{"jsonl", "csv", "timesketch", "ecs", "table", "shard"}));
  EXPECT_EQ(complete({"timeline", "--format", "t"}), (Words{"timesketch", "table"}));
  EXPECT_EQ(complete({"rules", "l"}), Words{"list"});
  EXPECT_EQ(complete({"rules", "list", "--format", ""}), (Words{"jsonl", "csv", "table"}));
  EXPECT_EQ(complete({"scan", "--rule", "dcom-m"}), (Words{"dcom-mmc20-application", "dcom-mshta-lethalhta"}));
  Words scan_options = complete({"scan", "--"});
  for (const char* o : {"--rules", "--rule", "--since", "--host", "--report", "--memory"})
    EXPECT_NE(std::find(scan_options.begin(), scan_options.end(), o), scan_options.end()) << o;
  EXPECT_EQ(complete({"dump", (kSource / "sampl").string()}), Words{(kSource / "samples").string()});
}

TEST(ManPage, EveryCommandHasItsSectionFromItsHelp) {
  support::TempDir tmp("man");
  fs::path page = tmp / "evtxhunt.1.gz";
  support::CommandResult made = support::run_command("bash " + shell_quote(kSource / "scripts/make-manpage.sh") + " " +
                                                     support::evtxhunt_binary() + " " + shell_quote(page));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string roff = support::run_command("zcat " + shell_quote(page)).out;
  EXPECT_EQ(roff.rfind(".TH EVTXHUNT 1 ", 0), 0u) << roff.substr(0, 80);
  for (const std::string& c : commands())
    EXPECT_NE(roff.find(".SH \"evtxhunt " + c + "\"\n.nf\nusage: evtxhunt " + c), std::string::npos) << c;
  for (const char* s : {"check", "list", "show"})
    EXPECT_NE(roff.find(std::string(".SS \"evtxhunt rules ") + s + "\""), std::string::npos) << s;
  // A help line opening with a dot or quote stays text; backslashes are \e.
  std::istringstream in(roff);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || (line[0] != '.' && line[0] != '\'')) continue;
    EXPECT_TRUE(line.rfind(".TH", 0) == 0 || line.rfind(".SH", 0) == 0 || line.rfind(".SS", 0) == 0 || line == ".nf" ||
                line == ".fi" || line == ".TP" || line.rfind(".B ", 0) == 0 || line.rfind(".I ", 0) == 0)
        << line;
  }
  EXPECT_EQ(support::run_command("bash " + shell_quote(kSource / "scripts/make-manpage.sh")).exit_code, 2);
}

}  // namespace

namespace {

std::vector<std::string> setup_packages(const std::string& args) {
  support::CommandResult r =
      support::run_command("bash " + shell_quote(kSource / "scripts/setup.sh") + " --list " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The first command installs and builds what running needs, not what only
// the tests do (it took 15 min 24 s with Chromium, clang and every test).
TEST(FirstCommand, SetsUpAndBuildsOnlyWhatRunningNeeds) {
  std::vector<std::string> base = setup_packages(""), all = setup_packages("--test");
  for (const char* needed : {"cmake", "libhyperscan-dev", "libre2-dev", "libyaml-cpp-dev", "libevtx-dev", "tzdata"})
    EXPECT_NE(std::find(base.begin(), base.end(), needed), base.end()) << needed;
  for (const char* test_only : {"googletest", "libgtest-dev", "clang", "chromium", "python3-distributed", "dpkg-dev"}) {
    EXPECT_EQ(std::find(base.begin(), base.end(), test_only), base.end())
        << test_only << " in the first command's setup";
    EXPECT_NE(std::find(all.begin(), all.end(), test_only), all.end()) << test_only << " missing from --test";
  }
  EXPECT_EQ(support::run_command("bash " + shell_quote(kSource / "scripts/setup.sh") + " --bogus").exit_code, 2);
  std::ifstream demo(kSource / "scripts/demo.sh");
  std::string text((std::istreambuf_iterator<char>(demo)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("bash scripts/setup.sh\n"), std::string::npos);
  EXPECT_NE(text.find("bash scripts/build.sh --target evtxhunt\n"), std::string::npos);
  // --help names where the rule ids are.
  EXPECT_NE(support::run_evtxhunt("scan --help").out.find("ids: evtxhunt rules list)"), std::string::npos);
}

}  // namespace
