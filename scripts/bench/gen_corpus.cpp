// bench_gen_corpus: a benchmark corpus of N hosts written with the project's
// EVTX writer: per host a Sysmon log and a Security log with a workstation's
// event mix, and K DCOM lateral movement chains (the seed rule's shape)
// injected at known times, listed in ground_truth.jsonl.
//
// usage: bench_gen_corpus OUT_DIR --hosts N --size-mb MB [--chains K] [--seed S] [--threads T]
//
// Mix per 1000 Sysmon events, as a workstation's Sysmon logs show it: image
// loads 7 (360), network 3 (150), file creates 11 (150), process access 10
// (90), registry 13 (80), process creates 1 (85) and ends 5 (85); the Security
// log gets a 4688 for most process creations, 4624 logons and 5156 permits.
// Values have real lengths: command lines of 40-300 characters, SHA256 and
// IMPHASH hashes, GUIDs. The background never has an inbound connection to
// port 135 nor a process started by svchost -k DcomLaunch, so the injected
// chains are the only findings the seed rule can make.
#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "evtx/event_tree.h"
#include "evtx/evtx_writer.h"
#include "evtx/value.h"

namespace fs = std::filesystem;

namespace {

constexpr int64_t kSecond = 10'000'000;
constexpr uint64_t kStart = 133'500'000'000'000'000ull;  // 2024-01-20 (FILETIME)

const char* kSysmonGuid = "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}";
const char* kSecurityGuid = "{54849625-5478-4994-A5BA-3E3B0328C30D}";

// One event as an EventTree over owned text.
class Event {
 public:
  Event(const char* provider, const char* guid, int id, int version, int level, int task, const char* keywords,
        uint64_t time, uint64_t record, int pid, int tid, const char* channel, const std::string& computer,
        const char* user) {
    uint32_t ev = el(evtx::kNoNode, "Event");
    attr(ev, "xmlns", "http://schemas.microsoft.com/win/2004/08/events/event");
    uint32_t sys = el(ev, "System");
    uint32_t p = el(sys, "Provider");
    attr(p, "Name", provider);
    attr(p, "Guid", guid);
    text(el(sys, "EventID"), std::to_string(id));
    text(el(sys, "Version"), std::to_string(version));
    text(el(sys, "Level"), std::to_string(level));
    text(el(sys, "Task"), std::to_string(task));
    text(el(sys, "Opcode"), "0");
    text(el(sys, "Keywords"), keywords);
    attr(el(sys, "TimeCreated"), "SystemTime", evtx::filetime_iso(time, 7));
    text(el(sys, "EventRecordID"), std::to_string(record));
    el(sys, "Correlation");
    uint32_t ex = el(sys, "Execution");
    attr(ex, "ProcessID", std::to_string(pid));
    attr(ex, "ThreadID", std::to_string(tid));
    text(el(sys, "Channel"), channel);
    text(el(sys, "Computer"), computer);
    uint32_t sec = el(sys, "Security");
    if (user) attr(sec, "UserID", user);
    data_ = el(ev, "EventData");
  }
  void data(const char* name, std::string value) {
    uint32_t d = el(data_, "Data");
    attr(d, "Name", name);
    if (!value.empty()) text(d, std::move(value));
  }
  const evtx::EventTree& tree() const { return tree_; }

 private:
  uint32_t el(uint32_t parent, const char* name) { return tree_.add(parent, evtx::NodeKind::Element, name); }
  void text(uint32_t parent, std::string v) {
    const std::string& s = texts_.emplace_back(std::move(v));
    tree_.add(parent, evtx::NodeKind::Text, {}, evtx::RawValue::utf8(s));
  }
  void attr(uint32_t parent, const char* name, std::string v) {
    uint32_t a = tree_.add(parent, evtx::NodeKind::Attribute, name);
    text(a, std::move(v));
  }
  evtx::EventTree tree_;
  std::deque<std::string> texts_;
  uint32_t data_;
};

struct Proc {
  int pid;
  std::string guid, image, cmd, user;
};

class Host {
 public:
  Host(int index, uint64_t seed, uint64_t target_bytes, const fs::path& dir)
      : rng_(seed),
        name_("WS" + std::to_string(1000 + index) + ".corp.example"),
        ip_("10.20." + std::to_string(index / 200) + "." + std::to_string(index % 200 + 20)),
        target_(target_bytes),
        sysmon_(dir / "Microsoft-Windows-Sysmon%4Operational.evtx"),
        security_(dir / "Security.evtx") {}

  const std::string& name() const { return name_; }
  const std::string& ip() const { return ip_; }

  // Writes the host's logs; chains: times (ticks after the boot) at which to
  // inject a DCOM chain from `attacker_ip`. Returns ground-truth lines.
  std::vector<std::string> write(std::vector<int64_t> chains, const std::string& attacker_ip) {
    std::vector<std::string> truth;
    boot();
    size_t next_chain = 0;
    while (bytes() < target_) {
      now_ += static_cast<int64_t>(std::exponential_distribution<double>(1.0 / 0.25)(rng_) * kSecond) + 1;
      if (next_chain < chains.size() && now_ - boot_ >= chains[next_chain])
        truth.push_back(chain(attacker_ip, next_chain++));
      background();
    }
    while (next_chain < chains.size()) truth.push_back(chain(attacker_ip, next_chain++));
    sysmon_.commit();
    security_.commit();
    return truth;
  }

 private:
  uint64_t bytes() const { return (sysmon_.stats().chunks + security_.stats().chunks) * 65536; }
  int rand(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string hex(int n) {
    static const char* d = "0123456789ABCDEF";
    std::string s(n, '0');
    for (char& c : s) c = d[rand(0, 15)];
    return s;
  }
  std::string guid() { return "{" + hex(8) + "-" + hex(4) + "-" + hex(4) + "-" + hex(4) + "-" + hex(12) + "}"; }
  std::string utc(int64_t t) {  // Sysmon's "2024-01-20 10:00:00.123"
    std::string s = evtx::filetime_iso(static_cast<uint64_t>(t), 3);
    s[10] = ' ';
    s.pop_back();
    return s;
  }
  std::string words(int min_len, int max_len) {
    static const char* w[] = {"--type=renderer",
                              "/c",
                              "-NoProfile",
                              "update",
                              "--field-trial-handle=",
                              "/s",
                              "C:\\Users\\alice\\AppData\\Local\\Temp\\",
                              "report.docx",
                              "-Embedding",
                              "/quiet",
                              "--lang=en-US",
                              "http://intranet.corp.example/",
                              "sync",
                              "--no-sandbox",
                              "/p"};
    std::string s;
    int len = rand(min_len, max_len);
    while (static_cast<int>(s.size()) < len) (s += w[rand(0, 14)]) += hex(rand(0, 6)) + " ";
    return s;
  }

  Event sysmon(int id, int version, int task, int64_t t) {
    return Event("Microsoft-Windows-Sysmon", kSysmonGuid, id, version, 4, task, "0x8000000000000000",
                 static_cast<uint64_t>(t) + static_cast<uint64_t>(rand(2, 40)) * 10000, ++sysmon_id_, 2840,
                 rand(100, 9000) * 4, "Microsoft-Windows-Sysmon/Operational", name_, "S-1-5-18");
  }
  Event security(int id, int version, int task, int64_t t) {
    return Event("Microsoft-Windows-Security-Auditing", kSecurityGuid, id, version, 0, task, "0x8020000000000000",
                 static_cast<uint64_t>(t), ++security_id_, 4, rand(100, 9000) * 4, "Security", name_, nullptr);
  }

  // A process creation: Sysmon 1 and, most of the time, Security 4688.
  Proc start(const Proc& parent, const std::string& image, const std::string& cmd, const std::string& user,
             bool audit = true) {
    Proc p{rand(250, 16000) * 4, guid(), image, cmd, user};
    Event e = sysmon(1, 5, 1, now_);
    e.data("RuleName", "-");
    e.data("UtcTime", utc(now_));
    e.data("ProcessGuid", p.guid);
    e.data("ProcessId", std::to_string(p.pid));
    e.data("Image", image);
    e.data("FileVersion", "10.0.19041.1 (WinBuild.160101.0800)");
    e.data("Description", "Windows program");
    e.data("Product", "Microsoft Windows Operating System");
    e.data("Company", "Microsoft Corporation");
    e.data("OriginalFileName", image.substr(image.find_last_of('\\') + 1));
    e.data("CommandLine", cmd);
    e.data("CurrentDirectory", "C:\\Windows\\system32\\");
    e.data("User", user);
    e.data("LogonGuid", guid());
    e.data("LogonId", "0x3e7");
    e.data("TerminalSessionId", "0");
    e.data("IntegrityLevel", "System");
    e.data("Hashes", "SHA256=" + hex(64) + ",IMPHASH=" + hex(32));
    e.data("ParentProcessGuid", parent.guid);
    e.data("ParentProcessId", std::to_string(parent.pid));
    e.data("ParentImage", parent.image);
    e.data("ParentCommandLine", parent.cmd);
    sysmon_.add(e.tree());
    if (audit) {
      char pid_hex[32], ppid_hex[32];
      std::snprintf(pid_hex, sizeof pid_hex, "0x%x", p.pid);
      std::snprintf(ppid_hex, sizeof ppid_hex, "0x%x", parent.pid);
      Event s = security(4688, 2, 13312, now_ + rand(1, 20) * 10000);
      s.data("SubjectUserSid", "S-1-5-18");
      s.data("SubjectUserName", name_.substr(0, name_.find('.')) + "$");
      s.data("SubjectDomainName", "CORP");
      s.data("SubjectLogonId", "0x3e7");
      s.data("NewProcessId", pid_hex);
      s.data("NewProcessName", image);
      s.data("TokenElevationType", "%%1936");
      s.data("ProcessId", ppid_hex);
      s.data("CommandLine", cmd);
      s.data("TargetUserSid", "S-1-0-0");
      s.data("TargetUserName", "-");
      s.data("TargetDomainName", "-");
      s.data("TargetLogonId", "0x0");
      s.data("ParentProcessName", parent.image);
      s.data("MandatoryLabel", "S-1-16-16384");
      security_.add(s.tree());
    }
    return p;
  }

  void network(const Proc& p, bool initiated, const std::string& src, int sport, const std::string& dst, int dport,
               const std::string& src_host, const std::string& dst_host) {
    Event e = sysmon(3, 5, 3, now_ + rand(1, 4) * kSecond);
    e.data("RuleName", "-");
    e.data("UtcTime", utc(now_));
    e.data("ProcessGuid", p.guid);
    e.data("ProcessId", std::to_string(p.pid));
    e.data("Image", p.image);
    e.data("User", p.user);
    e.data("Protocol", "tcp");
    e.data("Initiated", initiated ? "true" : "false");
    e.data("SourceIsIpv6", "false");
    e.data("SourceIp", src);
    e.data("SourceHostname", src_host);
    e.data("SourcePort", std::to_string(sport));
    e.data("SourcePortName", "-");
    e.data("DestinationIsIpv6", "false");
    e.data("DestinationIp", dst);
    e.data("DestinationHostname", dst_host);
    e.data("DestinationPort", std::to_string(dport));
    e.data("DestinationPortName", dport == 443 ? "https" : "-");
    sysmon_.add(e.tree());
  }

  void boot() {
    now_ = boot_ = static_cast<int64_t>(kStart) + rand(0, 3600) * kSecond;
    Proc system{4, guid(), "System", "", "NT AUTHORITY\\SYSTEM"};
    Proc wininit = start(system, "C:\\Windows\\System32\\wininit.exe", "wininit.exe", "NT AUTHORITY\\SYSTEM", false);
    now_ += kSecond / 2;
    services_ = start(wininit, "C:\\Windows\\System32\\services.exe", "C:\\Windows\\system32\\services.exe",
                      "NT AUTHORITY\\SYSTEM", false);
    now_ += kSecond;
    dcomlaunch_ = start(services_, "C:\\Windows\\System32\\svchost.exe",
                        "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p", "NT AUTHORITY\\SYSTEM", false);
    now_ += kSecond / 3;
    rpcss_ = start(services_, "C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k RPCSS -p",
                   "NT AUTHORITY\\NETWORK SERVICE", false);
    now_ += kSecond;
    explorer_ = start(services_, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", "CORP\\alice");
    now_ += 600 * kSecond;  // the chains come well after the boot grace
  }

  void background() {
    static const char* images[] = {"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
                                   "C:\\Windows\\System32\\cmd.exe",
                                   "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                                   "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
                                   "C:\\Windows\\System32\\conhost.exe",
                                   "C:\\Windows\\System32\\notepad.exe"};
    int r = rand(0, 999);
    if (r < 85) {  // process create (and end later)
      std::string img = images[rand(0, 5)];
      Proc p = start(r < 15 ? services_ : explorer_, img, "\"" + img + "\" " + words(30, 280), "CORP\\alice",
                     rand(0, 9) < 8);
      live_.push_back(p);
      if (live_.size() > 64) live_.erase(live_.begin());
    } else if (r < 170 && !live_.empty()) {  // process end
      const Proc& p = live_[static_cast<size_t>(rand(0, static_cast<int>(live_.size()) - 1))];
      Event e = sysmon(5, 3, 5, now_);
      e.data("RuleName", "-");
      e.data("UtcTime", utc(now_));
      e.data("ProcessGuid", p.guid);
      e.data("ProcessId", std::to_string(p.pid));
      e.data("Image", p.image);
      sysmon_.add(e.tree());
    } else if (r < 320) {  // outbound connection
      const Proc& p = live_.empty() ? explorer_ : live_.back();
      network(p, true, ip_, rand(49700, 65000),
              "52.96." + std::to_string(rand(0, 255)) + "." + std::to_string(rand(1, 254)), 443, name_, "-");
      if (rand(0, 9) == 0) {
        Event s = security(5156, 1, 12810, now_);
        s.data("ProcessID", std::to_string(p.pid));
        s.data("Application", "\\device\\harddiskvolume3" + p.image.substr(2));
        s.data("Direction", "%%14593");
        s.data("SourceAddress", ip_);
        s.data("SourcePort", std::to_string(rand(49700, 65000)));
        s.data("DestAddress", "52.96.1." + std::to_string(rand(1, 254)));
        s.data("DestPort", "443");
        s.data("Protocol", "6");
        s.data("FilterRTID", "0");
        s.data("LayerName", "%%14611");
        s.data("LayerRTID", "48");
        security_.add(s.tree());
      }
    } else if (r < 680) {  // image load
      Event e = sysmon(7, 3, 7, now_);
      e.data("RuleName", "-");
      e.data("UtcTime", utc(now_));
      e.data("ProcessGuid", explorer_.guid);
      e.data("ProcessId", std::to_string(explorer_.pid));
      e.data("Image", explorer_.image);
      e.data("ImageLoaded", "C:\\Windows\\System32\\" + hex(8) + ".dll");
      e.data("FileVersion", "10.0.19041.1");
      e.data("Description", "Windows library");
      e.data("Product", "Microsoft Windows Operating System");
      e.data("Company", "Microsoft Corporation");
      e.data("OriginalFileName", "lib.dll");
      e.data("Hashes", "SHA256=" + hex(64) + ",IMPHASH=" + hex(32));
      e.data("Signed", "true");
      e.data("Signature", "Microsoft Windows");
      e.data("SignatureStatus", "Valid");
      sysmon_.add(e.tree());
    } else if (r < 830) {  // file create
      Event e = sysmon(11, 2, 11, now_);
      e.data("RuleName", "-");
      e.data("UtcTime", utc(now_));
      e.data("ProcessGuid", explorer_.guid);
      e.data("ProcessId", std::to_string(explorer_.pid));
      e.data("Image", explorer_.image);
      e.data("TargetFilename", "C:\\Users\\alice\\AppData\\Local\\Temp\\" + words(10, 60) + ".tmp");
      e.data("CreationUtcTime", utc(now_));
      sysmon_.add(e.tree());
    } else if (r < 920) {  // process access
      Event e = sysmon(10, 3, 10, now_);
      e.data("RuleName", "-");
      e.data("UtcTime", utc(now_));
      e.data("SourceProcessGUID", explorer_.guid);
      e.data("SourceProcessId", std::to_string(explorer_.pid));
      e.data("SourceThreadId", std::to_string(rand(100, 9000)));
      e.data("SourceImage", explorer_.image);
      e.data("TargetProcessGUID", services_.guid);
      e.data("TargetProcessId", std::to_string(services_.pid));
      e.data("TargetImage", services_.image);
      e.data("GrantedAccess", "0x1000");
      e.data("CallTrace", "C:\\Windows\\SYSTEM32\\ntdll.dll+9d1e4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e");
      sysmon_.add(e.tree());
    } else if (r < 995) {  // registry value set
      Event e = sysmon(13, 2, 13, now_);
      e.data("RuleName", "-");
      e.data("EventType", "SetValue");
      e.data("UtcTime", utc(now_));
      e.data("ProcessGuid", explorer_.guid);
      e.data("ProcessId", std::to_string(explorer_.pid));
      e.data("Image", explorer_.image);
      e.data("TargetObject", "HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\" + hex(10));
      e.data("Details", "DWORD (0x00000001)");
      sysmon_.add(e.tree());
    } else {  // logon
      Event s = security(4624, 2, 12544, now_);
      s.data("SubjectUserSid", "S-1-5-18");
      s.data("SubjectUserName", "-");
      s.data("SubjectDomainName", "-");
      s.data("SubjectLogonId", "0x3e7");
      s.data("TargetUserSid", "S-1-5-21-1-2-3-1001");
      s.data("TargetUserName", "alice");
      s.data("TargetDomainName", "CORP");
      s.data("TargetLogonId", "0x" + hex(6));
      s.data("LogonType", "2");
      s.data("LogonProcessName", "User32");
      s.data("AuthenticationPackageName", "Negotiate");
      s.data("WorkstationName", name_.substr(0, name_.find('.')));
      s.data("LogonGuid", guid());
      s.data("IpAddress", "127.0.0.1");
      s.data("IpPort", "0");
      security_.add(s.tree());
    }
  }

  // The seed rule's chain: inbound RPC to RPCSS on 135, mmc.exe -Embedding
  // from DcomLaunch 0.4 s later, a cmd.exe child 2 s after that.
  std::string chain(const std::string& attacker, size_t n) {
    now_ -= now_ % 10000;  // Sysmon's UtcTime has milliseconds
    int64_t rpc = now_;
    int sport = rand(50000, 60000);
    network(rpcss_, false, attacker, sport, ip_, 135, "attacker.corp.example", name_);
    now_ += 4 * kSecond / 10;
    int64_t dcom_time = now_;
    Proc mmc =
        start(dcomlaunch_, "C:\\Windows\\System32\\mmc.exe", "C:\\Windows\\system32\\mmc.exe -Embedding", "CORP\\bob");
    now_ += 2 * kSecond;
    start(mmc, "C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\" /c whoami #" + std::to_string(n),
          "CORP\\bob");
    now_ += kSecond;
    return "{\"DeviceName\":\"" + name_ + "\",\"rpc.Timestamp\":\"" +
           evtx::filetime_iso(static_cast<uint64_t>(rpc), 7) + "\",\"dcom.Timestamp\":\"" +
           evtx::filetime_iso(static_cast<uint64_t>(dcom_time), 7) +
           "\",\"dcom.ProcessId\":" + std::to_string(mmc.pid) + ",\"rpc.RemoteIP\":\"" + attacker + "\"}";
  }

  std::mt19937_64 rng_;
  std::string name_, ip_;
  uint64_t target_;
  evtx::EvtxFileWriter sysmon_, security_;
  uint64_t sysmon_id_ = 0, security_id_ = 0;
  int64_t now_ = 0, boot_ = 0;
  Proc services_, dcomlaunch_, rpcss_, explorer_;
  std::vector<Proc> live_;
};

int usage() {
  std::fprintf(stderr,
               "usage: bench_gen_corpus OUT_DIR --hosts N --size-mb MB [--chains K] [--seed S] [--threads T]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  fs::path out = argv[1];
  int hosts = 10, chains = 10, threads = static_cast<int>(std::thread::hardware_concurrency());
  uint64_t size_mb = 100, seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--hosts")
      hosts = static_cast<int>(v);
    else if (k == "--size-mb")
      size_mb = v;
    else if (k == "--chains")
      chains = static_cast<int>(v);
    else if (k == "--seed")
      seed = v;
    else if (k == "--threads")
      threads = static_cast<int>(v);
    else
      return usage();
  }
  if (hosts < 1 || threads < 1) return usage();
  fs::create_directories(out);
  uint64_t per_host = (size_mb << 20) / static_cast<uint64_t>(hosts);
  std::vector<std::vector<std::string>> truth(static_cast<size_t>(hosts));
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int h = next++; h < hosts; h = next++) {
        std::mt19937_64 pick(seed * 1000003 + static_cast<uint64_t>(h));
        // Chains go to hosts round-robin, at times spread over the hours after the boot.
        std::vector<int64_t> times;
        for (int c = h; c < chains; c += hosts)
          times.push_back((900 + static_cast<int64_t>(times.size()) * 3600 + static_cast<int64_t>(pick() % 2700)) *
                          kSecond);
        std::sort(times.begin(), times.end());
        fs::path dir = out / ("WS" + std::to_string(1000 + h)) / "C/Windows/System32/winevt/Logs";
        fs::create_directories(dir);
        Host host(h, seed * 7919 + static_cast<uint64_t>(h), per_host, dir);
        truth[static_cast<size_t>(h)] = host.write(times, "10.99.0." + std::to_string(h % 250 + 1));
      }
    });
  for (auto& t : pool) t.join();
  FILE* f = std::fopen((out / "ground_truth.jsonl").c_str(), "w");
  size_t n = 0;
  for (const auto& lines : truth)
    for (const std::string& l : lines) {
      std::fprintf(f, "%s\n", l.c_str());
      ++n;
    }
  std::fclose(f);
  std::fprintf(stderr, "bench_gen_corpus: %d hosts, %" PRIu64 " MiB, %zu chains in %s\n", hosts, size_mb, n,
               (out / "ground_truth.jsonl").c_str());
  return 0;
}
