// The 88 FalconFriday hunts as published (../shared/kql/falconfriday), each
// run over the tables built from the whole shared corpus (read once). Each
// hunt's outcome (its rows, or the exact construct it stops at) is listed in
// tests/data/falconfriday_outcomes.txt: a change in any outcome fails here,
// so the number of hunts that run can only go up knowingly.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "kql/engine.h"
#include "kql/parser.h"
#include "support/collect.h"
#include "tables/defender_schema.h"
#include "tables/evidence_catalog.h"

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(KqlHunts, FalconFridayHuntsOverTheCorpus) {
  fs::path dir = fs::path(EVTXHUNT_CORPUS).parent_path() / "kql" / "falconfriday";
  support::Collected c = support::collect({EVTXHUNT_CORPUS}, 2, 256, true);
  tables::EvidenceCatalog catalog(*c.evidence, {});
  catalog.prepare(tables::table_names());
  kql::RunOptions o;
  for (const pipeline::FileInfo& f : c.evidence->files) o.now = std::max(o.now, f.last_time);

  std::map<std::string, std::string> outcomes;  // hunt -> "rows N" or "error L:C: what"
  size_t ran = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".kql") continue;
    std::string name = e.path().filename().string();
    try {
      kql::RunResult r = kql::run(kql::parse(read(e.path())), catalog, o);
      outcomes[name] = "rows " + std::to_string(r.table.rows.size());
      ++ran;
    } catch (const kql::QueryError& err) {
      outcomes[name] =
          "error " + std::to_string(err.pos.line) + ":" + std::to_string(err.pos.column) + ": " + err.message;
    }
  }
  std::string got;
  for (const auto& [name, outcome] : outcomes) got += name + "\t" + outcome + "\n";
  fs::path expected_file = fs::path(EVTXHUNT_SOURCE_DIR) / "tests" / "data" / "falconfriday_outcomes.txt";
  if (std::getenv("EVTXHUNT_UPDATE_OUTCOMES")) std::ofstream(expected_file) << got;
  EXPECT_EQ(got, read(expected_file)) << "EVTXHUNT_UPDATE_OUTCOMES=1 rewrites the list after a deliberate change";
  EXPECT_EQ(outcomes.size(), 88u);
  EXPECT_GE(ran * 10, outcomes.size() * 9) << ran << " of " << outcomes.size() << " hunts run";
}
