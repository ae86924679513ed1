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
#include <set>
#include <sstream>
#include <string>

#include "kql/engine.h"
#include "kql/parser.h"
#include "support/collect.h"
#include "support/temp_dir.h"
#include "tables/defender_schema.h"
#include "tables/evidence_catalog.h"
#include "tables/kql_findings.h"

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
  support::Collected c = support::collect({EVTXHUNT_CORPUS}, 2, 256, true, normalize::kAllTables);
  tables::EvidenceCatalog catalog(*c.evidence, {});
  catalog.prepare(tables::table_names());
  kql::RunOptions o;
  o.now = tables::evidence_now(*c.evidence);
  // The same tables kept in files (no memory for rows): each hunt scans them
  // chunk by chunk, or reads them whole, and gives the same rows.
  support::TempDir spill_dir("kql-spill");
  size_t spill_files = 0;
  tables::CatalogOptions on_disk;
  on_disk.spill = {0, [&] { return spill_dir / ("rows-" + std::to_string(++spill_files)); }};
  tables::EvidenceCatalog spilled(*c.evidence, on_disk);
  spilled.prepare(tables::table_names());
  kql::RunOptions tight = o;  // and no memory for a summarize's groups or a join's right side: partitions
  tight.memory_bytes = 0;
  tight.new_spill_file = on_disk.spill.new_file;
  std::set<std::string> from_disk;

  std::map<std::string, std::string> outcomes;  // hunt -> "rows N" or "error L:C: what"
  size_t ran = 0;
  std::set<std::string> narrowed, filtered;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".kql") continue;
    std::string name = e.path().filename().string();
    try {
      kql::Node query = kql::parse(read(e.path()));
      kql::RunResult r = kql::run(query, catalog, o);
      outcomes[name] = "rows " + std::to_string(r.table.rows.size());
      ++ran;
      EXPECT_EQ(kql::to_text(kql::run(query, spilled, tight).table), kql::to_text(r.table)) << name;
      for (const std::string& t : tables::mentioned_tables(read(e.path())))
        if (spilled.on_disk(t)) from_disk.insert(name);
      // Built without the rows the query's pushed-down filters reject, the
      // tables give the same rows; count the hunts whose tables shrank.
      tables::EvidenceCatalog pushed(*c.evidence, {});
      std::vector<std::string> mentioned = tables::mentioned_tables(read(e.path()));
      pushed.push_filters({{&query, mentioned}}, o);
      pushed.prepare(mentioned);
      EXPECT_EQ(kql::to_text(kql::run(query, pushed, o).table), kql::to_text(r.table)) << name;
      for (const std::string& t : mentioned)
        if (pushed.table(t)->rows.size() < catalog.table(t)->rows.size()) {
          filtered.insert(name);
          break;
        }
      // Built with only the columns the query can see, the tables give the same rows.
      kql::ColumnUse use = kql::columns_used(query);
      if (!use.all) {
        tables::EvidenceCatalog narrow(*c.evidence, {});
        narrow.use_columns(use);
        narrow.prepare(tables::mentioned_tables(read(e.path())));
        kql::RunResult n = kql::run(query, narrow, o);
        EXPECT_EQ(kql::to_text(n.table), kql::to_text(r.table)) << name;
        narrowed.insert(name);
      }
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
  // The hunts whose result is shaped by project or summarize and that show no
  // whole rows (*, pack_all, project-away): 7, the seed among them.
  EXPECT_EQ(narrowed.size(), 7u);
  EXPECT_EQ(narrowed.count("T1021-WIN-002.kql"), 1u);
  // Every table but SecurityAlert (always empty) was in files, and every
  // hunt that ran read one.
  std::vector<std::string> in_files;
  for (const std::string& t : tables::table_names())
    if (spilled.on_disk(t)) in_files.push_back(t);
  EXPECT_EQ(in_files.size(), tables::table_names().size() - 1) << testing::PrintToString(in_files);
  EXPECT_EQ(from_disk.size(), ran);
  // The hunts at least one of whose tables is built with fewer rows.
  EXPECT_EQ(filtered.size(), 76u);
  EXPECT_EQ(filtered.count("T1021-WIN-002.kql"), 1u);
}
