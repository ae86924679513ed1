// libFuzzer harness: a rule file's text through the project's YAML rule
// loader and the Sigma loader (rules are input like evidence).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/rule.h"
#include "sigma/sigma_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  rules::load_rule_text(text, "fuzz.yml");
  try {
    sigma::load_sigma_text(text, "fuzz.yml");
  } catch (const std::exception&) {
  }
  return 0;
}
