// Shared by the libFuzzer targets in this directory: a check that stops the
// run (so libFuzzer saves the input), files held in memory, the fixed test
// cipher, and the `--write-seeds DIR` mode that writes a target's seed corpus.

#ifndef SPIRAPI_FUZZ_FUZZ_UTIL_H_
#define SPIRAPI_FUZZ_FUZZ_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/cipher.h"
#include "codec/record_codec.h"
#include "spirapi/file_system.h"
#include "util/hash.h"

// Unlike assert(), active in every build: a failed check is a finding.
#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

namespace spirapi::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Whether `part` is a view into `whole` (decoders return views, never copies
// of bytes from elsewhere).
inline bool Within(std::string_view whole, std::string_view part) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// A file held in memory, for the readers that take a RandomAccessFile.
class StringFile : public RandomAccessFile {
 public:
  explicit StringFile(std::string_view bytes) : bytes_(bytes) {}
  Status Read(uint64_t offset, size_t n, std::string* result) const override {
    if (offset >= bytes_.size()) {
      result->clear();
    } else {
      result->assign(bytes_.substr(offset, n));
    }
    return Status::OK();
  }

 private:
  std::string_view bytes_;
};

// A WritableFile that appends to a string, for SegmentWriter.
class StringSink : public WritableFile {
 public:
  Status Append(std::string_view data) override {
    bytes.append(data);
    return Status::OK();
  }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  std::string bytes;
};

// The cipher of the encrypted modes. The key is fixed (fixed passphrase and
// salt) so that sealed seeds written once stay openable, and derived with a
// tiny scrypt cost so that startup stays fast.
inline const Cipher* TestCipher() {
  static const Cipher* cipher = [] {
    KdfParams params;
    params.n = 16;
    params.r = 1;
    params.salt = std::string(16, 's');
    auto* c = new Cipher;
    FUZZ_CHECK(Cipher::Create("fuzz", params, c).ok());
    return c;
  }();
  return cipher;
}

// The inputs of the file targets (journal, segment): a mode byte, then the
// file. Mode bit 0: recompute the file's CRCs first (fix_crcs), so that
// mutations get past them to the parsers behind; bit 1: the database is
// encrypted with TestCipher().
struct FileInput {
  std::string file;
  const Cipher* cipher = nullptr;
};
inline bool ReadFileInput(std::string_view input, void (*fix_crcs)(std::string*),
                          FileInput* out) {
  if (input.empty()) return false;
  const auto mode = static_cast<uint8_t>(input[0]);
  out->file.assign(input.substr(1));
  if (mode & 1) fix_crcs(&out->file);
  out->cipher = (mode & 2) ? TestCipher() : nullptr;
  return true;
}
// The mode byte of a seed.
inline std::string FileSeed(bool encrypted, bool fix_crcs, std::string_view file) {
  return static_cast<char>((encrypted ? 2 : 0) | (fix_crcs ? 1 : 0)) + std::string(file);
}

// Records as the engine writes them, for the seeds of the decoders: a
// record of every component, with and without metadata, a blob (format 2),
// a tombstone, ids with non-ASCII characters.
inline std::vector<std::string> SampleRecords() {
  std::vector<std::string> out;
  auto add = [&](Component c, uint8_t flags, uint64_t seq, std::string_view id,
                 std::string_view data, std::string_view metadata, std::string_view blob) {
    RecordView r;
    r.component = c;
    r.flags = flags;
    r.seq = seq;
    r.version = seq;
    r.timestamp_us = 1700000000000000 + static_cast<int64_t>(seq);
    r.id = id;
    r.data = data;
    r.metadata = metadata;
    r.blob = blob;
    out.emplace_back();
    EncodeRecord(r, &out.back());
  };
  add(Component::kSequence, 0, 7, "a", "[1,2.50]", "{}", "");
  add(Component::kSequence, 0, 8, "pi-1", R"({"sequence":"3.14159","precision":5})",
      R"({"by":"me"})", "");
  add(Component::kSchema, 0, 9, "def/people", R"({"name":"people","zone":"flexible"})", "{}", "");
  add(Component::kQuery, 0, 10, "q\u00e9", "\"text\"", "{}", "");
  add(Component::kMetadata, 0, 11, "m", "null", "{}", std::string_view("\0\xff*", 3));
  add(Component::kIndex, kRecordTombstone, 12, "gone", "", "", "");
  add(Component::kCache, 0, 13, "\xc3\xa9t\xc3\xa9", "{\"n\":-1e-3}", "{}", "");
  return out;
}

// Called from LLVMFuzzerInitialize. With `--write-seeds DIR` among the
// arguments, calls write(add) and exits: each add(bytes) stores one seed
// named after its content (so rewriting is idempotent). Seeds are made by the
// library's own writers, so they are real examples of each input.
using SeedWriter = std::function<void(const std::function<void(std::string_view)>& add)>;
inline void MaybeWriteSeeds(int* argc, char*** argv, const SeedWriter& write) {
  for (int i = 1; i + 1 < *argc; ++i) {
    if (std::strcmp((*argv)[i], "--write-seeds") != 0) continue;
    const std::filesystem::path dir = (*argv)[i + 1];
    std::filesystem::create_directories(dir);
    int written = 0;
    write([&](std::string_view bytes) {
      const Sha256Digest digest = Sha256Of(bytes);
      char name[17];
      for (int k = 0; k < 8; ++k) std::snprintf(name + 2 * k, 3, "%02x", digest[k]);
      std::ofstream(dir / name, std::ios::binary).write(bytes.data(), bytes.size());
      ++written;
    });
    std::fprintf(stderr, "wrote %d seeds to %s\n", written, dir.c_str());
    std::exit(0);
  }
}

}  // namespace spirapi::fuzz

// Defines libFuzzer's entry points: check(input) for every input, and
// write_seeds(add) for `--write-seeds DIR`.
#define SPIRAPI_FUZZ_TARGET(check, write_seeds)                               \
  extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {             \
    spirapi::fuzz::MaybeWriteSeeds(argc, argv, write_seeds);                 \
    return 0;                                                                \
  }                                                                          \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {  \
    check(spirapi::fuzz::AsView(data, size));                                \
    return 0;                                                                \
  }

#endif  // SPIRAPI_FUZZ_FUZZ_UTIL_H_
