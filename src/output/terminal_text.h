// Text bound for a terminal (stderr messages, the table format): whatever a
// record, a file name or a rule holds is shown, never obeyed. Control
// characters (C0 but TAB and LF in messages, DEL, C1 U+0080..U+009F) are
// written visibly as \xNN (ESC is \x1b), the bidirectional overrides and
// isolates (U+202A..U+202E, U+2066..U+2069) as <U+202E>, and bytes that are
// not UTF-8 as \xNN too: no cursor movement, erased line, window title,
// clipboard write (OSC 52) or reordered text can come from the evidence.
#pragma once

#include <string>
#include <string_view>

namespace output {

// keep_layout: TAB and LF stand (a message's own layout); else they are escaped too.
std::string terminal_text(std::string_view s, bool keep_layout = false);

}  // namespace output
