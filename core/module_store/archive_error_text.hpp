// libarchive's last error as text. archive_error_string() returns NULL for some damaged
// archives (a truncated zip), which must become a message, never a crash.
#pragma once

#include <archive.h>

#include <string>

namespace haven {

inline std::string archive_error_text(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? std::string(text) : std::string("the archive is damaged or truncated");
}

}  // namespace haven
