#include "store/temp_dir.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace store {
namespace {

// What the signal handler may remove: up to kSlots folders, each with its
// spill files run-000000.bin .. run-(count-1).bin. Plain arrays: the handler
// only reads them and calls unlink/rmdir, which are async-signal-safe.
constexpr int kSlots = 16;
constexpr size_t kPathMax = 4096;
char g_dirs[kSlots][kPathMax];
std::atomic<unsigned> g_files[kSlots];
std::atomic<bool> g_used[kSlots];
std::once_flag g_handlers_once;
// Other files to remove: outputs' temporary files (remove_on_signal).
char g_files_to_remove[kSlots][kPathMax];
std::atomic<bool> g_file_used[kSlots];

void spill_name(char* out, const char* dir, unsigned n) {
  size_t len = std::strlen(dir);
  std::memcpy(out, dir, len);
  const char prefix[] = "/run-";
  std::memcpy(out + len, prefix, sizeof prefix - 1);
  len += sizeof prefix - 1;
  for (int d = 5; d >= 0; --d) {
    out[len + d] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  len += 6;
  std::memcpy(out + len, ".bin", 5);
}

void remove_all_temp() {
  char name[kPathMax + 32];
  for (int s = 0; s < kSlots; ++s) {
    if (!g_used[s].load()) continue;
    unsigned n = g_files[s].load();
    for (unsigned i = 0; i < n; ++i) {
      spill_name(name, g_dirs[s], i);
      unlink(name);
    }
    rmdir(g_dirs[s]);
  }
  for (int s = 0; s < kSlots; ++s)
    if (g_file_used[s].load()) unlink(g_files_to_remove[s]);
}

void on_signal(int sig) {
  remove_all_temp();
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction sa {};
    struct sigaction old {};
    sigaction(sig, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // e.g. nohup: keep ignoring
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
}

}  // namespace

int remove_on_signal(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  std::call_once(g_handlers_once, install_handlers);
  static std::mutex claiming;  // the handler only reads: a slot's name is whole before its flag is set
  std::lock_guard<std::mutex> lock(claiming);
  for (int s = 0; s < kSlots; ++s)
    if (!g_file_used[s].load()) {
      std::memcpy(g_files_to_remove[s], path.c_str(), path.size() + 1);
      g_file_used[s].store(true);
      return s;
    }
  return -1;
}

void keep_on_signal(int slot) {
  if (slot >= 0 && slot < kSlots) g_file_used[slot].store(false);
}

TempDir::TempDir(const std::filesystem::path& base) {
  std::filesystem::path root = base;
  if (root.empty()) {
    const char* env = std::getenv("TMPDIR");
    root = env && *env ? env : "/tmp";
  }
  std::string tmpl = (root / "evtxhunt-XXXXXX").string();
  if (tmpl.size() >= kPathMax - 32) throw SpillError(root.string() + ": temporary folder path too long");
  if (!mkdtemp(tmpl.data()))
    throw SpillError(root.string() + ": cannot create a temporary folder: " + std::system_category().message(errno));
  path_ = tmpl;
  std::call_once(g_handlers_once, install_handlers);
  for (int s = 0; s < kSlots; ++s) {
    bool expected = false;
    if (g_used[s].compare_exchange_strong(expected, true)) {
      std::memcpy(g_dirs[s], tmpl.c_str(), tmpl.size() + 1);
      g_files[s].store(0);
      slot_ = s;
      break;
    }
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (slot_ >= 0) g_used[slot_].store(false);
}

std::filesystem::path TempDir::new_file() {
  unsigned n = next_.fetch_add(1);
  if (slot_ >= 0) {
    unsigned cur = g_files[slot_].load();
    while (cur < n + 1 && !g_files[slot_].compare_exchange_weak(cur, n + 1)) {
    }
  }
  char name[kPathMax + 32];
  spill_name(name, path_.c_str(), n);
  return name;
}

}  // namespace store
