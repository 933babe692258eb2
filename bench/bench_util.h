// Small helpers for the SpiraPi benchmarks: a deterministic PRNG, timing and
// latency percentiles, number formatting, memory and machine information,
// benchmark directories, and JSON string escaping.
//
// Everything here is independent of SpiraPi and of SQLite so that the
// benchmark programs stay about what they measure.

#ifndef SPIRAPI_BENCH_BENCH_UTIL_H_
#define SPIRAPI_BENCH_BENCH_UTIL_H_

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <errno.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace spirapi_bench {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Prints "<program>: FATAL: <message>" and ends the process at once.
// _Exit rather than exit: a worker thread may call this while others still
// run, and static destructors must not race with them.
[[noreturn]] inline void Fatal(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: FATAL: %s\n", program_invocation_short_name, message.c_str());
  std::fflush(stderr);
  std::_Exit(2);
}

// ---------------------------------------------------------------------------
// Deterministic random numbers.

// SplitMix64: used to expand one 64-bit seed into a generator state.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256**: fast, good quality, and identical on every platform, so a
// seed always produces the same data set (std:: distributions do not promise
// that across standard libraries).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& word : s_) word = SplitMix64(&sm);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n). Multiply-shift (Lemire); the bias is below 2^-32 for
  // the small n used here, far under anything a benchmark could notice.
  uint64_t Uniform(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

  // Uniform in [0, 1).
  double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// ---------------------------------------------------------------------------
// Time.

// Ends the program with "<program>: <what>: <status>" unless s.ok(); for a
// spirapi::Status (or anything with ok() and ToString()).
template <typename StatusT>
void CheckOk(const StatusT& s, const char* program, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s: %s: %s\n", program, what, s.ToString().c_str());
  std::exit(1);
}

// A new directory /tmp/<program>-XXXXXX for a run's databases.
inline std::string NewTempDir(const std::string& program) {
  std::string pattern = "/tmp/" + program + "-XXXXXX";
  const char* dir = ::mkdtemp(pattern.data());
  if (dir == nullptr) {
    std::fprintf(stderr, "%s: cannot create %s\n", program.c_str(), pattern.c_str());
    std::exit(1);
  }
  return dir;
}

inline uint64_t NowNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

class Stopwatch {
 public:
  Stopwatch() : start_(NowNanos()) {}
  double Seconds() const { return static_cast<double>(NowNanos() - start_) * 1e-9; }
  uint64_t Nanos() const { return NowNanos() - start_; }

 private:
  uint64_t start_;
};

// The value at quantile q (0..1) of the samples, nearest-rank; reorders them.
inline double Percentile(std::vector<uint64_t>* samples, double q) {
  if (samples->empty()) return kNaN;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(samples->size())));
  size_t index = rank == 0 ? 0 : rank - 1;
  index = std::min(index, samples->size() - 1);
  std::nth_element(samples->begin(), samples->begin() + static_cast<ptrdiff_t>(index),
                   samples->end());
  return static_cast<double>((*samples)[index]);
}

inline double Median(std::vector<double> values) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Progress goes to stderr, prefixed with the time since start, so stdout
// stays a clean Markdown report.
inline const Stopwatch& ProgramClock() {
  static const Stopwatch clock;
  return clock;
}

inline void Log(const char* format, ...) __attribute__((format(printf, 1, 2)));
inline void Log(const char* format, ...) {
  std::fprintf(stderr, "[%7.1fs] ", ProgramClock().Seconds());
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
}

// ---------------------------------------------------------------------------
// Formatting.

// 1234567 -> "1,234,567".
inline std::string FormatCount(double value) {
  if (std::isnan(value)) return "—";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.0f", value);
  std::string digits = buffer;
  size_t start = digits[0] == '-' ? 1 : 0;
  std::string out = digits.substr(0, start);
  size_t n = digits.size() - start;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[start + i];
  }
  return out;
}

inline std::string FormatFixed(double value, int decimals) {
  if (std::isnan(value)) return "—";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

// Bytes as "512 B", "12.3 KiB", "45.6 MiB" or "1.23 GiB".
inline std::string FormatBytes(double bytes) {
  if (std::isnan(bytes)) return "—";
  char buffer[64];
  if (bytes < 1024) {
    std::snprintf(buffer, sizeof(buffer), "%.0f B", bytes);
  } else if (bytes < 1024.0 * 1024) {
    std::snprintf(buffer, sizeof(buffer), "%.1f KiB", bytes / 1024);
  } else if (bytes < 1024.0 * 1024 * 1024) {
    std::snprintf(buffer, sizeof(buffer), "%.1f MiB", bytes / (1024.0 * 1024));
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
  }
  return buffer;
}

// A latency in nanoseconds as "812 ns", "41.2 µs" or "3.41 ms".
inline std::string FormatLatency(double nanos) {
  if (std::isnan(nanos)) return "—";
  char buffer[64];
  if (nanos < 1e3) {
    std::snprintf(buffer, sizeof(buffer), "%.0f ns", nanos);
  } else if (nanos < 1e6) {
    std::snprintf(buffer, sizeof(buffer), "%.1f µs", nanos / 1e3);
  } else if (nanos < 1e9) {
    std::snprintf(buffer, sizeof(buffer), "%.2f ms", nanos / 1e6);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.2f s", nanos / 1e9);
  }
  return buffer;
}

// "a,b,c" -> {"a", "b", "c"}, for options that take lists.
inline std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t comma; (comma = s.find(',', start)) != std::string::npos; start = comma + 1) {
    parts.push_back(s.substr(start, comma - start));
  }
  parts.push_back(s.substr(start));
  return parts;
}

// Appends s as a JSON string literal.
inline void AppendJsonQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          *out += buffer;
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

// A double as a JSON number, or null when it is not finite.
inline std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

// ---------------------------------------------------------------------------
// Memory.

// The first number after `key` in a /proc file of "Key:   value kB" lines, in
// bytes; 0 if absent.
inline uint64_t ReadProcKiB(const char* file, const char* key) {
  std::ifstream in(file);
  std::string line;
  size_t key_len = std::char_traits<char>::length(key);
  while (std::getline(in, line)) {
    if (line.compare(0, key_len, key) == 0) {
      return std::strtoull(line.c_str() + key_len, nullptr, 10) * 1024;
    }
  }
  return 0;
}

inline uint64_t CurrentRssBytes() { return ReadProcKiB("/proc/self/status", "VmRSS:"); }

// Hands memory freed by earlier phases back to the OS (glibc keeps it
// otherwise), so a phase's RSS is not inflated by what an earlier one used.
inline void ReleaseFreeMemory() { malloc_trim(0); }

// Tracks the peak resident set size of one phase. Linux lets a process reset
// its own high-water mark (write "5" to /proc/self/clear_refs); where that is
// not possible the figure falls back to getrusage's peak since process start.
class PeakRssTracker {
 public:
  PeakRssTracker() {
    ReleaseFreeMemory();
    std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (f != nullptr) {
      reset_ = std::fputs("5", f) >= 0;
      reset_ = (std::fclose(f) == 0) && reset_;
    }
  }

  // Peak RSS in bytes since construction (or since process start, see above).
  uint64_t PeakBytes() const {
    uint64_t hwm = reset_ ? ReadProcKiB("/proc/self/status", "VmHWM:") : 0;
    if (hwm != 0) return hwm;
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // ru_maxrss is in KiB
  }

  bool per_phase() const { return reset_; }

 private:
  bool reset_ = false;
};

// ---------------------------------------------------------------------------
// Machine and file system.

inline std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

inline std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return Trim(line.substr(colon + 1));
    }
  }
  return "unknown";
}

inline std::string KernelVersion() {
  struct utsname u {};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release + " " + u.version + " " + u.machine;
}

inline std::string UtcDateTime() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// The name of the file system holding `path` (or its nearest existing parent).
inline std::string FileSystemType(std::string path) {
  struct statfs fs {};
  while (statfs(path.c_str(), &fs) != 0) {
    std::string parent = std::filesystem::path(path).parent_path().string();
    if (parent.empty() || parent == path) return "unknown";
    path = parent;
  }
  switch (static_cast<uint64_t>(fs.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x6969:
      return "nfs";
    case 0x2FC12FC1:
      return "zfs";
    case 0xF2F52010:
      return "f2fs";
    default: {
      char buffer[32];
      std::snprintf(buffer, sizeof(buffer), "fs-type 0x%lx", static_cast<unsigned long>(fs.f_type));
      return buffer;
    }
  }
}

// Free bytes for an unprivileged user on the file system holding `path`.
inline uint64_t FreeDiskBytes(std::string path) {
  struct statvfs vfs {};
  while (statvfs(path.c_str(), &vfs) != 0) {
    std::string parent = std::filesystem::path(path).parent_path().string();
    if (parent.empty() || parent == path) return 0;
    path = parent;
  }
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

struct DirectorySize {
  uint64_t apparent_bytes = 0;   // sum of file sizes
  uint64_t allocated_bytes = 0;  // blocks the files occupy, as du counts them
  uint64_t files = 0;
};

// Sums the regular files under `dir`, skipping files named `skip_name`.
inline DirectorySize MeasureDirectory(const std::string& dir, std::string_view skip_name = "") {
  DirectorySize size;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().filename() == skip_name) continue;
    struct stat st {};
    if (stat(it->path().c_str(), &st) != 0) continue;  // removed meanwhile
    size.apparent_bytes += static_cast<uint64_t>(st.st_size);
    size.allocated_bytes += static_cast<uint64_t>(st.st_blocks) * 512;
    ++size.files;
  }
  if (ec) Fatal("cannot list " + dir + ": " + ec.message());
  return size;
}

// Drops the page-cache pages of every file under `dir` (after writing back any
// dirty ones), so the next open reads from the disk. Unlike writing to
// /proc/sys/vm/drop_caches this touches only our files and needs no root.
inline void EvictFromPageCache(const std::string& dir) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    int fd = open(it->path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
  }
}

// Empties `dir` for a run. Refuses to delete a non-empty directory that the
// tool did not create (no file named `marker` in it), so a mistyped --dir
// cannot wipe data.
inline void PrepareBenchDir(const std::string& dir, const char* marker) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) Fatal("--dir " + dir + " exists and is not a directory");
    bool empty = fs::is_empty(dir, ec);
    if (!empty && !fs::exists(fs::path(dir) / marker, ec)) {
      Fatal("--dir " + dir + " is not empty and was not made by " +
            program_invocation_short_name +
            "; refusing to delete it (choose another --dir or empty it yourself)");
    }
    fs::remove_all(dir, ec);
    if (ec) Fatal("cannot remove " + dir + ": " + ec.message());
  }
  fs::create_directories(dir, ec);
  if (ec) Fatal("cannot create " + dir + ": " + ec.message());
  std::FILE* f = std::fopen((fs::path(dir) / marker).c_str(), "w");
  if (f == nullptr || std::fclose(f) != 0) Fatal("cannot write a marker file in " + dir);
}

inline void RemoveBenchDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) Fatal("cannot remove " + dir + ": " + ec.message());
}

struct SyncProbe {
  double p50_ns = kNaN;
  double p99_ns = kNaN;
  int samples = 0;
};

// Times `samples` appends of 1 KiB to a scratch file in `dir`, each followed
// by fdatasync: the floor under any durable commit that does not share its
// sync with others. Measured at the start and end of a run, it also shows
// whether the disk was quiet throughout.
inline SyncProbe ProbeSyncLatency(const std::string& dir, int samples) {
  const std::string path = dir + "/sync-probe.tmp";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) Fatal("cannot create " + path);
  std::string block(1024, 'x');
  std::vector<uint64_t> latencies;
  for (int i = 0; i < samples; ++i) {
    const uint64_t start = NowNanos();
    if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
        fdatasync(fd) != 0) {
      Fatal("cannot write " + path);
    }
    latencies.push_back(NowNanos() - start);
  }
  close(fd);
  unlink(path.c_str());
  SyncProbe probe;
  probe.samples = samples;
  probe.p50_ns = Percentile(&latencies, 0.50);
  probe.p99_ns = Percentile(&latencies, 0.99);
  return probe;
}

}  // namespace spirapi_bench

#endif  // SPIRAPI_BENCH_BENCH_UTIL_H_
