#include "util/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace spirapi {

namespace {

// From linux/ioprio.h, which glibc does not wrap.
constexpr int kIoprioWhoProcess = 1;
constexpr int kIoprioClassBestEffort = 2;
constexpr int kIoprioClassShift = 13;
constexpr int kIoprioLowestLevel = 7;

}  // namespace

void LowerThisThreadsPriority() {
  // On Linux, nice and ioprio with PRIO_PROCESS and a thread id apply to that
  // thread only.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(current + 10, 19));
  syscall(SYS_ioprio_set, kIoprioWhoProcess, static_cast<int>(tid),
          (kIoprioClassBestEffort << kIoprioClassShift) | kIoprioLowestLevel);
}

}  // namespace spirapi
