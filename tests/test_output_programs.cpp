// Output programs (parsers/evtx/output_program.h) against the tree path:
// every record of the corpus (damaged files included) and of samples/,
// rendered as JSON and as XML both ways, must give the same bytes, and the
// programs must carry the records they can (else the fast path is dead code).
#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "evtx/output_program.h"
#include "support/corpus.h"
#include "support/files.h"

namespace {

namespace fs = std::filesystem;
using evtx::RenderFormat;

struct Rendered {
  std::vector<uint64_t> offsets;  // of each record
  std::vector<std::string> texts;
  evtx::ChunkResult totals;  // records, damaged records; problems of every chunk
  size_t compiled = 0;       // records rendered by a program
};

// A record's text: through its program when the reader compiled it
// (counted in `compiled`), else from its tree.
std::string render_view(const evtx::RecordView& v, RenderFormat format, size_t& compiled) {
  std::string text;
  if (v.compiled) {
    evtx::run_program(*v.compiled, text);
    ++compiled;
  } else if (format == RenderFormat::Json) {
    evtx::render_json(v.tree, text);
  } else {
    evtx::render_xml(v.tree, text);
  }
  return text;
}

// Reads a file with a reader in render mode (programs) or not (trees).
Rendered render_file(const fs::path& path, RenderFormat format, bool programs) {
  Rendered out;
  evtx::EvtxFile file(path);
  evtx::ReaderOptions options;
  if (programs) options.render = format;
  evtx::ChunkReader reader(options);
  for (size_t slot = 0; slot < file.chunk_slots(); ++slot) {
    evtx::ChunkResult r = reader.read(file, slot, [&](const evtx::RecordView& v) {
      out.offsets.push_back(v.file_offset);
      out.texts.push_back(render_view(v, format, out.compiled));
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

// Each record's text of one chunk image, and its problems, read through
// programs or through trees.
std::vector<std::string> render_image(const std::vector<uint8_t>& chunk, RenderFormat format, bool programs,
                                      size_t& compiled) {
  evtx::ReaderOptions options;
  if (programs) options.render = format;
  evtx::ChunkReader reader(options);
  std::vector<std::string> out;
  evtx::ChunkResult r =
      reader.read_image(chunk.data(), static_cast<uint32_t>(chunk.size()), 0, evtx::kFileHeaderSize,
                        [&](const evtx::RecordView& v) { out.push_back(render_view(v, format, compiled)); });
  for (const evtx::Problem& p : r.problems) out.push_back("problem: " + p.message);
  return out;
}

// Damaged chunks (deterministic mutations of real ones: flipped bytes in the
// records, in the template and string tables, cut short), both ways.
TEST(OutputPrograms, DamagedChunksSameBytesAsTrees) {
  std::mt19937 rng(20261202);
  auto pick = [&](size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi - 1)(rng); };
  std::vector<fs::path> files = corpus::list_evtx();
  size_t variants = 0, compiled = 0;
  for (size_t fi = 0; fi < files.size(); fi += 3) {
    std::vector<uint8_t> data = support::read_bytes(files[fi]);
    if (data.size() < evtx::kFileHeaderSize + evtx::kChunkSize) continue;
    const std::vector<uint8_t> chunk(data.begin() + evtx::kFileHeaderSize,
                                     data.begin() + evtx::kFileHeaderSize + evtx::kChunkSize);
    for (int m = 0; m < 6; ++m) {
      std::vector<uint8_t> d = chunk;
      switch (m) {
        case 0:  // one byte of the records
        case 1:  // sixteen bytes of the records
          for (int k = 0; k < (m ? 16 : 1); ++k) d[pick(512, d.size())] ^= static_cast<uint8_t>(1u << pick(0, 8));
          break;
        case 2:  // the string and template tables
          for (int k = 0; k < 4; ++k) d[pick(128, 512)] = static_cast<uint8_t>(pick(0, 256));
          break;
        case 3:  // a run of zeros in the records
        {
          size_t at = pick(512, d.size() - 64);
          std::fill(d.begin() + static_cast<long>(at), d.begin() + static_cast<long>(at + 64), 0);
          break;
        }
        default:  // cut short
          d.resize(pick(600, d.size()));
      }
      for (RenderFormat f : {RenderFormat::Json, RenderFormat::Xml}) {
        size_t unused = 0;
        ASSERT_EQ(render_image(d, f, true, compiled), render_image(d, f, false, unused))
            << files[fi] << " mutation " << m;
        EXPECT_EQ(unused, 0u);
      }
      ++variants;
    }
  }
  EXPECT_EQ(variants, 600u);    // 100 first chunks, 6 mutations each
  EXPECT_EQ(compiled, 15498u);  // records rendered by programs, JSON and XML together
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
