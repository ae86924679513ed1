// libFuzzer harness: the small inputs a user gives on the command line, the
// first byte choosing which: a tuning file (--tuning), a placeholder file
// (--placeholders), a search query (lines "k:WORD", "r:RE", "F:Field=value";
// search/search_query.h, then the Sigma rule it compiles to) or a time zone
// (--timezone). Each must refuse what it cannot use, never crash or run away.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "pipeline/time_zone.h"
#include "replay/tuning.h"
#include "search/search_query.h"
#include "sigma/placeholders.h"
#include "sigma/sigma_loader.h"

namespace {

// The loaders read files: the input is written to one per process.
std::string as_file(std::string_view text) {
  static const std::string path = "/tmp/fuzz_user_files." + std::to_string(::getpid());
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  return path;
}

void search_query(std::string_view text) {
  search::Query q;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? text.size() : end + 1;
    if (line.size() < 2 || line[1] != ':') continue;
    std::string term(line.substr(2));
    if (line[0] == 'k') q.keywords.push_back(term);
    if (line[0] == 'r') q.regexes.push_back(term);
    if (line[0] == 'F') q.fields.push_back(term);
    if (line[0] == 'a') q.any = true;
    if (line[0] == 'c') q.cased = true;
  }
  try {
    search::Search s(q);
    sigma::load_sigma_text(s.sigma_text(), "search");
  } catch (const std::exception&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4) {
      case 0: {
        replay::Tuning t;
        replay::load_tuning_file(as_file(text), t);
        break;
      }
      case 1: sigma::load_placeholders(as_file(text)); break;
      case 2: search_query(text); break;
      default: {
        std::string error;
        pipeline::TimeZone::parse(text, error);
      }
    }
  } catch (const std::runtime_error&) {  // a file that cannot be used: said, not a crash
  }
  return 0;
}
