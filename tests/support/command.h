// Running commands and the evtxhunt binary (EVTXHUNT_BINARY, set by
// evtxhunt_test() in tests/CMakeLists.txt) with stdout and stderr captured.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

#include "support/temp_dir.h"

namespace support {

namespace fs = std::filesystem;

// Quotes a string for /bin/sh.
inline std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}
inline std::string shell_quote(const fs::path& p) { return shell_quote(std::string_view(p.native())); }
inline std::string shell_quote(const char* s) { return shell_quote(std::string_view(s)); }
inline std::string shell_quote(const std::string& s) { return shell_quote(std::string_view(s)); }

struct CommandResult {
  int exit_code = -1;  // -1 if the process did not exit normally
  std::string out;     // stdout
  std::string err;     // stderr (through a temp file)
};

// Runs `command` with /bin/sh through popen, capturing stdout and stderr.
inline CommandResult run_command(const std::string& command) {
  CommandResult res;
  TempDir tmp("cmd");
  fs::path err_path = tmp / "stderr";
  std::string full = command + " 2>" + shell_quote(err_path.string());
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + command);
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) res.out.append(buf, n);
  int status = ::pclose(p);
  if (status != -1 && WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
  std::ifstream in(err_path, std::ios::binary);
  res.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return res;
}

// The built evtxhunt binary, quoted for the shell.
inline std::string evtxhunt_binary() { return shell_quote(std::string_view(EVTXHUNT_BINARY)); }

// Runs `evtxhunt <args>`; args are passed to /bin/sh as written (quote paths
// with shell_quote).
inline CommandResult run_evtxhunt(const std::string& args) { return run_command(evtxhunt_binary() + " " + args); }

}  // namespace support
