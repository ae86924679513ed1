// libFuzzer harness: an XML event export (as `normalize`, `scan` and
// `convert` read one) into event trees, rendered, and written as EVTX.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "evtx/event_tree.h"
#include "evtx/evtx_writer.h"
#include "evtx/render.h"
#include "xml/event_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    xml::EventXmlDocument doc = xml::EventXmlDocument::load_string(text, "fuzz.xml");
    evtx::EventTree tree;
    std::string out;
    evtx::EvtxWriter writer([](const uint8_t*) {});
    for (size_t i = 0; i < doc.size() && i < 64; ++i) {
      doc.event_tree(i, tree);
      out.clear();
      evtx::render_json(tree, out);
      evtx::render_xml(tree, out);
      try {
        writer.add(tree);
      } catch (const evtx::WriteError&) {
      }
    }
    writer.finish();
  } catch (const std::exception&) {
  }
  return 0;
}
