// evtxhunt dump: every record of EVTX files as JSON lines or event XML.
#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command_options.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "cli/options.h"
#include "cli/problem_report.h"
#include "evtx/evtx_file.h"
#include "evtx/output_program.h"
#include "evtx/parallel_chunks.h"
#include "evtx/render.h"
#include "evtx/value.h"
#include "libevtx/libevtx_reader.h"
#include "output/output_file.h"
#include "pipeline/inputs.h"

namespace po = boost::program_options;

namespace cli {
namespace {

enum class Format { Jsonl, Xml };

struct ChunkOutput {
  std::string text;
  evtx::ChunkResult result;
};

output::OutputFile* g_out = nullptr;  // where write_out writes
void write_out(const std::string& s) { g_out->write(s); }

// The files to dump: a named file as it is (a non-EVTX one is an error with
// its own exit code), a folder's EVTX files found by content (anything else
// in it is skipped with a warning).
std::vector<std::string> expand_inputs(const std::vector<std::string>& args, bool follow_links, bool& any_folder) {
  std::vector<std::string> files;
  for (const std::string& a : args) {
    std::error_code ec;
    if (!std::filesystem::is_directory(a, ec)) {
      files.push_back(a);
      continue;
    }
    any_folder = true;
    pipeline::Inputs in = pipeline::discover_inputs({a}, follow_links);
    for (const auto& p : in.evtx) files.push_back(p.string());
    for (const auto& p : in.xml)
      message(stderr, "evtxhunt: skipped %s: an XML event export (dump reads EVTX files)\n", p.c_str());
    for (const auto& sk : in.skipped) message(stderr, "evtxhunt: skipped %s: %s\n", sk.path.c_str(), sk.reason.c_str());
  }
  return files;
}

// --reader libevtx: files one after another (libevtx is not thread-safe on a
// file; --threads does not apply), same output, problem lines, summary and
// exit codes as the native reader. A damaged record libevtx does not place
// in a chunk is reported without chunk and offset.
// With several files, each JSON line names its file: {"Event":{...},"SourceFile":"..."}.
void append_source(std::string& json_line, const std::string& path) {
  json_line.pop_back();  // the closing brace of the object
  json_line += ",\"SourceFile\":";
  evtx::append_json_string(json_line, path);
  json_line += '}';
}

int dump_with_libevtx(const std::vector<std::string>& paths, bool xml, bool name_files) {
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
          if (name_files) append_source(text, path);
          text += '\n';
        }
        write_out(text);
      });
    } catch (const evtx::FileError& e) {
      message(stderr, "evtxhunt: %s\n", e.what());
      if (e.kind() == evtx::FileError::Kind::CannotOpen)
        exit_code = kCannotOpen;
      else if (exit_code == kOk)
        exit_code = kNotEvtx;
      continue;
    }
    ++files;
    for (const evtx::Problem& p : res.problems) {
      if (p.chunk >= 0)
        report_problem(path, p);
      else
        message(stderr, "evtxhunt: %s: %s: %s\n", path.c_str(), evtx::problem_kind_name(p.kind), p.message.c_str());
    }
    records += res.records;
    damaged += res.damaged_records;
  }
  if (xml) write_out("</Events>\n");
  message(stderr, "evtxhunt dump: %zu files, %llu records, %llu damaged records skipped, %llu chunks skipped\n", files,
          static_cast<unsigned long long>(records), static_cast<unsigned long long>(damaged), 0ull);
  return exit_code;
}

}  // namespace

int run_dump(const std::vector<std::string>& args) {
  po::options_description opts(
      "usage: evtxhunt dump [options] PATH...\n\n"
      "Prints every record of the EVTX files (files, or folders searched for EVTX\n"
      "files), in file order, as JSON lines (the shape of the Rust evtx_dump -o\n"
      "jsonl; with several files each line adds \"SourceFile\") or as event XML\n"
      "(each file's events after a <!-- SourceFile: ... --> comment). Damage (CRC mismatch,\n"
      "skipped chunk, damaged record) is reported on stderr, one line each, naming\n"
      "file, chunk and offset; the rest of the file is still read.\n\noptions");
  std::string format = "jsonl", reader = "native", output;
  ReadingOptions reading;
  opts.add_options()("help,h", "show this help")("format,f", po::value(&format)->default_value("jsonl"), "jsonl | xml")(
      "reader,r", po::value(&reader)->default_value("native"), "native | libevtx")(
      "threads,t", po::value(&reading.threads)->default_value(0),
      "worker threads (0: all cores, at most 4 per core; the libevtx reader uses one)")(
      "output,o", po::value(&output), "write to this file (written under a temporary name, renamed when complete)");
  po::variables_map vm;
  std::vector<std::string> args_in;
  if (auto done = parse_command_line({"dump", "input"}, args, opts, vm, args_in)) return *done;
  if (auto bad = reading.check()) {
    message(stderr, "evtxhunt dump: %s\n", bad->c_str());
    return kUsage;
  }
  int threads = reading.threads;
  bool any_folder = false;
  std::vector<std::string> files_arg = expand_inputs(args_in, reading.follow_links, any_folder);
  if (files_arg.empty()) {
    message(stderr, "evtxhunt dump: no readable evidence in the inputs (no EVTX file found)\n");
    return kNoEvidence;
  }
  // Records name their file when more than one file, or a folder, is dumped.
  bool name_files = files_arg.size() > 1 || any_folder;
  std::unique_ptr<output::OutputFile> out;
  try {
    out = std::make_unique<output::OutputFile>(output, files_arg);
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt dump: %s\n", e.what());
    return kCannotWrite;
  }
  g_out = out.get();
  Format fmt;
  if (format == "jsonl")
    fmt = Format::Jsonl;
  else if (format == "xml")
    fmt = Format::Xml;
  else {
    message(stderr, "evtxhunt dump: unknown format '%s' (jsonl or xml)\n", format.c_str());
    return kUsage;
  }
  if (reader != "native" && reader != "libevtx") {
    message(stderr, "evtxhunt dump: unknown reader '%s' (native or libevtx)\n", reader.c_str());
    return kUsage;
  }

  if (reader == "libevtx") {
    int code = dump_with_libevtx(files_arg, fmt == Format::Xml, name_files);
    out->commit();
    return code;
  }

  int exit_code = kOk;
  std::vector<std::unique_ptr<evtx::EvtxFile>> owned;
  std::vector<const evtx::EvtxFile*> files;
  for (const std::string& path : files_arg) {
    try {
      owned.push_back(std::make_unique<evtx::EvtxFile>(path));
      files.push_back(owned.back().get());
      for (const evtx::Problem& p : owned.back()->header_problems()) report_problem(path, p);
    } catch (const evtx::FileError& e) {
      message(stderr, "evtxhunt: %s\n", e.what());
      if (e.kind() == evtx::FileError::Kind::CannotOpen)
        exit_code = kCannotOpen;
      else if (exit_code == kOk)
        exit_code = kNotEvtx;
    }
  }

  if (fmt == Format::Xml) write_out("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n");
  uint64_t records = 0, damaged = 0, bad_slots = 0;
  evtx::ChunkBuffers buffers;
  evtx::for_each_chunk_ordered<ChunkOutput>(
      files, threads,
      [fmt, name_files, &buffers](const evtx::EvtxFile& f, size_t slot, evtx::ChunkReader& rd) {
        ChunkOutput out;
        out.text = buffers.take();
        std::string path = f.path().string();
        if (fmt == Format::Xml && name_files && slot == 0) out.text = "<!-- SourceFile: " + path + " -->\n";
        out.result = rd.read(f, slot, [&](const evtx::RecordView& r) {
          if (r.compiled) {
            evtx::run_program(*r.compiled, out.text);
            if (name_files && fmt == Format::Jsonl) append_source(out.text, path);
            if (fmt == Format::Jsonl) out.text += '\n';
          } else if (fmt == Format::Jsonl) {
            evtx::render_json(r.tree, out.text);
            if (name_files) append_source(out.text, path);
            out.text += '\n';
          } else {
            evtx::render_xml(r.tree, out.text);
          }
        });
        return out;
      },
      [&](const evtx::ChunkTask& t, ChunkOutput&& out) {
        write_out(out.text);
        buffers.give(std::move(out.text));
        for (const evtx::Problem& p : out.result.problems) report_problem(files[t.file]->path().string(), p);
        records += out.result.records;
        damaged += out.result.damaged_records;
        bad_slots += out.result.slot == evtx::ChunkResult::Slot::BadMagic;
      },
      evtx::ReaderOptions{{}, false, fmt == Format::Jsonl ? evtx::RenderFormat::Json : evtx::RenderFormat::Xml});
  if (fmt == Format::Xml) write_out("</Events>\n");
  try {
    out->commit();
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt dump: %s\n", e.what());
    return kCannotWrite;
  }
  message(stderr, "evtxhunt dump: %zu files, %llu records, %llu damaged records skipped, %llu chunks skipped\n",
          files.size(), static_cast<unsigned long long>(records), static_cast<unsigned long long>(damaged),
          static_cast<unsigned long long>(bad_slots));
  return exit_code;
}

}  // namespace cli
