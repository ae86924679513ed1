// evtxhunt: forensic analyzer for Windows event logs. Dispatches subcommands.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace {

const char kUsage[] =
    "usage: evtxhunt <command> [options] ...\n"
    "\n"
    "commands:\n"
    "  scan       hunt: replay each host's events through the rules, print the findings\n"
    "  dump       print the records of EVTX files as JSON lines or XML\n"
    "  normalize  print the normalized process / network / boot events of EVTX and XML inputs\n"
    "  convert    write XML event exports into an EVTX file\n"
    "\n"
    "Run 'evtxhunt <command> --help' for the options of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return cli::kUsage;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (cmd == "dump") return cli::run_dump(args);
    if (cmd == "normalize") return cli::run_normalize(args);
    if (cmd == "scan") return cli::run_scan(args);
    if (cmd == "convert") return cli::run_convert(args);
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(kUsage, stdout);
      return cli::kOk;
    }
    std::fprintf(stderr, "evtxhunt: unknown command '%s'\n%s", cmd.c_str(), kUsage);
    return cli::kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evtxhunt: %s\n", e.what());
    return cli::kInternal;
  }
}
