// evtxhunt: forensic analyzer for Windows event logs. Dispatches subcommands.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "store/temp_dir.h"

namespace {

// The top-level help: the commands, then the exit codes wrapped to 95 columns.
std::string usage() {
  std::string out = "usage: evtxhunt <command> [options] ...\n\ncommands:\n";
  for (const cli::Command& c : cli::kCommands) {
    std::string name = c.name;
    name.resize(std::max<size_t>(name.size() + 1, 11), ' ');
    out += "  " + name + c.summary + "\n";
  }
  out += "\nRun 'evtxhunt <command> --help' for the options of a command; 'evtxhunt --version'.\n";
  std::string line;
  std::istringstream words("Exit codes (every command): " + cli::exit_codes_help() + ".");
  for (std::string w; words >> w;) {
    if (!line.empty() && line.size() + 1 + w.size() > 95) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + w;
  }
  return out + line + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage().c_str(), stderr);
    return cli::kUsage;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    for (const cli::Command& c : cli::kCommands)
      if (cmd == c.name) return c.run(args);
    if (cmd == "--version" || cmd == "version") {
      std::printf("evtxhunt %s\n", EVTXHUNT_VERSION);
      return cli::kOk;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(usage().c_str(), stdout);
      return cli::kOk;
    }
    cli::message(stderr, "evtxhunt: unknown command '%s'\n", cmd);
    std::fputs(usage().c_str(), stderr);
    return cli::kUsage;
  } catch (const store::SpillError& e) {  // a full disk under --temp-dir: I/O, not a bug
    cli::message(stderr, "evtxhunt: %s\n", e.what());
    return cli::kCannotWrite;
  } catch (const std::exception& e) {
    cli::message(stderr, "evtxhunt: %s\n", e.what());
    return cli::kInternal;
  }
}
