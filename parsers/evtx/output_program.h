// Output programs: a template's rendering (JSON or event XML) compiled once
// into constant text and a short list of value steps ("copy this text, format
// value N here"). A record of that template then costs one pass over its
// value descriptors and the steps: no tree, no token walk, no renderer walk.
// The BinXML decoder compiles and caches the programs (binxml.cpp); records
// a program cannot express are rendered from their tree (render.h), with the
// same bytes.
#pragma once

#include <cstdint>
#include <string>

#include "evtx/value.h"

namespace evtx {

enum class RenderFormat : uint8_t { None, Json, Xml };

struct OutputProgram;  // output_program_impl.h (internal)

// A record ready to render: its template's program and its values.
struct CompiledRecord {
  const OutputProgram* program = nullptr;
  const RawValue* values = nullptr;
  uint32_t count = 0;
};

// Appends the record's text: what render_json / render_xml (render.h) append
// for its tree.
void run_program(const CompiledRecord& record, std::string& out);

}  // namespace evtx
