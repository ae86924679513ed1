// evtxhunt convert: XML event exports to one EVTX file, written by the
// project's own EVTX writer (parsers/evtx/evtx_writer.h).
#include <boost/program_options.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "cli/options.h"
#include "evtx/event_tree.h"
#include "evtx/evtx_writer.h"
#include "xml/event_xml.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace cli {

int run_convert(const std::vector<std::string>& args) {
  po::options_description opts(
      "usage: evtxhunt convert [options] IN.xml... -o OUT.evtx\n\n"
      "Writes the events of XML event exports into one EVTX file, in input order:\n"
      "an <Events> root (Event Viewer 'Save as XML'), or bare <Event> elements one\n"
      "after another (wevtutil qe /f:xml), in UTF-8 or UTF-16. Each record keeps the\n"
      "EventRecordID of its event (events without one are numbered on from the\n"
      "previous record, starting at 1) and is written as Windows writes it: System\n"
      "and data templates defined once per chunk, values typed as Windows types\n"
      "them (System fields of every event; Sysmon and Security-Auditing data fields,\n"
      "e.g. Sysmon 1/3/5, Security 4688/4689/5156/4608; Kernel-General 12/13; the\n"
      "<Binary> of classic events such as System 6005; anything else, and any value\n"
      "that does not parse as its type, as a string). The output is written to a\n"
      "temporary file and renamed when complete; on any error no output is left behind.\n\noptions");
  std::string output;
  bool quiet = false;
  opts.add_options()("help,h", "show this help")("output,o", po::value(&output), "the EVTX file to write")(
      "quiet,q", po::bool_switch(&quiet), "no summary line on stderr");
  po::variables_map vm;
  std::vector<std::string> inputs;
  if (auto done =
          parse_command_line({"convert", "input file", false,
                              "0 written, 2 usage, 3 an input cannot be opened, 5 an input is not an XML event export "
                              "or holds an event that cannot be written, 6 the output cannot be written"},
                             args, opts, vm, inputs))
    return *done;
  if (output.empty()) {
    message(stderr, "evtxhunt convert: no output file: give -o OUT.evtx (see --help)\n");
    return kUsage;
  }
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::exists(in, ec) && fs::exists(output, ec) && fs::equivalent(in, output, ec)) {
      message(stderr, "evtxhunt convert: %s: the output is also an input\n", output.c_str());
      return kUsage;
    }
  }

  // Read every input first: a bad input stops the conversion before anything is written.
  std::vector<xml::EventXmlDocument> docs;
  for (const std::string& in : inputs) {
    // Checked before opening: opening a FIFO would block until a writer comes.
    std::error_code ec;
    fs::file_status st = fs::status(in, ec);
    if (!ec && !fs::is_regular_file(st) && !fs::is_directory(st)) {
      message(stderr, "evtxhunt convert: %s: cannot open: not a regular file (a FIFO or device is never read)\n",
              in.c_str());
      return kCannotOpen;
    }
    std::ifstream probe(in, std::ios::binary);
    if (!probe || fs::is_directory(in, ec)) {
      message(stderr, "evtxhunt convert: %s: cannot open: %s\n", in.c_str(),
              fs::is_directory(in, ec) ? "is a directory" : std::strerror(errno));
      return kCannotOpen;
    }
    probe.close();
    try {
      docs.push_back(xml::EventXmlDocument::load_file(in));
    } catch (const std::exception& e) {
      message(stderr, "evtxhunt convert: %s\n", e.what());
      return kBadInput;
    }
  }

  std::unique_ptr<evtx::EvtxFileWriter> writer;
  try {
    writer = std::make_unique<evtx::EvtxFileWriter>(output);
  } catch (const evtx::WriteError& e) {
    message(stderr, "evtxhunt convert: %s\n", e.what());
    return kCannotWrite;
  }
  evtx::EventTree tree;
  for (size_t d = 0; d < docs.size(); ++d) {
    for (size_t i = 0; i < docs[d].size(); ++i) {
      docs[d].event_tree(i, tree);
      try {
        writer->add(tree);
      } catch (const evtx::WriteError& e) {
        message(stderr, "evtxhunt convert: %s: event %zu: %s\n", inputs[d].c_str(), i + 1, e.what());
        return kBadInput;
      }
    }
  }
  try {
    writer->commit();
  } catch (const evtx::WriteError& e) {
    message(stderr, "evtxhunt convert: %s\n", e.what());
    return kCannotWrite;
  }
  if (!quiet) {
    const evtx::WriterStats& s = writer->stats();
    std::fprintf(stderr,
                 "evtxhunt convert: %s: %llu records (ids %llu..%llu) in %llu chunks, %llu template definitions, "
                 "%llu values written as strings because they did not parse as their type\n",
                 output.c_str(), static_cast<unsigned long long>(s.records),
                 static_cast<unsigned long long>(s.first_record_id), static_cast<unsigned long long>(s.last_record_id),
                 static_cast<unsigned long long>(s.chunks), static_cast<unsigned long long>(s.template_definitions),
                 static_cast<unsigned long long>(s.string_fallbacks));
  }
  return kOk;
}

}  // namespace cli
