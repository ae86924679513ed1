// libFuzzer harness: a rule file's text through the project's YAML rule
// loader, the Sigma loader and the KQL rule loader (a .kql hunt's header and
// query; rules are input like evidence).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/rule.h"
#include "sigma/sigma_loader.h"
#include "tables/kql_rule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  rules::load_rule_text(text, "fuzz.yml");
  try {
    sigma::load_sigma_text(text, "fuzz.yml");
  } catch (const std::exception&) {
  }
  if (tables::looks_like_kql_rule(text)) tables::load_kql_rule(std::string(text), "fuzz.kql");
  return 0;
}
