// The one glob (base/text/glob.h): the shared vectors of
// tests/data/glob_vectors.tsv against text::glob_match and against the Python
// copy in scripts/evtxhunt-dask, and the conversions the Sigma loader and
// matcher make of a glob (canonical form, literal, regular expression).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/temp_dir.h"
#include "text/glob.h"

namespace {

struct Vector {
  std::string glob, text;
  bool cased = false, expected = false;
  int line = 0;
};

const std::string kVectors = std::string(EVTXHUNT_SOURCE_DIR) + "/tests/data/glob_vectors.tsv";

std::vector<Vector> vectors() {
  std::ifstream in(kVectors);
  EXPECT_TRUE(in) << kVectors;
  std::vector<Vector> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    if (line.back() == '\t') cols.emplace_back();
    EXPECT_EQ(cols.size(), 4u) << kVectors << ":" << n;
    if (cols.size() != 4) continue;
    out.push_back({cols[0], cols[1], cols[2] == "1", cols[3] == "1", n});
  }
  return out;
}

TEST(Glob, TheSharedVectorsHold) {
  std::vector<Vector> vs = vectors();
  ASSERT_GT(vs.size(), 50u);
  for (const Vector& v : vs)
    EXPECT_EQ(text::glob_match(v.glob, v.text, v.cased), v.expected)
        << "glob_vectors.tsv:" << v.line << ": '" << v.glob << "' on '" << v.text << "'";
}

// scripts/evtxhunt-dask's glob (its --host filter, ASCII case ignored) gives
// every case-ignoring vector's answer.
TEST(Glob, ThePythonCopyInTheDaskDriverAgrees) {
  support::TempDir dir("glob-py");
  std::string script = dir.path().string() + "/check.py";
  std::ofstream(script) << R"(import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("driver", sys.argv[1])
spec = importlib.util.spec_from_loader("driver", loader)
driver = importlib.util.module_from_spec(spec)
loader.exec_module(driver)
checked = 0
for n, line in enumerate(open(sys.argv[2], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    glob, text, cased, expected = line.split("\t")
    if cased == "1":
        continue
    got = driver.glob_match(glob, text)
    if got != (expected == "1"):
        print(f"line {n}: {glob!r} on {text!r}: {got}")
    checked += 1
print(f"checked {checked}")
)";
  support::CommandResult r =
      support::run_command("/usr/bin/python3 " + support::shell_quote(script) + " " +
                           support::shell_quote(std::string(EVTXHUNT_SOURCE_DIR) + "/scripts/evtxhunt-dask") + " " +
                           support::shell_quote(kVectors));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t cased = 0, all = vectors().size();
  for (const Vector& v : vectors()) cased += v.cased;
  EXPECT_EQ(r.out, "checked " + std::to_string(all - cased) + "\n");
}

TEST(Glob, SigmaValuesBecomeCanonicalGlobs) {
  // A backslash before a wildcard escapes it when the run is odd; elsewhere
  // \ and \\ are each one literal backslash (Sigma specification, "Escaping").
  EXPECT_EQ(text::canonical_glob("C:\\Windows\\*"), "C:\\\\Windows\\*");      // \* a literal star
  EXPECT_EQ(text::canonical_glob("C:\\Windows\\\\*"), "C:\\\\Windows\\\\*");  // \\* a backslash, then any text
  EXPECT_EQ(text::canonical_glob("a\\*b"), "a\\*b");
  EXPECT_EQ(text::canonical_glob("a\\\\*b"), "a\\\\*b");  // \\ then a wildcard star
  EXPECT_EQ(text::canonical_glob("a\\\\\\*b"), "a\\\\\\*b");
  EXPECT_EQ(text::canonical_glob("a\\b"), "a\\\\b");
  EXPECT_EQ(text::canonical_glob("a\\\\b"), "a\\\\b");
  EXPECT_EQ(text::canonical_glob("a\\\\\\b"), "a\\\\\\\\b");
  EXPECT_EQ(text::canonical_glob("what?"), "what?");
  EXPECT_EQ(text::canonical_glob("what\\?"), "what\\?");
  EXPECT_EQ(text::canonical_glob(""), "");
}

TEST(Glob, EscapedTextMatchesOnlyItself) {
  for (std::string plain : {"a*b?c\\d", "\\\\server\\share", "*", "?", "", "50% off"}) {
    std::string g = text::escape_glob(plain);
    EXPECT_EQ(text::glob_literal(g), plain);
    EXPECT_TRUE(text::glob_match(g, plain, true)) << plain;
    EXPECT_FALSE(text::glob_match(g, plain + "x", true)) << plain;
    if (!plain.empty()) {
      EXPECT_FALSE(text::glob_match(g, plain.substr(1), true)) << plain;
    }
  }
}

TEST(Glob, GlobsWithWildcardsOnlyAtTheirEndsAreLiterals) {
  using text::Anchor;
  auto lit = [](std::string_view g) { return text::glob_as_literal(g); };
  ASSERT_TRUE(lit("*cmd.exe*"));
  EXPECT_EQ(lit("*cmd.exe*")->text, "cmd.exe");
  EXPECT_EQ(lit("*cmd.exe*")->anchor, Anchor::None);
  EXPECT_EQ(lit("cmd*")->anchor, Anchor::Prefix);
  EXPECT_EQ(lit("*.exe")->anchor, Anchor::Suffix);
  EXPECT_EQ(lit("cmd.exe")->anchor, Anchor::Exact);
  EXPECT_EQ(lit("*")->anchor, Anchor::None);
  EXPECT_EQ(lit("*")->text, "");
  EXPECT_EQ(lit("")->anchor, Anchor::Exact);
  EXPECT_EQ(lit("*a\\*b*")->text, "a*b");  // an escaped star is text
  EXPECT_EQ(lit("C:\\\\*")->text, "C:\\");
  EXPECT_EQ(lit("C:\\\\*")->anchor, Anchor::Prefix);
  EXPECT_FALSE(lit("a*b"));    // an inner star
  EXPECT_FALSE(lit("*a?b*"));  // a one-byte wildcard
}

TEST(Glob, OtherGlobsBecomeAnchoredRegularExpressions) {
  EXPECT_EQ(text::glob_regex("a*b"), "^a.*b\\z");
  EXPECT_EQ(text::glob_regex("*a?b*"), "a.b");
  EXPECT_EQ(text::glob_regex("*a*"), "a");
  EXPECT_EQ(text::glob_regex("*"), "");
  EXPECT_EQ(text::glob_regex("**"), "");
  EXPECT_EQ(text::glob_regex("a.b*c"), "^a\\x2eb.*c\\z");  // every unsafe byte as \xHH
  EXPECT_EQ(text::glob_regex("a\\*"), "^a\\x2a\\z");       // an escaped trailing star is text
  EXPECT_EQ(text::glob_regex("?"), "^.\\z");
  EXPECT_EQ(text::glob_literal_bytes("*cmd?.exe*"), 7u);
}

}  // namespace
