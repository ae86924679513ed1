// Golden outputs of the readable XML scenarios: beside each scenario
// tests/scenarios/<folder>/<name>.xml lies <name>.expected.jsonl, the exact
// stdout of `evtxhunt scan` on it, compared here byte for byte.
//
//   dcom/           scan -q --format jsonl --rule ff-t1021.003-dcom --rules rules <name>.xml
//                   (as test_dcom_scenarios.cpp scans them: the seed rule only)
//   dcom_variants/  convert -q -o <tmp>/<name>.evtx <name>.xml, then
//                   scan -q --format jsonl --rules rules <tmp>/<name>.evtx
//                   (as test_dcom_variants.cpp scans them: every rule)
//
// The output names the scanned file (SourceFile of each evidence). So that the
// goldens do not depend on where the checkout or the temp directory is, the
// directory of the scanned file followed by '/' is removed from the output
// before the comparison: a golden names the scanned file by its bare name
// ("basic_chain.xml", "mmc20_loopback.evtx").
//
// The targeted assertions of test_dcom_scenarios.cpp and test_dcom_variants.cpp
// say why each finding is expected; the goldens pin every byte besides.
//
// Regenerate after an intended change of the output (then review the diff):
//   EVTXHUNT_UPDATE_GOLDEN=1 build/tests/test_scenario_goldens
//   git diff tests/scenarios
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/files.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;

const fs::path kSource = EVTXHUNT_SOURCE_DIR;
const fs::path kScenarioRoot = kSource / "tests" / "scenarios";
const std::string kGoldenSuffix = ".expected.jsonl";

struct Scenario {
  std::string folder;  // dcom or dcom_variants
  std::string name;    // file name of the XML scenario
};

std::ostream& operator<<(std::ostream& os, const Scenario& s) { return os << s.folder << "/" << s.name; }

fs::path xml_of(const Scenario& s) { return kScenarioRoot / s.folder / s.name; }
fs::path golden_of(const Scenario& s) {
  return kScenarioRoot / s.folder / (fs::path(s.name).stem().string() + kGoldenSuffix);
}

const std::vector<std::string> kFolders = {"dcom", "dcom_variants"};

std::vector<Scenario> scenarios() {
  std::vector<Scenario> out;
  for (const std::string& folder : kFolders) {
    std::error_code ec;
    for (fs::directory_iterator it(kScenarioRoot / folder, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".xml") out.push_back({folder, it->path().filename().string()});
  }
  std::sort(out.begin(), out.end(), [](const Scenario& a, const Scenario& b) {
    return std::tie(a.folder, a.name) < std::tie(b.folder, b.name);
  });
  return out;
}

std::string q(const fs::path& p) { return support::shell_quote(p.string()); }

// Removes every "<dir>/" of the scanned file from the output.
std::string without_dir(std::string out, const fs::path& scanned) {
  std::string dir = scanned.parent_path().string() + "/";
  for (size_t at = 0; (at = out.find(dir, at)) != std::string::npos;) out.erase(at, dir.size());
  return out;
}

// The scan output of a scenario, as its golden file holds it.
std::string scan_output(const Scenario& s, support::TempDir& tmp) {
  fs::path scanned = xml_of(s);
  std::string rules = " --rules " + q(kSource / "rules");
  std::string args;
  if (s.folder == "dcom") {
    args = "scan -q --format jsonl --rule ff-t1021.003-dcom" + rules;
  } else {
    scanned = tmp / (fs::path(s.name).stem().string() + ".evtx");
    support::CommandResult conv = support::run_evtxhunt("convert -q -o " + q(scanned) + " " + q(xml_of(s)));
    EXPECT_EQ(conv.exit_code, 0) << conv.err;
    args = "scan -q --format jsonl" + rules;
  }
  support::CommandResult r = support::run_evtxhunt(args + " " + q(scanned));
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err.substr(0, 2000);
  return without_dir(r.out, scanned);
}

// The first difference as a small unified diff (3 lines of context).
std::string first_difference(const std::string& want, const std::string& got) {
  std::vector<std::string> a = support::split_lines(want), b = support::split_lines(got);
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::ostringstream os;
  size_t from = i >= 3 ? i - 3 : 0;
  os << "--- expected\n+++ actual\n@@ first difference at line " << i + 1 << " @@\n";
  for (size_t k = from; k < i; ++k) os << " " << a[k] << "\n";
  for (size_t k = i; k < std::min(a.size(), i + 3); ++k) os << "-" << a[k] << "\n";
  for (size_t k = i; k < std::min(b.size(), i + 3); ++k) os << "+" << b[k] << "\n";
  if (a.size() == b.size() && i == a.size()) {
    os << "(the lines are equal: the difference is the final newline)\n";
  } else if (i < a.size() && i < b.size()) {
    // JSON lines are long: show where in the line they part.
    const std::string& x = a[i];
    const std::string& y = b[i];
    size_t col = 0;
    while (col < x.size() && col < y.size() && x[col] == y[col]) ++col;
    size_t from_col = col >= 60 ? col - 60 : 0;
    os << "line " << i + 1 << " parts at column " << col + 1 << ":\n"
       << "  expected ..." << x.substr(from_col, 120) << "\n"
       << "  actual   ..." << y.substr(from_col, 120) << "\n";
  }
  os << "expected " << a.size() << " lines, got " << b.size() << "\n";
  return os.str();
}

class ScenarioGolden : public ::testing::TestWithParam<Scenario> {};

TEST_P(ScenarioGolden, ScanOutputIsTheGoldenByteForByte) {
  const Scenario& s = GetParam();
  support::TempDir tmp("golden");
  std::string got = scan_output(s, tmp);
  EXPECT_EQ(got.find(kSource.string()), std::string::npos) << "the output still names the checkout";
  EXPECT_EQ(got.find(tmp.path().string()), std::string::npos) << "the output still names the temp directory";
  fs::path golden = golden_of(s);
  if (std::getenv("EVTXHUNT_UPDATE_GOLDEN")) {
    support::write_text(golden, got);
    std::cerr << "rewrote " << golden << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing (EVTXHUNT_UPDATE_GOLDEN=1 writes it)";
  std::string want = support::read_text(golden);
  EXPECT_TRUE(want == got) << s << " differs from " << golden.filename().string() << ":\n"
                           << first_difference(want, got);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioGolden, ::testing::ValuesIn(scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           std::string name = info.param.folder + "_" + fs::path(info.param.name).stem().string();
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// Every golden file belongs to a scenario (no stale goldens), and the folders
// hold the scenarios the suites expect.
TEST(ScenarioGoldens, EveryGoldenHasItsScenario) {
  std::set<fs::path> wanted;
  for (const Scenario& s : scenarios()) wanted.insert(golden_of(s));
  EXPECT_EQ(wanted.size(), 29u + 33u);
  for (const std::string& folder : kFolders)
    for (const auto& e : fs::directory_iterator(kScenarioRoot / folder)) {
      std::string name = e.path().filename().string();
      if (name.size() > kGoldenSuffix.size() && name.ends_with(kGoldenSuffix)) {
        EXPECT_TRUE(wanted.count(e.path())) << e.path() << " has no scenario " << folder << "/"
                                            << name.substr(0, name.size() - kGoldenSuffix.size()) << ".xml";
      }
    }
}

}  // namespace
