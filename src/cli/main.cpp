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
    "  dump     print the records of EVTX files as JSON lines or XML\n"
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
