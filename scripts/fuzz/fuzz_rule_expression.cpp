// libFuzzer harness: a `where` clause through the expression compiler, with
// two earlier stages visible, and evaluated on an event with a few fields.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  normalize::NormalizedEvent ev;
  ev[normalize::Field::FileName] = normalize::FieldValue::str("mmc.exe");
  ev[normalize::Field::ProcessCommandLine] = normalize::FieldValue::str("C:\\Windows\\system32\\mmc.exe -Embedding");
  ev[normalize::Field::ProcessId] = normalize::FieldValue::integer(4416);
  ev[normalize::Field::Timestamp] = normalize::FieldValue::time(133548484331050000);
  const normalize::NormalizedEvent* chain[] = {&ev, &ev};
  try {
    rules::Expression e = rules::compile(text, rules::Scope{{"rpc", "dcom", "child"}, 2});
    e.evaluate(rules::EvalContext{&ev, chain});
    e.time_bounds();
    e.join_keys();
  } catch (const rules::CompileError&) {
  }
  return 0;
}
