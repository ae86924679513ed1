#include "replay/process_table.h"

#include <cctype>

namespace replay {
namespace {

using norm::Field;
using norm::FieldValue;
using norm::NormalizedEvent;

bool same_text_nocase(const FieldValue& a, const FieldValue& b) {
  if (!a.known() || !b.known() || a.s.size() != b.s.size()) return false;
  for (size_t i = 0; i < a.s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a.s[i])) != std::tolower(static_cast<unsigned char>(b.s[i])))
      return false;
  return true;
}

void fill(FieldValue& target, const FieldValue& from) {
  if (!target.known() && from.known()) target = from;
}

bool is_sysmon(const NormalizedEvent& ev) { return ev[Field::Provider].s == "Microsoft-Windows-Sysmon"; }

}  // namespace

std::string ProcessTable::canonical(const std::string& id) const {
  auto it = alias_.find(id);
  return it == alias_.end() ? id : it->second;
}

ProcessInstance* ProcessTable::find_by_id(const std::string& id) {
  auto it = by_id_.find(canonical(id));
  return it == by_id_.end() ? nullptr : &instances_[it->second];
}

ProcessInstance* ProcessTable::live_pid(int64_t pid, norm::Ticks at) {
  auto it = live_by_pid_.find(pid);
  if (it == live_by_pid_.end()) return nullptr;
  ProcessInstance& p = instances_[it->second];
  return p.start <= at ? &p : nullptr;
}

ProcessInstance* ProcessTable::initiating_instance(const NormalizedEvent& ev) {
  const FieldValue& id = ev[Field::InitiatingProcessUniqueId];
  if (id.known()) return find_by_id(id.s);
  const FieldValue& pid = ev[Field::InitiatingProcessId];
  return pid.known() ? live_pid(pid.i, ev.timestamp()) : nullptr;
}

void ProcessTable::enrich_initiating(NormalizedEvent& ev, const ProcessInstance* parent) {
  if (!parent) return;
  ev[Field::InitiatingProcessUniqueId] = FieldValue::str(parent->unique_id);
  fill(ev[Field::InitiatingProcessId], FieldValue::integer(parent->pid));
  fill(ev[Field::InitiatingProcessFileName], parent->file_name);
  fill(ev[Field::InitiatingProcessFolderPath], parent->folder_path);
  fill(ev[Field::InitiatingProcessCommandLine], parent->command_line);
  fill(ev[Field::InitiatingProcessParentId], parent->parent_pid);
  fill(ev[Field::InitiatingProcessParentFileName], parent->parent_file_name);
}

bool ProcessTable::on_created(NormalizedEvent& ev) {
  const FieldValue& pid = ev[Field::ProcessId];
  norm::Ticks t = ev.timestamp();
  bool sysmon = is_sysmon(ev);
  // The same run seen by the other log (Sysmon 1 vs 4688)?
  if (pid.known()) {
    auto it = live_by_pid_.find(pid.i);
    if (it != live_by_pid_.end()) {
      ProcessInstance& p = instances_[it->second];
      norm::Ticks gap = t > p.start ? t - p.start : p.start - t;
      if (p.sysmon != sysmon && gap <= norm::kTicksPerSecond && same_text_nocase(p.file_name, ev[Field::FileName])) {
        if (ev[Field::ProcessUniqueId].known()) alias_[ev[Field::ProcessUniqueId].s] = p.unique_id;
        fill(p.command_line, ev[Field::ProcessCommandLine]);
        fill(p.folder_path, ev[Field::FolderPath]);
        ev[Field::ProcessUniqueId] = FieldValue::str(p.unique_id);
        return false;
      }
    }
  }
  ProcessInstance* parent = initiating_instance(ev);
  enrich_initiating(ev, parent);

  ProcessInstance inst;
  inst.unique_id = ev[Field::ProcessUniqueId].known()
                       ? ev[Field::ProcessUniqueId].s
                       : host_ + ":" + (pid.known() ? std::to_string(pid.i) : "?") + ":" + std::to_string(t);
  ev[Field::ProcessUniqueId] = FieldValue::str(inst.unique_id);
  inst.pid = pid.known() ? pid.i : -1;
  inst.start = t;
  inst.sysmon = sysmon;
  inst.file_name = ev[Field::FileName];
  inst.folder_path = ev[Field::FolderPath];
  inst.command_line = ev[Field::ProcessCommandLine];
  inst.parent_pid = ev[Field::InitiatingProcessId];
  inst.parent_file_name = ev[Field::InitiatingProcessFileName];
  size_t index = instances_.size();
  instances_.push_back(std::move(inst));
  by_id_[instances_[index].unique_id] = index;
  if (pid.known()) {
    auto old = live_by_pid_.find(pid.i);  // PID reuse ends the older instance
    if (old != live_by_pid_.end()) instances_[old->second].ended = true;
    live_by_pid_[pid.i] = index;
  }
  return true;
}

std::string ProcessTable::on_ended(const NormalizedEvent& ev) {
  ProcessInstance* p = nullptr;
  if (ev[Field::ProcessUniqueId].known()) p = find_by_id(ev[Field::ProcessUniqueId].s);
  if (!p && ev[Field::ProcessId].known()) p = live_pid(ev[Field::ProcessId].i, ev.timestamp());
  if (!p) return {};
  p->ended = true;
  auto it = live_by_pid_.find(p->pid);
  if (it != live_by_pid_.end() && &instances_[it->second] == p) live_by_pid_.erase(it);
  return p->unique_id;
}

void ProcessTable::on_network(NormalizedEvent& ev) {
  ProcessInstance* p = nullptr;
  if (ev[Field::InitiatingProcessUniqueId].known()) p = find_by_id(ev[Field::InitiatingProcessUniqueId].s);
  if (!p && ev[Field::InitiatingProcessId].known()) p = live_pid(ev[Field::InitiatingProcessId].i, ev.timestamp());
  if (!p) return;
  ev[Field::InitiatingProcessUniqueId] = FieldValue::str(p->unique_id);
  fill(ev[Field::InitiatingProcessFileName], p->file_name);
  fill(ev[Field::InitiatingProcessFolderPath], p->folder_path);
  fill(ev[Field::InitiatingProcessCommandLine], p->command_line);
  fill(ev[Field::InitiatingProcessParentId], p->parent_pid);
  fill(ev[Field::InitiatingProcessParentFileName], p->parent_file_name);
}

}  // namespace replay
