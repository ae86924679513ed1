// evtxhunt dump: every record of EVTX files as JSON lines or event XML.
#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/problem_report.h"
#include "evtx/evtx_file.h"
#include "evtx/libevtx_reader.h"
#include "evtx/parallel_chunks.h"
#include "evtx/render.h"

namespace po = boost::program_options;

namespace cli {
namespace {

enum class Format { Jsonl, Xml };

struct ChunkOutput {
  std::string text;
  evtx::ChunkResult result;
};

void write_out(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

// --reader libevtx: files one after another (libevtx is not thread-safe on a
// file; --threads does not apply), same output, problem lines, summary and
// exit codes as the native reader. A damaged record libevtx does not place
// in a chunk is reported without chunk and offset.
int dump_with_libevtx(const std::vector<std::string>& paths, bool xml) {
  int exit_code = kOk;
  uint64_t records = 0, damaged = 0;
  size_t files = 0;
  evtx::LibevtxReader rd;
  std::string text;
  if (xml) write_out("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n");
  for (const std::string& path : paths) {
    evtx::LibevtxResult res;
    try {
      res = rd.read(path, [&](const evtx::RecordView& r) {
        text.clear();
        if (xml) {
          evtx::render_xml(r.tree, text);
        } else {
          evtx::render_json(r.tree, text);
          text += '\n';
        }
        write_out(text);
      });
    } catch (const evtx::FileError& e) {
      std::fprintf(stderr, "evtxhunt: %s\n", e.what());
      if (e.kind() == evtx::FileError::Kind::CannotOpen) exit_code = kCannotOpen;
      else if (exit_code == kOk) exit_code = kNotEvtx;
      continue;
    }
    ++files;
    for (const evtx::Problem& p : res.problems) {
      if (p.chunk >= 0) report_problem(path, p);
      else std::fprintf(stderr, "evtxhunt: %s: %s: %s\n", path.c_str(), evtx::problem_kind_name(p.kind), p.message.c_str());
    }
    records += res.records;
    damaged += res.damaged_records;
  }
  if (xml) write_out("</Events>\n");
  std::fflush(stdout);
  std::fprintf(stderr, "evtxhunt dump: %zu files, %llu records, %llu damaged records skipped, %llu chunks skipped\n",
               files, static_cast<unsigned long long>(records), static_cast<unsigned long long>(damaged), 0ull);
  return exit_code;
}

}  // namespace

int run_dump(const std::vector<std::string>& args) {
  po::options_description opts(
      "usage: evtxhunt dump [options] FILE...\n\n"
      "Prints every record of the EVTX files, in file order, as JSON lines (the\n"
      "shape of the Rust evtx_dump -o jsonl) or as event XML. Damage (CRC mismatch,\n"
      "skipped chunk, damaged record) is reported on stderr, one line each, naming\n"
      "file, chunk and offset; the rest of the file is still read.\n\noptions");
  std::string format = "jsonl", reader = "native";
  int threads = 0;
  opts.add_options()("help,h", "show this help")(
      "format,f", po::value(&format)->default_value("jsonl"), "jsonl | xml")(
      "reader,r", po::value(&reader)->default_value("native"), "native | libevtx")(
      "threads,t", po::value(&threads)->default_value(0), "worker threads (0: all cores; the libevtx reader uses one)");
  po::variables_map vm;
  std::vector<std::string> files_arg;
  if (auto done = parse_command_line({"dump", "input file",
                                      "0 read (even with damage), 2 usage, 3 cannot open, 4 not an EVTX file"},
                                     args, opts, vm, files_arg))
    return *done;
  Format fmt;
  if (format == "jsonl") fmt = Format::Jsonl;
  else if (format == "xml") fmt = Format::Xml;
  else {
    std::fprintf(stderr, "evtxhunt dump: unknown format '%s' (jsonl or xml)\n", format.c_str());
    return kUsage;
  }
  if (reader != "native" && reader != "libevtx") {
    std::fprintf(stderr, "evtxhunt dump: unknown reader '%s' (native or libevtx)\n", reader.c_str());
    return kUsage;
  }

  if (reader == "libevtx") return dump_with_libevtx(files_arg, fmt == Format::Xml);

  int exit_code = kOk;
  std::vector<std::unique_ptr<evtx::EvtxFile>> owned;
  std::vector<const evtx::EvtxFile*> files;
  for (const std::string& path : files_arg) {
    try {
      owned.push_back(std::make_unique<evtx::EvtxFile>(path));
      files.push_back(owned.back().get());
      for (const evtx::Problem& p : owned.back()->header_problems()) report_problem(path, p);
    } catch (const evtx::FileError& e) {
      std::fprintf(stderr, "evtxhunt: %s\n", e.what());
      if (e.kind() == evtx::FileError::Kind::CannotOpen) exit_code = kCannotOpen;
      else if (exit_code == kOk) exit_code = kNotEvtx;
    }
  }

  if (fmt == Format::Xml) write_out("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n");
  uint64_t records = 0, damaged = 0, bad_slots = 0;
  evtx::for_each_chunk_ordered<ChunkOutput>(
      files, threads,
      [fmt](const evtx::EvtxFile& f, size_t slot, evtx::ChunkReader& rd) {
        ChunkOutput out;
        out.result = rd.read(f, slot, [&](const evtx::RecordView& r) {
          if (fmt == Format::Jsonl) {
            evtx::render_json(r.tree, out.text);
            out.text += '\n';
          } else {
            evtx::render_xml(r.tree, out.text);
          }
        });
        return out;
      },
      [&](const evtx::ChunkTask& t, ChunkOutput&& out) {
        write_out(out.text);
        for (const evtx::Problem& p : out.result.problems) report_problem(files[t.file]->path().string(), p);
        records += out.result.records;
        damaged += out.result.damaged_records;
        bad_slots += out.result.slot == evtx::ChunkResult::Slot::BadMagic;
      });
  if (fmt == Format::Xml) write_out("</Events>\n");
  std::fflush(stdout);
  std::fprintf(stderr, "evtxhunt dump: %zu files, %llu records, %llu damaged records skipped, %llu chunks skipped\n",
               files.size(), static_cast<unsigned long long>(records), static_cast<unsigned long long>(damaged),
               static_cast<unsigned long long>(bad_slots));
  return exit_code;
}

}  // namespace cli
