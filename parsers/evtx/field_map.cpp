#include "evtx/field_map.h"

namespace evtx {
namespace {

bool is_text_piece(Op::Code c) {
  return c == Op::Text || c == Op::Subst || c == Op::CharRef || c == Op::EntityRef || c == Op::CData;
}

void add_piece(FieldSource& src, const Op& op) {
  ++src.pieces;
  if (op.code == Op::Subst) {
    src.subst = op.index;
    src.optional = op.optional;
  } else if (op.code == Op::Text) {
    src.literal = op.value;
  } else {
    src.pieces += 2;  // references and CDATA: left to the tree
  }
}

}  // namespace

FieldMap compile_field_map(const Fragment& tmpl) {
  FieldMap m;
  std::vector<std::string_view> path;  // open elements, without a leading <Event>
  bool event_root = false;
  std::string_view attr;
  DataSlot* slot = nullptr;  // the EventData item being read
  for (const Op& op : tmpl.ops) {
    switch (op.code) {
      case Op::Open:
        if (path.empty() && !event_root && op.name == "Event") {
          event_root = true;
          break;
        }
        path.push_back(op.name);
        attr = {};
        if (path.size() == 1 && op.name == "EventData") m.has_event_data = true;
        if (path.size() == 1 && op.name == "UserData") m.usable = false;
        if (path.size() == 2 && path[0] == "EventData") {
          m.data.push_back({op.name == "Data" ? std::string() : std::string(op.name), false, {}});
          slot = &m.data.back();
        }
        if (path.size() > 2 && path[0] == "EventData") m.usable = false;
        break;
      case Op::Attr:
        attr = op.name;
        if (slot && path.size() == 2) slot->has_attributes = true;
        break;
      case Op::EndAttrs: attr = {}; break;
      case Op::Close:
        if (!path.empty())
          path.pop_back();
        else
          event_root = false;
        attr = {};
        if (path.size() < 2) slot = nullptr;
        break;
      case Op::Instance: m.usable = false; break;
      default:
        if (!is_text_piece(op.code)) break;
        if (path.size() == 2 && path[0] == "System") {
          for (size_t i = 0; i < kSystemFieldCount; ++i) {
            SystemFieldPlace place = system_field_place(static_cast<SystemField>(i));
            if (place.element == path[1] && place.attribute == attr) add_piece(m.system[i], op);
          }
        } else if (slot && path.size() == 2) {
          if (attr.empty()) {
            add_piece(slot->source, op);
          } else if (attr == "Name" && path[1] == "Data") {
            // The item's name: literal text, as every real template has it.
            if (op.code != Op::Text || op.value.base_type() != ValueType::String)
              m.usable = false;
            else
              append_value_text(slot->name, op.value);
          }
        } else if (path.empty() && event_root && op.code == Op::Subst) {
          if (m.nested_data >= 0) m.usable = false;
          m.nested_data = op.index;
        }
        break;
    }
  }
  for (const FieldSource& s : m.system)
    if (s.pieces > 1) m.usable = false;
  for (const DataSlot& d : m.data)
    if (d.source.pieces > 1) m.usable = false;
  if (m.has_event_data && m.nested_data >= 0) m.usable = false;
  return m;
}

}  // namespace evtx
