// The checks the plugin host makes on a plugin before running any of its code
// (core/plugin_host/descriptor_check.*): `check_descriptor` on a descriptor built from the
// input, `is_dotted_name`, and `check_elf_header` on the input written to a file.
// The descriptor lives in a heap block of exactly the size it claims (struct_size, at least
// the 4 bytes of struct_size itself, at most the full struct), so AddressSanitizer reports any
// read past what an older or broken plugin really exports.
// Properties: check_descriptor accepts exactly the descriptors a plain model accepts (size
// >= the host's struct, same ABI major, minor not newer, same toolchain tag, dotted name,
// known kind, a factory); a refusal names the file; is_dotted_name agrees with its grammar
// (segments of [A-Za-z0-9_-], two or more, separated by single dots); check_elf_header
// accepts exactly the files that start with "\x7fELF".
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "plugin_host/descriptor_check.hpp"

namespace {

haven::Result<haven::PluginObject*> dummy_factory(haven::HostContext&) noexcept {
  return haven::fail(haven::Errc::internal, "never called");
}

// Reads the input front to back; past the end, zeros.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | byte();
    return v;
  }
  std::string text() {  // a length byte, then that many bytes (NULs cut the C string later)
    const std::size_t n = byte() % 64;
    std::string out;
    for (std::size_t i = 0; i < n && pos_ < size_; ++i) out += static_cast<char>(data_[pos_++]);
    return out;
  }
  std::string_view rest() const {
    return {reinterpret_cast<const char*>(data_) + pos_, size_ - std::min(pos_, size_)};
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// segment ('.' segment)+ with segment = [A-Za-z0-9_-]+
bool dotted_model(std::string_view s) {
  std::size_t segments = 0;
  std::size_t start = 0;
  while (true) {
    const auto dot = s.find('.', start);
    const auto seg = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (seg.empty()) return false;
    for (char c : seg)
      if (!name_char(c)) return false;
    ++segments;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return segments >= 2;
}

// The file check_elf_header reads: an in-memory file, so that nothing is left behind when
// libFuzzer ends a run with _Exit.
const std::filesystem::path& elf_file() {
  static const std::filesystem::path path = [] {
    const int fd = ::memfd_create("haven-fuzz-plugin", 0);
    HAVEN_FUZZ_CHECK(fd >= 0, "cannot make an in-memory file");
    return std::filesystem::path("/proc/self/fd/" + std::to_string(fd));
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(data, size);
  const std::uint8_t flags = in.byte();
  const std::uint8_t strings = in.byte();

  // struct_size: the real one, or whatever the input says.
  const std::uint32_t claimed = (flags & 1) != 0 ? in.u32() : static_cast<std::uint32_t>(sizeof(haven_plugin_descriptor));
  const std::uint32_t major = (flags & 2) != 0 ? in.u32() % 4 : HAVEN_ABI_MAJOR;
  const std::uint32_t minor = (flags & 4) != 0 ? in.u32() % 8 : HAVEN_ABI_MINOR;
  const bool has_factory = (flags & 8) == 0;

  // Each string: the valid one (bit clear) or the input's (bit set); a null pointer when the
  // input's is empty and the next bit is set.
  const std::string tag = HAVEN_TOOLCHAIN_TAG;
  std::string values[5] = {tag, "checker", "haven.checker.fuzz", "1.0.0", "fuzzed plugin"};
  bool null[5] = {false, false, false, false, false};
  for (int i = 0; i < 5; ++i) {
    if ((strings >> i & 1) == 0) continue;
    values[i] = in.text();
    if (values[i].empty() && (flags & (16 << (i % 4))) != 0) null[i] = true;
  }
  // As C strings: what a plugin's pointer shows stops at the first NUL.
  std::vector<std::string> c_strings;
  for (const auto& v : values) c_strings.emplace_back(v.c_str());

  haven_plugin_descriptor full{};
  full.struct_size = claimed;
  full.abi_major = major;
  full.abi_minor = minor;
  full.toolchain = null[0] ? nullptr : c_strings[0].c_str();
  full.kind = null[1] ? nullptr : c_strings[1].c_str();
  full.name = null[2] ? nullptr : c_strings[2].c_str();
  full.version = null[3] ? nullptr : c_strings[3].c_str();
  full.summary = null[4] ? nullptr : c_strings[4].c_str();
  full.create = has_factory ? &dummy_factory : nullptr;

  // The block the plugin really exports: as large as it says, within [4, sizeof].
  const std::size_t block = std::max<std::size_t>(4, std::min<std::size_t>(claimed, sizeof(haven_plugin_descriptor)));
  auto* bytes = static_cast<unsigned char*>(std::malloc(block));
  std::memcpy(bytes, &full, block);
  const auto* descriptor = reinterpret_cast<const haven_plugin_descriptor*>(bytes);

  const std::filesystem::path file = "/usr/lib/haven/plugins/fuzzed.so";
  const auto status = haven::check_descriptor(descriptor, file);
  std::free(bytes);

  const bool model = claimed >= sizeof(haven_plugin_descriptor) && major == HAVEN_ABI_MAJOR &&
                     minor <= HAVEN_ABI_MINOR && !null[0] && c_strings[0] == tag && !null[2] &&
                     dotted_model(c_strings[2]) && !null[1] && haven::is_known_kind(c_strings[1]) && has_factory;
  HAVEN_FUZZ_CHECK(status.ok() == model, std::string("check_descriptor ") + (status.ok() ? "accepts" : "refuses") +
                                             " a descriptor the model " + (model ? "accepts" : "refuses") +
                                             (status.ok() ? std::string() : ": " + status.error().message));
  if (!status.ok())
    HAVEN_FUZZ_CHECK(status.error().message.find(file.string()) != std::string::npos,
                     "a refusal does not name the file: " + status.error().message);
  HAVEN_FUZZ_CHECK(haven::check_descriptor(nullptr, file).error().code == haven::Errc::invalid_argument,
                   "a null descriptor is not refused");

  for (const auto& v : values)
    HAVEN_FUZZ_CHECK(haven::is_dotted_name(v) == dotted_model(v), "is_dotted_name disagrees with the grammar on '" +
                                                                      v + "'");

  // The ELF check on the rest of the input as a file.
  if ((flags & 0x80) != 0) {
    const auto rest = in.rest();
    {
      std::ofstream out(elf_file(), std::ios::binary | std::ios::trunc);
      out.write(rest.data(), static_cast<std::streamsize>(rest.size()));
    }
    const auto elf = haven::check_elf_header(elf_file());
    HAVEN_FUZZ_CHECK(elf.ok() == (rest.size() >= 4 && rest.substr(0, 4) == std::string_view("\x7f" "ELF", 4)),
                     "check_elf_header " + std::string(elf.ok() ? "accepts" : "refuses") + " " +
                         std::to_string(rest.size()) + " bytes");
  }
  return 0;
}
