#include "cli/options.h"
#include "cli/messages.h"

#include <cstdio>
#include <iostream>

#include "cli/exit_codes.h"
#include "io/file_read.h"

namespace po = boost::program_options;

namespace cli {

std::string exit_codes_help() {
  std::string out;
  for (const ExitCodeInfo& e : kExitCodeInfo)
    out += (out.empty() ? "" : "; ") + std::to_string(static_cast<int>(e.code)) + " " + e.meaning;
  return out;
}

bool read_list_file(const std::string& file, std::vector<std::string>& out) {
  std::optional<std::string> read = io::read_file(file, kMaxListFileBytes);
  if (!read) return false;
  const std::string& bytes = *read;
  char sep = bytes.find('\0') != std::string::npos ? '\0' : '\n';
  for (size_t at = 0; at < bytes.size();) {
    size_t end = bytes.find(sep, at);
    if (end == std::string::npos) end = bytes.size();
    std::string path = bytes.substr(at, end - at);
    if (sep == '\n' && !path.empty() && path.back() == '\r') path.pop_back();
    if (!path.empty()) out.push_back(std::move(path));
    at = end + 1;
  }
  return true;
}

bool read_name_list_file(const std::string& file, std::vector<std::string>& out) {
  std::optional<std::string> read = io::read_file(file, kMaxListFileBytes);
  if (!read) return false;
  const std::string& bytes = *read;
  std::string name;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\0') {
      out.push_back(std::move(name));
      name.clear();
    } else if (c == '\\') {
      if (++i >= bytes.size() || (bytes[i] != '\\' && bytes[i] != '0')) return false;
      name += bytes[i] == '0' ? '\0' : '\\';
    } else {
      name += c;
    }
  }
  return name.empty();  // the last name ends with its NUL too
}

std::optional<int> parse_command_line(const CommandLine& cl, const std::vector<std::string>& args,
                                      const po::options_description& opts, po::variables_map& vm,
                                      std::vector<std::string>& inputs) {
  po::options_description hidden;
  hidden.add_options()("inputs", po::value(&inputs), cl.inputs_name);
  std::vector<std::string> lists;
  po::options_description listed("");
  listed.add_options()("inputs-from", po::value(&lists)->value_name("FILE"),
                       "read more of the command's inputs from FILE: NUL-separated, or one per line (repeatable)");
  po::options_description all;
  all.add(opts).add(listed).add(hidden);
  po::positional_options_description pos;
  pos.add("inputs", -1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    message(stderr, "evtxhunt %s: %s\n", cl.command, e.what());
    return kUsage;
  }
  if (vm.count("help")) {
    std::cout << opts << listed << "\nexit codes: " << (cl.exit_codes ? std::string(cl.exit_codes) : exit_codes_help())
              << "\n";
    return kOk;
  }
  for (const std::string& list : lists)
    if (!read_list_file(list, inputs)) {
      message(stderr, "evtxhunt %s: --inputs-from %s: cannot read it\n", cl.command, list.c_str());
      return kCannotOpen;
    }
  if (inputs.empty() && !cl.inputs_optional) {
    message(stderr, "evtxhunt %s: no %s (see --help)\n", cl.command, cl.inputs_name);
    return kUsage;
  }
  return std::nullopt;
}

}  // namespace cli
