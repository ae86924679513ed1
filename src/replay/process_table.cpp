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

bool is_sysmon(const NormalizedEvent& ev) { return ev[Field::Provider].s == norm::kSysmonProvider; }

// How long an ended instance is remembered (late records of its children and
// connections, Sysmon's write delays).
constexpr norm::Ticks kEndedRetention = 3600 * norm::kTicksPerSecond;

// Could the instance running under the event's PID be the event's process?
// Not when the event names another image, or carries a Sysmon ProcessGuid
// the instance (known by its own Sysmon GUID) does not have: a PID the logs
// never saw end (another log of the same host, another day) is no proof.
bool same_process(const ProcessInstance& p, const NormalizedEvent& ev) {
  const FieldValue& image = ev[Field::InitiatingProcessFileName];
  if (image.known() && p.file_name.known() && !same_text_nocase(image, p.file_name)) return false;
  return !(ev[Field::InitiatingProcessUniqueId].known() && p.sysmon);
}

}  // namespace

void ProcessTable::end(ProcessInstance& p, norm::Ticks at) {
  if (p.ended) return;
  p.ended = true;
  ended_.emplace_back(at, p.unique_id);
}

void ProcessTable::expire(norm::Ticks now) {
  while (!ended_.empty() && ended_.front().first + kEndedRetention < now) {
    auto it = by_id_.find(ended_.front().second);
    if (it != by_id_.end()) {
      for (const std::string& a : it->second.aliases) alias_.erase(a);
      auto live = live_by_pid_.find(it->second.pid);
      if (live != live_by_pid_.end() && live->second == it->first) live_by_pid_.erase(live);
      by_id_.erase(it);
    }
    ended_.pop_front();
  }
}

std::string ProcessTable::canonical(const std::string& id) const {
  auto it = alias_.find(id);
  return it == alias_.end() ? id : it->second;
}

const ProcessInstance* ProcessTable::instance(const std::string& id) const {
  auto it = by_id_.find(canonical(id));
  return it == by_id_.end() ? nullptr : &it->second;
}

ProcessInstance* ProcessTable::find_by_id(const std::string& id) {
  auto it = by_id_.find(canonical(id));
  return it == by_id_.end() ? nullptr : &it->second;
}

ProcessInstance* ProcessTable::live_pid(int64_t pid, norm::Ticks at) {
  auto it = live_by_pid_.find(pid);
  if (it == live_by_pid_.end()) return nullptr;
  ProcessInstance* p = find_by_id(it->second);
  return p && p->start <= at ? p : nullptr;
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
  expire(t);
  bool sysmon = is_sysmon(ev);
  // The same run seen by the other log (Sysmon 1 vs 4688)?
  if (pid.known()) {
    auto it = live_by_pid_.find(pid.i);
    ProcessInstance* live = it == live_by_pid_.end() ? nullptr : find_by_id(it->second);
    if (live) {
      ProcessInstance& p = *live;
      norm::Ticks gap = t > p.start ? t - p.start : p.start - t;
      if (p.sysmon != sysmon && gap <= norm::kTicksPerSecond && same_text_nocase(p.file_name, ev[Field::FileName])) {
        if (ev[Field::ProcessUniqueId].known() && ev[Field::ProcessUniqueId].s != p.unique_id) {
          alias_[ev[Field::ProcessUniqueId].s] = p.unique_id;
          p.aliases.push_back(ev[Field::ProcessUniqueId].s);
        }
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
  std::string id = inst.unique_id;
  if (pid.known()) {
    auto old = live_by_pid_.find(pid.i);  // PID reuse ends the older instance
    if (old != live_by_pid_.end())
      if (ProcessInstance* prev = find_by_id(old->second)) end(*prev, t);
    live_by_pid_[pid.i] = id;
  }
  by_id_.insert_or_assign(id, std::move(inst));
  return true;
}

std::string ProcessTable::on_ended(const NormalizedEvent& ev) {
  ProcessInstance* p = nullptr;
  if (ev[Field::ProcessUniqueId].known()) p = find_by_id(ev[Field::ProcessUniqueId].s);
  if (!p && ev[Field::ProcessId].known()) p = live_pid(ev[Field::ProcessId].i, ev.timestamp());
  if (!p) return {};
  end(*p, ev.timestamp());
  auto it = live_by_pid_.find(p->pid);
  if (it != live_by_pid_.end() && it->second == p->unique_id) live_by_pid_.erase(it);
  return p->unique_id;
}

void ProcessTable::on_initiated(NormalizedEvent& ev) {
  ProcessInstance* p = nullptr;
  if (ev[Field::InitiatingProcessUniqueId].known()) p = find_by_id(ev[Field::InitiatingProcessUniqueId].s);
  if (!p && ev[Field::InitiatingProcessId].known()) {
    p = live_pid(ev[Field::InitiatingProcessId].i, ev.timestamp());
    if (p && !same_process(*p, ev)) p = nullptr;
  }
  if (!p) return;
  ev[Field::InitiatingProcessUniqueId] = FieldValue::str(p->unique_id);
  fill(ev[Field::InitiatingProcessFileName], p->file_name);
  fill(ev[Field::InitiatingProcessFolderPath], p->folder_path);
  fill(ev[Field::InitiatingProcessCommandLine], p->command_line);
  fill(ev[Field::InitiatingProcessParentId], p->parent_pid);
  fill(ev[Field::InitiatingProcessParentFileName], p->parent_file_name);
}

}  // namespace replay
