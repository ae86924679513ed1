// The command-line parsing every subcommand shares: its options, positional
// inputs, --help (with its exit codes) and the "no input" check.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cli {

struct CommandLine {
  const char* command;               // "scan", for messages: "evtxhunt scan: ..."
  const char* inputs_name;           // what the positional arguments are, e.g. "input file"
  bool inputs_optional = false;      // no positional argument is not an error
  const char* exit_codes = nullptr;  // the help's closing lines: nullptr, every code (exit_codes.h)
};

// The most a list file (--inputs-from, --shard-hosts-from, a batch's skipped
// list) may hold: a million paths are well under it.
constexpr size_t kMaxListFileBytes = size_t{1} << 30;

// The entries of a list file: NUL-separated (any text), or one per line when
// the file holds no NUL; empty entries are left out. False if it cannot be
// read or is larger than kMaxListFileBytes.
bool read_list_file(const std::string& file, std::vector<std::string>& out);
// A list of computer names exactly as records hold them (--shard-hosts-from):
// each name ends with a NUL byte, so an empty name is a lone NUL; inside a
// name a backslash is written \\ and a NUL \0. False when the file cannot
// be read or an escape is not one of these.
bool read_name_list_file(const std::string& file, std::vector<std::string>& out);

// Parses args against `opts` (which must declare --help) plus positional
// inputs. Returns an exit code to return at once (usage error, or help
// printed), or nullopt; then `inputs` holds the positional arguments.
std::optional<int> parse_command_line(const CommandLine& cl, const std::vector<std::string>& args,
                                      const boost::program_options::options_description& opts,
                                      boost::program_options::variables_map& vm, std::vector<std::string>& inputs);

}  // namespace cli
