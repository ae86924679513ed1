// libFuzzer harness: a `where` clause through the expression compiler, with
// two earlier stages visible, and evaluated on an event with a few fields.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  norm::NormalizedEvent ev;
  ev[norm::Field::FileName] = norm::FieldValue::str("mmc.exe");
  ev[norm::Field::ProcessCommandLine] = norm::FieldValue::str("C:\\Windows\\system32\\mmc.exe -Embedding");
  ev[norm::Field::ProcessId] = norm::FieldValue::integer(4416);
  ev[norm::Field::Timestamp] = norm::FieldValue::time(133548484331050000);
  const norm::NormalizedEvent* chain[] = {&ev, &ev};
  try {
    rules::Expression e = rules::compile(text, rules::Scope{{"rpc", "dcom", "child"}, 2});
    e.evaluate(rules::EvalContext{&ev, chain});
    e.time_bounds();
    e.join_keys();
  } catch (const rules::CompileError&) {
  }
  return 0;
}
