// libFuzzer harness: a hunt's KQL text through the lexer and parser
// (kql/parser.h), which must answer with a tree or a QueryError within the
// bounds on size and nesting, never crash or recurse past them; the tree is
// written out again (to_text).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    kql::Node query = kql::parse(text);
    kql::to_text(query);
  } catch (const kql::QueryError&) {
  }
  return 0;
}
