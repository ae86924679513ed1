// Output programs (parsers/evtx/output_program.h) against the tree path:
// every record of the corpus (damaged files included) and of samples/,
// rendered as JSON and as XML both ways, must give the same bytes, and the
// programs must carry the records they can (else the fast path is dead code).
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "evtx/output_program.h"
#include "support/corpus.h"

namespace {

namespace fs = std::filesystem;
using evtx::RenderFormat;

struct Rendered {
  std::vector<uint64_t> offsets;  // of each record
  std::vector<std::string> texts;
  evtx::ChunkResult totals;  // records, damaged records; problems of every chunk
  size_t compiled = 0;       // records rendered by a program
};

// Reads a file with a reader in render mode (programs) or not (trees).
Rendered render_file(const fs::path& path, RenderFormat format, bool programs) {
  Rendered out;
  evtx::EvtxFile file(path);
  evtx::ReaderOptions options;
  if (programs) options.render = format;
  evtx::ChunkReader reader(options);
  for (size_t slot = 0; slot < file.chunk_slots(); ++slot) {
    evtx::ChunkResult r = reader.read(file, slot, [&](const evtx::RecordView& v) {
      std::string text;
      if (v.compiled) {
        evtx::run_program(*v.compiled, text);
        ++out.compiled;
      } else if (format == RenderFormat::Json) {
        evtx::render_json(v.tree, text);
      } else {
        evtx::render_xml(v.tree, text);
      }
      out.offsets.push_back(v.file_offset);
      out.texts.push_back(std::move(text));
    });
    out.totals.records += r.records;
    out.totals.damaged_records += r.damaged_records;
    out.totals.problems.insert(out.totals.problems.end(), r.problems.begin(), r.problems.end());
  }
  return out;
}

struct Coverage {
  size_t records = 0, compiled = 0;
};

// Both paths over one file in one format: same records, problems and bytes.
void expect_same(const fs::path& path, RenderFormat format, Coverage& cov) {
  SCOPED_TRACE(path.string() + (format == RenderFormat::Json ? " (JSON)" : " (XML)"));
  Rendered trees, programs;
  try {
    trees = render_file(path, format, false);
    programs = render_file(path, format, true);
  } catch (const evtx::FileError&) {
    return;  // not an EVTX file (the corpus holds a few on purpose)
  }
  ASSERT_EQ(programs.offsets, trees.offsets);
  EXPECT_EQ(programs.totals.damaged_records, trees.totals.damaged_records);
  ASSERT_EQ(programs.totals.problems.size(), trees.totals.problems.size());
  for (size_t i = 0; i < trees.totals.problems.size(); ++i)
    EXPECT_EQ(programs.totals.problems[i].message, trees.totals.problems[i].message);
  for (size_t i = 0; i < trees.texts.size(); ++i)
    ASSERT_EQ(programs.texts[i], trees.texts[i]) << "record at offset " << trees.offsets[i];
  EXPECT_EQ(trees.compiled, 0u);
  cov.records += trees.texts.size();
  cov.compiled += programs.compiled;
}

std::vector<fs::path> all_inputs() {
  std::vector<fs::path> files = corpus::list_evtx();
  for (const fs::path& p : corpus::list_evtx(fs::path(EVTXHUNT_SOURCE_DIR) / "samples")) files.push_back(p);
  return files;
}

TEST(OutputPrograms, JsonSameBytesAsTreesOverCorpusAndSamples) {
  Coverage cov;
  std::vector<fs::path> files = all_inputs();
  ASSERT_GT(files.size(), 300u);
  for (const fs::path& p : files) expect_same(p, RenderFormat::Json, cov);
  std::cout << "programs rendered " << cov.compiled << " of " << cov.records << " records\n";
  // Programs carry nearly every record; the rest (arrays that repeat an
  // element, BinXML that is not one template instance, damage) use trees.
  EXPECT_GT(cov.records, 27000u);
  EXPECT_GT(cov.compiled, cov.records * 9 / 10) << cov.compiled << " of " << cov.records;
  EXPECT_LT(cov.compiled, cov.records);  // and some records do take the tree path
}

TEST(OutputPrograms, XmlSameBytesAsTreesOverCorpusAndSamples) {
  Coverage cov;
  for (const fs::path& p : all_inputs()) expect_same(p, RenderFormat::Xml, cov);
  EXPECT_GT(cov.compiled, cov.records * 9 / 10) << cov.compiled << " of " << cov.records;
}

// A real Security log whose EventData is a nested template instance (a BinXML
// substitution): every record goes through a program, with its values.
TEST(OutputPrograms, NestedEventDataRecordsAreCompiled) {
  fs::path path = corpus::rs_sample("Security_short_selected.evtx");
  Rendered r = render_file(path, RenderFormat::Json, true);
  ASSERT_EQ(r.texts.size(), 7u);
  EXPECT_EQ(r.compiled, 7u);
}

}  // namespace
