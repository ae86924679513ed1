// Renders an event tree as event XML (as Windows renders it) or as JSON in
// the Rust evtx_dump -o jsonl convention.
#pragma once

#include <string>

#include "evtx/event_tree.h"

namespace evtx {

// Appends the event's XML, indented by two spaces per level, ending in '\n'.
void render_xml(const EventTree& tree, std::string& out);

// Appends one JSON object ({"Event":{...}}), no trailing newline.
void render_json(const EventTree& tree, std::string& out);

}  // namespace evtx
