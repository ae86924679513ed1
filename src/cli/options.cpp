#include "cli/options.h"

#include <cstdio>
#include <iostream>

#include "cli/exit_codes.h"

namespace po = boost::program_options;

namespace cli {

std::optional<int> parse_command_line(const CommandLine& cl, const std::vector<std::string>& args,
                                      const po::options_description& opts, po::variables_map& vm,
                                      std::vector<std::string>& inputs) {
  po::options_description hidden;
  hidden.add_options()("inputs", po::value(&inputs), cl.inputs_name);
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("inputs", -1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "evtxhunt %s: %s\n", cl.command, e.what());
    return kUsage;
  }
  if (vm.count("help")) {
    std::cout << opts << "\nexit codes: " << cl.exit_codes << "\n";
    return kOk;
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "evtxhunt %s: no %s (see --help)\n", cl.command, cl.inputs_name);
    return kUsage;
  }
  return std::nullopt;
}

}  // namespace cli
