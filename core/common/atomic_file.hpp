// Writing a file so that a crash at any moment leaves either the old or the new content.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "haven/result.hpp"

namespace haven {

/// Writes `content` to a temporary file beside `path`, fsyncs it, renames it over `path`
/// and fsyncs the folder. Creates missing parent folders. `mode` is the new file's mode.
Status write_file_atomically(const std::filesystem::path& path, std::string_view content,
                             unsigned mode = 0644);

/// Reads a whole file. not_found when it does not exist.
Result<std::string> read_file(const std::filesystem::path& path);

/// fsyncs a folder, so that a rename or a new entry in it survives a crash.
Status sync_directory(const std::filesystem::path& dir);

}  // namespace haven
