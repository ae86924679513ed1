#include "replay/process_table.h"

#include <cctype>

#include "evtx/value.h"
#include "text/ascii_case.h"

namespace replay {
namespace {

using normalize::Field;
using normalize::FieldValue;
using normalize::NormalizedEvent;

bool same_text_nocase(const FieldValue& a, const FieldValue& b) {
  return a.known() && b.known() && text::iequals(a.s, b.s);
}

void fill(FieldValue& target, const FieldValue& from) {
  if (!target.known() && from.known()) target = from;
}

bool is_sysmon(const NormalizedEvent& ev) { return ev[Field::Provider].s == normalize::kSysmonProvider; }

// How long an ended instance is remembered (late records of its children and
// connections, Sysmon's write delays).
constexpr normalize::Ticks kEndedRetention = 3600 * normalize::kTicksPerSecond;

// The event names another image for its initiating process than the instance's.
bool other_image(const ProcessInstance& p, const NormalizedEvent& ev) {
  const FieldValue& image = ev[Field::InitiatingProcessFileName];
  return image.known() && p.file_name.known() && !same_text_nocase(image, p.file_name);
}

std::string iso(normalize::Ticks t) { return evtx::filetime_iso(static_cast<uint64_t>(t), 0); }

}  // namespace

void ProcessTable::end(ProcessInstance& p, normalize::Ticks at) {
  if (p.ended) return;
  p.ended = true;
  ended_.emplace_back(at, p.unique_id);
}

void ProcessTable::expire(normalize::Ticks now) {
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

ProcessInstance* ProcessTable::live_pid(int64_t pid, normalize::Ticks at) {
  auto it = live_by_pid_.find(pid);
  if (it == live_by_pid_.end()) return nullptr;
  ProcessInstance* p = find_by_id(it->second);
  return p && p->start <= at ? p : nullptr;
}

ProcessInstance* ProcessTable::plausible_pid(NormalizedEvent& ev) {
  const FieldValue& pid = ev[Field::InitiatingProcessId];
  if (!pid.known()) return nullptr;
  ProcessInstance* p = live_pid(pid.i, ev.timestamp());
  if (!p) return nullptr;
  if (other_image(*p, ev)) {
    // Another process holds the PID now: the instance has ended.
    end(*p, ev.timestamp());
    live_by_pid_.erase(p->pid);
    return nullptr;
  }
  if (coverage_) {
    if (std::optional<int64_t> hour = coverage_->empty_hour(p->channel, p->start, ev.timestamp())) {
      std::string image = p->file_name.known() ? p->file_name.s : "an unknown image";
      ev.parent_note = "initiating process unknown: PID " + std::to_string(p->pid) + " was " + image + " from " +
                       iso(p->start) + ", but its log (" + p->channel +
                       ") has no record of this host in the hour from " +
                       iso(*hour * 3600 * normalize::kTicksPerSecond) + ": the PID may have been reused since";
      return nullptr;
    }
  }
  return p;
}

ProcessInstance* ProcessTable::initiating_instance(NormalizedEvent& ev) {
  const FieldValue& id = ev[Field::InitiatingProcessUniqueId];
  if (id.known()) return find_by_id(id.s);
  return plausible_pid(ev);
}

void ProcessTable::on_boot(normalize::Ticks first_marker) {
  for (auto it = live_by_pid_.begin(); it != live_by_pid_.end();) {
    ProcessInstance* p = find_by_id(it->second);
    if (p && p->start < first_marker - kBootStartSlack) {
      end(*p, first_marker);
      it = live_by_pid_.erase(it);
    } else {
      ++it;
    }
  }
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
  normalize::Ticks t = ev.timestamp();
  expire(t);
  bool sysmon = is_sysmon(ev);
  // A ProcessGuid already known is that run seen again (the same log read
  // from two copies whose records differ: an XML export, a forwarded copy).
  if (ev[Field::ProcessUniqueId].known())
    if (ProcessInstance* seen = find_by_id(ev[Field::ProcessUniqueId].s)) {
      ev[Field::ProcessUniqueId] = FieldValue::str(seen->unique_id);
      return false;
    }
  // The same run seen by the other log (Sysmon 1 vs 4688)?
  if (pid.known()) {
    auto it = live_by_pid_.find(pid.i);
    ProcessInstance* live = it == live_by_pid_.end() ? nullptr : find_by_id(it->second);
    if (live) {
      ProcessInstance& p = *live;
      normalize::Ticks gap = t > p.start ? t - p.start : p.start - t;
      if (p.sysmon != sysmon && gap <= normalize::kTicksPerSecond &&
          same_text_nocase(p.file_name, ev[Field::FileName])) {
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
  inst.channel = ev[Field::Channel].known() ? ev[Field::Channel].s : std::string();
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
  if (ev[Field::InitiatingProcessUniqueId].known()) {
    p = find_by_id(ev[Field::InitiatingProcessUniqueId].s);
    // A Sysmon ProcessGuid the table does not know is no other instance's:
    // not the one a PID names (another log of the same host, another day).
    if (!p) {
      ProcessInstance* by_pid =
          ev[Field::InitiatingProcessId].known() ? live_pid(ev[Field::InitiatingProcessId].i, ev.timestamp()) : nullptr;
      if (by_pid && !by_pid->sysmon) p = plausible_pid(ev);
    }
  } else {
    p = plausible_pid(ev);
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
