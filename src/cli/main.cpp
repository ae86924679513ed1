// evtxhunt: forensic analyzer for Windows event logs. Dispatches subcommands.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "store/temp_dir.h"

namespace {

const char kUsage[] =
    "usage: evtxhunt <command> [options] ...\n"
    "\n"
    "commands:\n"
    "  scan       hunt: replay each host's events through the rules, write the findings\n"
    "  timeline   every event of every record, in time order across hosts, tagged with findings\n"
    "  inventory  what was read: per file its hosts, channels, records, time span, damage\n"
    "  search     the records holding keywords, regular expressions or field values, as timeline rows\n"
    "  pivot      the accounts, hosts, addresses, processes, hashes the findings touch, to grep for\n"
    "  logons     who logged on where, from where, how; failed logons with the reason\n"
    "  metrics    records per host, channel, event id; log integrity: gaps, cleared logs, stops\n"
    "  query      a KQL hunt as written for Defender or Sentinel, over tables built from the evidence\n"
    "  rules      rules check|list|show: compile rule files, list the rules that run, show one\n"
    "  dump       print the records of EVTX files as JSON lines or XML\n"
    "  normalize  print the normalized process / network / boot events of EVTX and XML inputs\n"
    "  convert    write XML event exports into an EVTX file\n"
    "  merge      merge the shards of a batch scan (scripts/evtxhunt-dask) into scan's output\n"
    "\n"
    "Run 'evtxhunt <command> --help' for the options of a command; 'evtxhunt --version'.\n"
    "Exit codes (every command): 0 done; 1 internal error; 2 bad command line; 3 a named input\n"
    "does not exist or cannot be opened; 4 dump: not an EVTX file; 5 convert: bad XML input, merge:\n"
    "a shard cannot be read or merged; 6 the output cannot be written; 7 no rule to run, an invalid\n"
    "rule file (--strict), no rule matches --rule, a tuning or placeholder file cannot be used, or\n"
    "a KQL query cannot be read or run;\n"
    "8 nothing readable among the inputs.\n";

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
    if (cmd == "timeline") return cli::run_timeline(args);
    if (cmd == "inventory") return cli::run_inventory(args);
    if (cmd == "rules") return cli::run_rules(args);
    if (cmd == "merge") return cli::run_merge(args);
    if (cmd == "search") return cli::run_search(args);
    if (cmd == "pivot") return cli::run_pivot(args);
    if (cmd == "logons") return cli::run_logons(args);
    if (cmd == "metrics") return cli::run_metrics(args);
    if (cmd == "query") return cli::run_query(args);
    if (cmd == "--version" || cmd == "version") {
      std::printf("evtxhunt %s\n", EVTXHUNT_VERSION);
      return cli::kOk;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(kUsage, stdout);
      return cli::kOk;
    }
    cli::message(stderr, "evtxhunt: unknown command '%s'\n", cmd);
    std::fputs(kUsage, stderr);
    return cli::kUsage;
  } catch (const store::SpillError& e) {  // a full disk under --temp-dir: I/O, not a bug
    cli::message(stderr, "evtxhunt: %s\n", e.what());
    return cli::kCannotWrite;
  } catch (const std::exception& e) {
    cli::message(stderr, "evtxhunt: %s\n", e.what());
    return cli::kInternal;
  }
}
